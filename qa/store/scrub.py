"""Erasing deleted documents from a segment in place, in time proportional to them.

An update marks the documents it replaces or removes as deleted and searches skip them at
once. This then erases what the segment still holds of them, so that a deleted document
leaves nothing behind: its document and chunk records are overwritten with empty ones of the
same length, its vectors, sentence rows, hash and BM25 weights are zeroed, its id is blanked,
and its chunks' codes are zeroed in the FAISS file where they stand. A reader
of an older build that still maps these files reads empty records for those documents, never
broken ones.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from qa.ingest.chunking import passage_text
from qa.store.checksums import INTENT, SCRUBBED, write_checksums
from qa.store.segment import Segment
from qa.store.tables import offsets_path

BLANK_DOC = {"doc_id": "", "title": "", "sha256": "", "encoding": "", "text": "", "blocks": []}
BLANK_CHUNK = {"doc_id": "", "title": "", "heading_path": [], "start": 0, "end": 0, "text": "", "sentences": []}


def scrub(seg: Segment, docs: Iterable[int]) -> None:
    path = seg.path
    # From the file, not ``seg``: an open segment is reused across reloads and keeps what it loaded.
    state = json.loads((path / "scrubbed.json").read_text()) if (path / "scrubbed.json").exists() else {}
    docs = sorted(set(docs) - set(state.get("docs", [])))
    if not docs:
        (path / INTENT).unlink(missing_ok=True)  # a kill after the last step left only this
        return
    _replace(path / INTENT, json.dumps({"docs": docs}).encode())  # checksums of SCRUBBED are stale until done
    chunks = np.concatenate([np.arange(*seg.doc_range(d)) for d in docs]).astype(np.int64)
    sentences = np.concatenate([np.arange(*seg.doc_range(d, sentences=True)) for d in docs]).astype(np.int64)
    _zero_bm25(seg, chunks)  # first: it needs the chunks' text
    _blank_records(path / "chunks.jsonl", chunks.tolist(), BLANK_CHUNK)
    _blank_records(path / "documents.jsonl", docs, BLANK_DOC)
    for name, rows in (("chunk_vectors", chunks), ("sentences", sentences),
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
    write_checksums(path, [name for name in SCRUBBED if (path / name).exists()])
    _replace(path / "scrubbed.json", json.dumps(done).encode())
    (path / INTENT).unlink()


def finish_interrupted(seg: Segment) -> None:
    """Complete an erasure that a crash or kill stopped (every step is safe to repeat)."""
    intent = seg.path / INTENT
    if intent.exists():
        scrub(seg, json.loads(intent.read_text())["docs"])

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
    """Zero the chunks' codes in the segment's FAISS file where they stand; returns how many
    entries the file no longer counts (0, unless it had to be rewritten)."""
    path = seg.path / "dense.faiss"
    try:
        if _zero_codes_in_place(seg, path, chunks):
            return 0
    except (OSError, RuntimeError, ValueError):
        pass
    return _rewrite_without(seg, path, chunks)


def _zero_codes_in_place(seg: Segment, path: Path, chunks: np.ndarray) -> bool:
    """FAISS writes a flat index's vectors, an HNSW index's stored vectors, and an IVF index's
    inverted lists (codes, then ids, list by list) at the end of the file, so a chunk's code can
    be found from the loaded index and overwritten without reading the rest. Each place is
    checked against the loaded index first; False when the file is not laid out as expected."""
    import faiss

    size = path.stat().st_size
    with open(path, "r+b") as f:
        if seg.meta["dense"]["type"] != "ivf_sq8":
            flat = seg.dense if seg.meta["dense"]["type"] == "flat_ip" else faiss.downcast_index(seg.dense.storage)
            row = flat.d * 4
            base = size - flat.ntotal * row
            xb = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).view(np.uint8)
            for c in chunks.tolist():  # as loaded, or zeroed by an earlier erasure
                f.seek(base + c * row)
                if f.read(row) not in (xb[c * row:(c + 1) * row].tobytes(), bytes(row)):
                    return False
            for c in chunks.tolist():
                f.seek(base + c * row)
                f.write(bytes(row))
            return True
        inv = faiss.extract_index_ivf(seg.dense).invlists
        cs = inv.code_size
        sizes = np.array([inv.list_size(i) for i in range(inv.nlist)], np.int64)
        starts = size - int((sizes * (cs + 8)).sum()) + np.concatenate([[0], np.cumsum(sizes * (cs + 8))[:-1]])
        for lst in np.flatnonzero(sizes).tolist():
            n = int(sizes[lst])
            ids = faiss.rev_swig_ptr(inv.get_ids(lst), n)
            hit = np.flatnonzero(np.isin(ids, chunks))
            if not len(hit):
                continue
            f.seek(int(starts[lst]) + n * cs)
            if not np.array_equal(np.frombuffer(f.read(n * 8), np.int64), ids):
                return False
            for h in hit.tolist():
                f.seek(int(starts[lst]) + h * cs)
                f.write(bytes(cs))
    return True


def _rewrite_without(seg: Segment, path: Path, chunks: np.ndarray) -> int:
    import faiss

    index = faiss.read_index(str(path))
    removed = 0
    if seg.meta["dense"]["type"] == "ivf_sq8":  # stores ids, so entries can go
        removed = int(index.remove_ids(faiss.IDSelectorBatch(chunks)))
    else:  # flat and HNSW number vectors by position: zero them where they stand
        flat = index if seg.meta["dense"]["type"] == "flat_ip" else faiss.downcast_index(index.storage)
        xb = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
        xb[chunks] = 0.0
    tmp = path.with_name(".dense.faiss.tmp")
    faiss.write_index(index, str(tmp))
    os.replace(tmp, path)
    return removed


def _replace(path: Path, data: bytes) -> None:
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
