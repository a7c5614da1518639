"""On-disk layout of an index, atomic publishing, and loading with clear errors.

An index folder holds ``builds/<id>/`` and a ``current`` symlink to the newest complete
build. A build is written under a temporary name, renamed, and published by replacing the
symlink (one atomic rename), so readers see the old index or the new one, never half of one.
A lock file keeps two builds of the same index from running at once.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa import dense_index
from qa.config import Settings
from qa.lexical import LexicalIndex
from qa.records import Block, Chunk, Document

FORMAT = 1
FILES = ("manifest.json", "documents.jsonl", "chunks.jsonl", "sentences.npy",
         "chunk_vectors.npy", "sentence_vectors.npy", "dense.faiss", "lexical/qa_lexical.json")


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


@dataclass
class Index:
    path: Path
    manifest: dict[str, Any]
    documents: dict[str, Document]
    chunks: list[Chunk]
    sentences: np.ndarray  # (S, 3) int32: document number, start, end
    doc_ids: list[str]  # document number -> doc_id
    chunk_sentences: list[list[int]]  # chunk -> sentence rows
    chunk_vectors: np.ndarray
    sentence_vectors: np.ndarray
    dense: Any  # faiss.Index
    lexical: LexicalIndex

    @property
    def counts(self) -> dict[str, int]:
        return {"documents": len(self.documents), "chunks": len(self.chunks),
                "sentences": int(self.sentences.shape[0])}

    def sentence_text(self, row: int) -> str:
        d, a, b = (int(x) for x in self.sentences[row])
        return self.documents[self.doc_ids[d]].text[a:b]


def write_build(settings: Settings, manifest: dict[str, Any], documents: list[Document],
                chunks: list[Chunk], chunk_sentences: list[list[int]], sentences: np.ndarray,
                chunk_vectors: np.ndarray, sentence_vectors: np.ndarray, dense: Any,
                lexical: LexicalIndex) -> Path:
    """Write a complete build beside the current one, then publish it atomically."""
    import faiss

    root = settings.index_path
    builds = root / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    build_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
    tmp = builds / f".tmp-{build_id}"
    tmp.mkdir()
    try:
        with open(tmp / "documents.jsonl", "w", encoding="utf-8") as f:
            for d in documents:
                f.write(json.dumps({"doc_id": d.doc_id, "title": d.title, "sha256": d.sha256,
                                    "encoding": d.encoding, "text": d.text,
                                    "blocks": [[b.kind, b.start, b.end] for b in d.blocks]},
                                   ensure_ascii=False) + "\n")
        with open(tmp / "chunks.jsonl", "w", encoding="utf-8") as f:
            for c, rows in zip(chunks, chunk_sentences):
                f.write(json.dumps({**c.to_json(), "sentence_rows": rows}, ensure_ascii=False) + "\n")
        np.save(tmp / "sentences.npy", sentences.astype(np.int32))
        np.save(tmp / "chunk_vectors.npy", chunk_vectors.astype(np.float32))
        np.save(tmp / "sentence_vectors.npy", sentence_vectors.astype(np.float32))
        faiss.write_index(dense, str(tmp / "dense.faiss"))
        (tmp / "lexical").mkdir()
        lexical.save(tmp / "lexical")
        manifest = {**manifest, "build_id": build_id}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        final = builds / build_id
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    link_tmp = root / f".current-{build_id}"
    os.symlink(Path("builds") / build_id, link_tmp)
    os.replace(link_tmp, root / "current")
    for old in builds.iterdir():  # readers that loaded an old build keep their open files
        if old.name != build_id and not old.name.startswith(".tmp-"):
            shutil.rmtree(old, ignore_errors=True)
    return final


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


def load_index(settings: Settings, mmap: bool = True) -> Index:
    import faiss

    manifest = read_manifest(settings)
    check_manifest(manifest, settings)
    path = (settings.index_path / "current").resolve()
    hint = rebuild_hint(settings)
    missing = [name for name in FILES if not (path / name).exists()]
    if missing:
        raise IndexCorrupt(f"the index at {path} lacks {', '.join(missing)}; {hint}")
    try:
        documents: dict[str, Document] = {}
        for line in (path / "documents.jsonl").read_text(encoding="utf-8").splitlines():
            d = json.loads(line)
            documents[d["doc_id"]] = Document(
                doc_id=d["doc_id"], title=d["title"], text=d["text"], sha256=d["sha256"],
                blocks=[Block(*b) for b in d["blocks"]], encoding=d["encoding"])
        chunks, chunk_sentences = [], []
        for line in (path / "chunks.jsonl").read_text(encoding="utf-8").splitlines():
            c = json.loads(line)
            chunk_sentences.append(c.pop("sentence_rows"))
            chunks.append(Chunk.from_json(c))
        mode = "r" if mmap else None
        sentences = np.load(path / "sentences.npy")
        chunk_vectors = np.load(path / "chunk_vectors.npy", mmap_mode=mode)
        sentence_vectors = np.load(path / "sentence_vectors.npy", mmap_mode=mode)
        dense = faiss.read_index(str(path / "dense.faiss"))
        dense_index.configure(dense, manifest.get("dense", {"type": "flat_ip"}))
        lexical = LexicalIndex.load(path / "lexical", mmap=mmap)
    except Exception as exc:  # numpy, json and FAISS each fail in their own way on a damaged file
        raise IndexCorrupt(f"the index at {path} is damaged ({type(exc).__name__}: {exc}); {hint}") from exc
    dim = manifest["dim"]
    problems = []
    if dense.ntotal != len(chunks) or dense.d != dim:
        problems.append(f"FAISS holds {dense.ntotal}×{dense.d}, expected {len(chunks)}×{dim}")
    if chunk_vectors.shape != (len(chunks), dim):
        problems.append(f"chunk vectors are {chunk_vectors.shape}")
    if sentence_vectors.shape != (sentences.shape[0], dim):
        problems.append(f"sentence vectors are {sentence_vectors.shape}, sentences {sentences.shape[0]}")
    if manifest.get("counts", {}).get("chunks") != len(chunks):
        problems.append("chunk count differs from the manifest")
    if problems:
        raise IndexCorrupt(f"the index at {path} is inconsistent ({'; '.join(problems)}); {hint}")
    doc_ids = list(documents)
    return Index(path, manifest, documents, chunks, sentences, doc_ids, chunk_sentences,
                 chunk_vectors, sentence_vectors, dense, lexical)
