"""Planning an update: which files to read, which stored documents to mark deleted, and
whether the index has fragmented enough to be written anew as one segment.

Nothing here opens a file that did not change: the comparison is by size and modification
time against what the index recorded, then by content hash for the files read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qa.config import Settings
from qa.ingest.corpus import read_or_skip
from qa.records import Document, SkippedFile
from qa.store.index import Index
from qa.store.segment import SegmentData


@dataclass
class Plan:
    read: list[str]  # doc ids whose files are new or changed on disk
    gone: list[str]  # doc ids in the index whose files are no longer there
    skipped: list[SkippedFile]  # files skipped before and untouched since


def plan_update(previous: Index, files: dict[str, tuple[int, int]]) -> Plan:
    """Compare file sizes and times with those recorded: no file is opened here."""
    known = previous.file_state()  # skipped files included, so an untouched bad file is not re-read
    read = [doc_id for doc_id, st in files.items() if known.get(doc_id) != st]
    untouched = [SkippedFile(s["path"], s["reason"]) for s in previous.manifest.get("skipped", [])
                 if files.get(s["path"]) == tuple(s.get("stat", ()))]
    return Plan(read, [d for d in previous.doc_location if d not in files], untouched)


def read_changed(plan: Plan, previous: Index, settings: Settings
                  ) -> tuple[list[Document], list[SkippedFile], dict[int, set[int]]]:
    docs: list[Document] = []
    skipped = list(plan.skipped)
    for doc_id in plan.read:
        got = read_or_skip(settings.corpus_dir / doc_id, doc_id, settings.max_file_bytes)
        (docs if isinstance(got, Document) else skipped).append(got)  # type: ignore[arg-type]
    deleted: dict[int, set[int]] = {}
    for doc_id in plan.gone + plan.read:  # replaced, removed, or now unreadable
        if doc_id in previous.doc_location:
            s, d = previous.doc_location[doc_id]
            deleted.setdefault(s, set()).add(d)
    docs.sort(key=lambda d: d.doc_id)
    return docs, sorted(skipped, key=lambda s: s.path), deleted


def too_fragmented(previous: Index, kept: list[dict[str, Any]], docs: list[Document], settings: Settings) -> bool:
    if docs and len(kept) + 1 > settings.max_segments:
        return True
    stored = sum(seg.meta["chunks"] for seg in previous.segments)
    dead = sum(int(seg.doc_range(d)[1] - seg.doc_range(d)[0]) for seg, e in zip(previous.segments, kept)
               for d in e["deleted"])
    new = sum(max(1, len(d.text) // settings.chunk_chars) for d in docs)  # estimate: not chunked yet
    return dead + new > settings.compact_fraction * max(stored, 1)


def live_counts(previous: Index | None, kept: list[dict[str, Any]], data: SegmentData) -> dict[str, int]:
    """Documents, chunks and sentences the new build serves: the new segment's, and the kept
    segments' less their deleted documents."""
    counts = {"documents": len(data.documents), "chunks": len(data.chunks), "sentences": int(len(data.sentences))}
    if previous is None or not kept:
        return counts
    for seg, entry in zip(previous.segments, kept):
        gone = entry["deleted"]
        counts["documents"] += seg.meta["documents"] - len(gone)
        for key, sentences in (("chunks", False), ("sentences", True)):
            counts[key] += seg.meta[key] - sum(b - a for a, b in (seg.doc_range(d, sentences) for d in gone))
    return counts


def diff(previous: Index | None, docs: list[Document], report: Any, plan: Plan | None) -> None:
    """Added, changed, removed and renamed documents. With a ``plan`` only the documents it
    names are looked at (the rest are unchanged), so the cost follows the change."""
    def sha(doc_id: str) -> str:
        s, d = previous.doc_location[doc_id]  # type: ignore[union-attr]
        return previous.segments[s].doc_sha[d].decode()  # type: ignore[union-attr]

    new = {d.doc_id: d.sha256 for d in docs}
    if previous is None:
        report.added = sorted(new)
        return
    gone = set(previous.doc_location) - set(new) if plan is None else \
        {d for d in plan.gone + plan.read if d in previous.doc_location and d not in new}
    gone_by_hash = {sha(g): g for g in sorted(gone)}
    for doc_id, h in new.items():
        if doc_id in previous.doc_location:
            if sha(doc_id) != h:
                report.changed.append(doc_id)
        elif h in gone_by_hash:
            report.renamed.append((gone_by_hash.pop(h), doc_id))
        else:
            report.added.append(doc_id)
    moved = {a for a, _ in report.renamed}
    report.removed = sorted(g for g in gone if g not in moved)


def plan_named(previous: Index, files: dict[str, tuple[int, int]], paths: list[str]) -> Plan:
    """Like ``plan_update`` for the named documents only (``files``: their stat, if they exist)."""
    skipped = {s["path"]: s for s in previous.manifest.get("skipped", [])}
    read, gone = [], []
    for doc_id in dict.fromkeys(paths):
        loc = previous.doc_location.get(doc_id)
        recorded = tuple(previous.segments[loc[0]].doc_stat[loc[1]].tolist()) if loc else \
            tuple(skipped[doc_id].get("stat", ())) if doc_id in skipped else None
        if doc_id not in files:
            if loc:
                gone.append(doc_id)
        elif files[doc_id] != recorded:
            read.append(doc_id)
    untouched = [SkippedFile(s["path"], s["reason"]) for p, s in skipped.items()
                 if p not in read and (p in files or p not in paths)]
    return Plan(read, gone, untouched)
