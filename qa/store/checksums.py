"""Checksums of a segment's files, so that a damaged file is found at load, named, and never
answered from.

``checksums.json`` in each segment holds every file's size and CRC-32. The erasure of deleted
documents (``qa.store.scrub``) is the only writer after that; it announces itself in
``scrubbing.json`` before it touches anything and refreshes the checksums of what it rewrote
when it is done. A segment whose erasure was interrupted (``scrubbing.json`` still there) is
checked except for the files the erasure may have been changing, and the next build or update
finishes the erasure, which makes the checksums whole again.
"""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path

NAME = "checksums.json"
INTENT = "scrubbing.json"
UNCHECKED = {NAME, INTENT, "scrubbed.json"}  # bookkeeping, rewritten whole and atomically
# What the erasure of deleted documents rewrites in place (besides scrubbed.json).
SCRUBBED = ("chunks.jsonl", "documents.jsonl", "chunk_vectors.npy", "sentences.npy", "doc_sha.npy", "doc_stat.npy",
            "doc_ids.json", "lexical/data.npy", "dense.faiss")


def file_crc(path: Path) -> str:
    crc = 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            crc = zlib.crc32(block, crc)
    return f"{crc:08x}"


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and p.name not in UNCHECKED and not p.name.startswith("."))


def write_checksums(folder: Path, names: list[str] | None = None) -> None:
    """Record (or, for ``names``, refresh) the size and CRC-32 of the segment's files."""
    path = folder / NAME
    sums = json.loads(path.read_text()) if names is not None and path.exists() else {}
    for name in names if names is not None else _files(folder):
        f = folder / name
        sums[name] = {"size": f.stat().st_size, "crc32": file_crc(f)}
    tmp = folder / f".{NAME}.tmp"
    tmp.write_text(json.dumps(sums, indent=0, sort_keys=True))
    os.replace(tmp, path)


def verify(folder: Path) -> list[str]:
    """What is wrong with the segment's files, one line per file; empty when all is well."""
    path = folder / NAME
    if not path.exists():
        return [f"{NAME} is missing"]
    try:
        sums = json.loads(path.read_text())
    except ValueError:
        return [f"{NAME} is unreadable"]
    skip = set(SCRUBBED) if (folder / INTENT).exists() else set()
    problems = []
    for name, want in sorted(sums.items()):
        if name in skip:
            continue
        f = folder / name
        if not f.is_file():
            problems.append(f"{name} is missing")
        elif f.stat().st_size != want["size"]:
            problems.append(f"{name} has {f.stat().st_size} bytes, {want['size']} were written")
        elif file_crc(f) != want["crc32"]:
            problems.append(f"{name} does not match its checksum (its bytes changed after it was written)")
    return problems
