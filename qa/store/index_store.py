"""On-disk layout of an index, atomic publishing, and loading with clear errors.

An index folder holds ``segments/<id>/`` (see ``qa.store.segment``), ``builds/<id>/manifest.json``
and a ``current`` symlink to the newest build. A build's manifest names its segments and,
for each, the documents deleted from it since it was written. Publishing writes a new
manifest and replaces the symlink (one atomic rename), so readers see the old index or the
new one, never half of one. A lock file keeps two builds of the same index from running at
once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from qa.config import Settings
from qa.store.index import Index
from qa.store.segment import Segment

FORMAT = 4  # 3: no per-sentence vectors (the reader made them unused); 4: checksums of every file


class IndexUnavailable(RuntimeError):
    """The index cannot be used; the message says why and how to fix it."""


class IndexMissing(IndexUnavailable):
    pass


class IndexCorrupt(IndexUnavailable):
    pass


class IndexMismatch(IndexUnavailable):
    pass


class BuildInProgress(RuntimeError):
    pass


def rebuild_hint(settings: Settings) -> str:
    return f"rebuild it with: qa index build --corpus {settings.corpus_dir} --index {settings.index_path}"


@contextlib.contextmanager
def build_lock(settings: Settings) -> Iterator[None]:
    root = settings.index_path
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".build.lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise BuildInProgress(f"another build of {root} is running; try again when it ends") from exc
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def read_manifest(settings: Settings) -> dict[str, Any]:
    path = settings.index_path / "current"
    if not (path / "manifest.json").exists():
        raise IndexMissing(f"no index at {settings.index_path}; {rebuild_hint(settings)}")
    try:
        return json.loads((path / "manifest.json").read_text())
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"the index manifest is unreadable ({exc}); {rebuild_hint(settings)}") from exc


def check_manifest(manifest: dict[str, Any], settings: Settings) -> None:
    hint = rebuild_hint(settings)
    if manifest.get("format") != FORMAT:
        raise IndexMismatch(f"the index has format {manifest.get('format')}, this version reads {FORMAT}; {hint}")
    if manifest.get("model") != settings.model or manifest.get("prompts") != list(settings.prompts):
        raise IndexMismatch(f"the index was built with model {manifest.get('model')!r}, "
                            f"settings ask for {settings.model!r}; {hint}")
    chunker = {"target_chars": settings.chunk_chars, "overlap": settings.chunk_overlap}
    if manifest.get("chunker") != chunker:
        raise IndexMismatch(f"the index was chunked with {manifest.get('chunker')}, settings ask for {chunker}; {hint}")



def publish(settings: Settings, manifest: dict[str, Any]) -> Path:
    """Publish a build that uses already written segments; drop what no build uses any more."""
    root = settings.index_path
    builds = root / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
    tmp = builds / f".tmp-{build_id}"
    tmp.mkdir()
    (tmp / "manifest.json").write_text(json.dumps({**manifest, "build_id": build_id}, ensure_ascii=False, indent=1))
    final = builds / build_id
    tmp.rename(final)
    link_tmp = root / f".current-{build_id}"
    os.symlink(Path("builds") / build_id, link_tmp)
    os.replace(link_tmp, root / "current")
    for stale in root.glob(".current-*"):  # a link a killed publish made but never moved into place
        stale.unlink(missing_ok=True)
    # Readers that loaded an old build keep their open and mapped files after these go.
    for old in builds.iterdir():
        if old.name != build_id:
            shutil.rmtree(old, ignore_errors=True)
    used = {s["id"] for s in manifest["segments"]}
    for seg in (root / "segments").iterdir():
        if seg.name not in used:
            shutil.rmtree(seg, ignore_errors=True)
    return final


def load_index(settings: Settings, mmap: bool = True, reuse: Index | None = None) -> Index:
    """Load the current build. Segments that ``reuse`` (the index being replaced) has open are
    taken from it rather than read again: segments never change, so a reload after an update
    costs the new segment, not the corpus."""
    manifest = read_manifest(settings)
    check_manifest(manifest, settings)
    path = (settings.index_path / "current").resolve()
    hint = rebuild_hint(settings)
    segments, deleted = [], []
    try:
        open_ = {seg.seg_id: seg for seg in reuse.segments} if reuse is not None else {}
        for entry in manifest["segments"]:
            seg = open_.get(entry["id"]) or Segment(settings.index_path / "segments" / entry["id"], mmap=mmap,
                                                     verify_files=settings.verify_index)
            if seg.meta["dim"] != manifest["dim"]:
                raise ValueError(f"segment {entry['id']} has dimension {seg.meta['dim']}, not {manifest['dim']}")
            segments.append(seg)
            deleted.append(entry.get("deleted", []))
        index = Index(path, manifest, segments, deleted)
    except Exception as exc:  # numpy, json and FAISS each fail in their own way on a damaged file
        raise IndexCorrupt(f"the index at {path} is damaged ({type(exc).__name__}: {exc}); {hint}") from exc
    if manifest.get("counts") != index.counts:
        raise IndexCorrupt(f"the index at {path} is inconsistent (counts {index.counts}, the manifest says "
                           f"{manifest.get('counts')}); {hint}")
    return index
