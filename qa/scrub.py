"""Erasing deleted documents from a segment in place, in time proportional to them.

An update marks the documents it replaces or removes as deleted and searches skip them at
once. This then erases what the segment still holds of them, so that a deleted document
leaves nothing behind: its document and chunk records are overwritten with empty ones of the
same length, its vectors, sentence rows, hash and BM25 weights are zeroed, its id is blanked,
and its chunks are taken out of FAISS (the one file rewritten whole, sequentially). A reader
of an older build that still maps these files reads empty records for those documents, never
broken ones.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from qa.chunking import passage_text
from qa.segment import Segment
from qa.tables import offsets_path

BLANK_DOC = {"doc_id": "", "title": "", "sha256": "", "encoding": "", "text": "", "blocks": []}
BLANK_CHUNK = {"doc_id": "", "title": "", "heading_path": [], "start": 0, "end": 0, "text": "", "sentences": []}


def scrub(seg: Segment, docs: Iterable[int]) -> None:
    path = seg.path
    # From the file, not ``seg``: an open segment is reused across reloads and keeps what it loaded.
    state = json.loads((path / "scrubbed.json").read_text()) if (path / "scrubbed.json").exists() else {}
    docs = sorted(set(docs) - set(state.get("docs", [])))
    if not docs:
        return
    chunks = np.concatenate([np.arange(*seg.doc_range(d)) for d in docs]).astype(np.int64)
    sentences = np.concatenate([np.arange(*seg.doc_range(d, sentences=True)) for d in docs]).astype(np.int64)
    _zero_bm25(seg, chunks)  # first: it needs the chunks' text
    _blank_records(path / "chunks.jsonl", chunks.tolist(), BLANK_CHUNK)
    _blank_records(path / "documents.jsonl", docs, BLANK_DOC)
    for name, rows in (("chunk_vectors", chunks), ("sentence_vectors", sentences), ("sentences", sentences),
                       ("doc_sha", np.array(docs)), ("doc_stat", np.array(docs))):
        arr = np.load(path / f"{name}.npy", mmap_mode="r+")
        arr[rows] = 0
        arr.flush()
        del arr
    ids = json.loads((path / "doc_ids.json").read_text(encoding="utf-8"))
    for d in docs:
        ids[d] = ""
    _replace(path / "doc_ids.json", json.dumps(ids, ensure_ascii=False).encode("utf-8"))
    removed = _drop_from_faiss(seg, chunks)
    done = {"docs": sorted(set(state.get("docs", [])) | set(docs)),
            "faiss_removed": state.get("faiss_removed", 0) + removed}
    _replace(path / "scrubbed.json", json.dumps(done).encode())


def _zero_bm25(seg: Segment, chunks: np.ndarray) -> None:
    lex = seg.lexical
    data = np.load(seg.path / "lexical" / "data.npy", mmap_mode="r+")
    for c in chunks.tolist():
        for token in set(lex.tokenize(passage_text(seg.chunk(c, c)))):
            i = lex.vocab.get(token)
            if i is None:
                continue
            a, b = int(lex.indptr[i]), int(lex.indptr[i + 1])
            pos = a + int(np.searchsorted(lex.indices[a:b], c))  # rows ascend within a token
            if pos < b and int(lex.indices[pos]) == c:
                data[pos] = 0.0
    data.flush()


def _blank_records(path: Path, rows: list[int], blank: dict[str, object]) -> None:
    offsets = np.load(offsets_path(path), mmap_mode="r")
    empty = json.dumps(blank, separators=(",", ":")).encode()
    with open(path, "r+b") as f:
        for r in rows:
            a, b = int(offsets[r]), int(offsets[r + 1])
            f.seek(a)
            f.write(empty.ljust(b - a - 1) + b"\n")  # a real record is always longer than the blank one


def _drop_from_faiss(seg: Segment, chunks: np.ndarray) -> int:
    """Chunks out of the segment's FAISS file; returns how many it no longer counts."""
    import faiss

    index = faiss.read_index(str(seg.path / "dense.faiss"))
    kind = seg.meta["dense"]["type"]
    if kind == "ivf_sq8":  # stores ids, so entries can go
        removed = int(index.remove_ids(faiss.IDSelectorBatch(chunks)))
    else:  # flat and HNSW number vectors by position: zero them where they stand
        flat = index if kind == "flat_ip" else faiss.downcast_index(index.storage)
        xb = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
        xb[chunks] = 0.0
        removed = 0
    tmp = seg.path / ".dense.faiss.tmp"
    faiss.write_index(index, str(tmp))
    os.replace(tmp, seg.path / "dense.faiss")
    return removed


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
