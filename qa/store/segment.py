"""One immutable part of an index: documents, chunks, sentences, chunk vectors, FAISS and BM25.

A full build writes one segment. An update writes a small one with just the new and changed
documents and marks the versions they replace as deleted in the build manifest, so its cost
follows the change, not the corpus. Everything but the FAISS index is memory-mapped: the
tables are read a record at a time and vectors are float16 on disk, so a served segment costs
little more memory than the pages its queries touch.
"""

from __future__ import annotations

import functools
import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.records import Block, Chunk, Document, Place
from qa.store.checksums import verify, write_checksums
from qa.store.lexical import LexicalIndex
from qa.store.tables import Table, load_array, write_table

FILES = ("segment.json", "doc_ids.json", "documents.jsonl", "documents.idx.npy", "doc_sha.npy", "doc_stat.npy",
         "doc_chunks.npy", "doc_sentences.npy", "chunks.jsonl", "chunks.idx.npy", "chunk_sentences.npy",
         "chunk_sentence_ptr.npy", "sentences.npy", "chunk_vectors.npy", "dense.faiss",
         "lexical/params.json")
VECTOR_DTYPE = np.float16  # half the disk and page cache of float32; scores move by < 1e-3


@dataclass
class SegmentData:
    """What a build hands over to be written; chunk ids and sentence rows are segment-local."""

    documents: list[Document]
    stats: list[tuple[int, int]]  # (size, mtime_ns) of each document's file when it was read
    chunks: list[Chunk]
    chunk_sentences: list[list[int]]
    sentences: np.ndarray  # (S, 3) int32: local document number, start, end
    chunk_vectors: np.ndarray
    dense: Any  # faiss.Index over chunk_vectors
    dense_params: dict[str, Any]
    lexical: LexicalIndex


def _ptr(counts: list[int]) -> np.ndarray:
    ptr = np.zeros(len(counts) + 1, np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr


def write_segment(root: Path, data: SegmentData) -> str:
    """Write a segment under ``root/segments`` (complete or not at all); returns its id."""
    import faiss

    seg_id = uuid.uuid4().hex[:12]
    folder = root / "segments"
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".tmp-{seg_id}"
    tmp.mkdir()
    try:
        docs = data.documents
        write_table(tmp / "documents.jsonl", ({"doc_id": d.doc_id, "title": d.title, "sha256": d.sha256,
                                                "encoding": d.encoding, "text": d.text,
                                                "blocks": [[b.kind, b.start, b.end] for b in d.blocks],
                                                "places": [[p.start, p.page, p.label] for p in d.places]}
                                               for d in docs))
        (tmp / "doc_ids.json").write_text(json.dumps([d.doc_id for d in docs], ensure_ascii=False), encoding="utf-8")
        np.save(tmp / "doc_sha.npy", np.array([d.sha256 for d in docs], dtype="S64").reshape(-1))
        np.save(tmp / "doc_stat.npy", np.array(data.stats, np.int64).reshape(-1, 2))
        per_doc: dict[str, int] = {}
        for c in data.chunks:
            per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
        np.save(tmp / "doc_chunks.npy", _ptr([per_doc.get(d.doc_id, 0) for d in docs]))
        sent_docs = np.bincount(data.sentences[:, 0], minlength=len(docs)) if len(data.sentences) else \
            np.zeros(len(docs), np.int64)
        np.save(tmp / "doc_sentences.npy", _ptr(sent_docs.tolist()))
        write_table(tmp / "chunks.jsonl", ({k: v for k, v in c.to_json().items() if k != "chunk_id"}
                                           for c in data.chunks))
        np.save(tmp / "chunk_sentence_ptr.npy", _ptr([len(r) for r in data.chunk_sentences]))
        np.save(tmp / "chunk_sentences.npy", np.array([r for rows in data.chunk_sentences for r in rows], np.int32))
        np.save(tmp / "sentences.npy", np.asarray(data.sentences, np.int32).reshape(-1, 3))
        np.save(tmp / "chunk_vectors.npy", np.asarray(data.chunk_vectors).astype(VECTOR_DTYPE))
        faiss.write_index(data.dense, str(tmp / "dense.faiss"))
        data.lexical.save(tmp / "lexical")
        meta = {"documents": len(docs), "chunks": len(data.chunks), "sentences": int(len(data.sentences)),
                "dense": data.dense_params, "dim": int(data.dense.d)}
        (tmp / "segment.json").write_text(json.dumps(meta))
        write_checksums(tmp)
        tmp.rename(folder / seg_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return seg_id


class Segment:
    """A written segment, opened for reading; raises ``ValueError`` naming what is wrong."""

    def __init__(self, path: Path, mmap: bool = True, verify_files: bool = True) -> None:
        import faiss

        from qa.store import dense_index

        missing = [name for name in FILES if not (path / name).exists()]
        if missing:
            raise ValueError(f"segment {path.name} lacks {', '.join(missing)}")
        damaged = verify(path) if verify_files else []
        if damaged:
            raise ValueError(f"segment {path.name}: " + "; ".join(damaged))
        self.path = path
        self.meta = json.loads((path / "segment.json").read_text())
        self.doc_ids: list[str] = json.loads((path / "doc_ids.json").read_text(encoding="utf-8"))
        self.doc_table = Table(path / "documents.jsonl")
        self.chunk_table = Table(path / "chunks.jsonl")
        load = {name: load_array(path / f"{name}.npy", mmap) for name in (
            "doc_sha", "doc_stat", "doc_chunks", "doc_sentences", "chunk_sentences", "chunk_sentence_ptr",
            "sentences", "chunk_vectors")}
        self.doc_sha, self.doc_stat = load["doc_sha"], load["doc_stat"]
        self.doc_chunks, self.doc_sentences = load["doc_chunks"], load["doc_sentences"]
        self.chunk_rows, self.chunk_row_ptr = load["chunk_sentences"], load["chunk_sentence_ptr"]
        self.sentences = load["sentences"]
        self.chunk_vectors = load["chunk_vectors"]
        self.dense = faiss.read_index(str(path / "dense.faiss"))
        dense_index.configure(self.dense, self.meta["dense"])
        self.lexical = LexicalIndex.load(path / "lexical", mmap=mmap)
        scrubbed = json.loads((path / "scrubbed.json").read_text()) if (path / "scrubbed.json").exists() else {}
        self.scrubbed: list[int] = scrubbed.get("docs", [])  # deleted documents erased in place (qa.store.scrub)
        self.faiss_removed: int = scrubbed.get("faiss_removed", 0)
        # A request reads a few sentences of the same few documents; parse each once.
        self.document = functools.lru_cache(maxsize=64)(self._document)
        self._check()

    def _check(self) -> None:
        m, problems = self.meta, []
        n_docs, n_chunks, n_sents = m["documents"], m["chunks"], m["sentences"]
        if not (len(self.doc_ids) == len(self.doc_table) == len(self.doc_sha) == n_docs == len(self.doc_chunks) - 1):
            problems.append(f"document tables disagree with the count {n_docs}")
        if not (len(self.chunk_table) == n_chunks == len(self.chunk_row_ptr) - 1 == self.lexical.num_docs):
            problems.append(f"chunk tables disagree with the count {n_chunks}")
        # IVF loses the entries of erased documents (qa.store.scrub); a crash between its rewrite and
        # scrubbed.json leaves fewer entries than recorded, which searching does not mind.
        low = n_chunks - self.faiss_removed if m["dense"]["type"] != "ivf_sq8" else 0
        if not low <= self.dense.ntotal <= n_chunks - self.faiss_removed or self.dense.d != m["dim"]:
            problems.append(f"FAISS holds {self.dense.ntotal}×{self.dense.d}, "
                            f"expected {n_chunks - self.faiss_removed}×{m['dim']}")
        if self.chunk_vectors.shape != (n_chunks, m["dim"]):
            problems.append(f"chunk vectors are {self.chunk_vectors.shape}")
        if self.sentences.shape != (n_sents, 3):
            problems.append(f"sentences are {self.sentences.shape}")
        if problems:
            raise ValueError(f"segment {self.path.name}: " + "; ".join(problems))

    @property
    def seg_id(self) -> str:
        return self.path.name

    def _document(self, d: int) -> Document:
        rec = self.doc_table[d]
        return Document(doc_id=rec["doc_id"], title=rec["title"], text=rec["text"], sha256=rec["sha256"],
                        blocks=[Block(*b) for b in rec["blocks"]], encoding=rec["encoding"],
                        places=[Place(*p) for p in rec.get("places", [])])

    def chunk(self, c: int, chunk_id: int) -> Chunk:
        return Chunk.from_json({**self.chunk_table[c], "chunk_id": chunk_id})

    def sentence_rows(self, c: int) -> np.ndarray:
        return np.asarray(self.chunk_rows[int(self.chunk_row_ptr[c]):int(self.chunk_row_ptr[c + 1])])

    def doc_range(self, d: int, sentences: bool = False) -> tuple[int, int]:
        ptr = self.doc_sentences if sentences else self.doc_chunks
        return int(ptr[d]), int(ptr[d + 1])
