"""Building and updating an index in Milvus: the lifecycle of ``qa index build|update`` there.

A full build writes a new collection and then switches the alias to it (one atomic step, as
publishing is locally); it fails without touching the alias, and drops its own collection.
The build the alias pointed at is kept until the next build, so that searches in flight during a
switch finish. An update changes the served collection in place, by document: the rows of
removed, changed and renamed documents are deleted by ``doc_id``, the new ones inserted, and
vectors of content already stored (a rename, a move, an unchanged file) are taken by content
hash instead of embedded again.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from qa.config import Settings
from qa.embedding import Embedder
from qa.ingest.chunking import ChunkerSettings, chunk_document, passage_text
from qa.ingest.corpus import corpus_state, named_state, read_document
from qa.records import Chunk, Document, SkippedFile
from qa.store.index_build import BuildReport, build_vectors, checkpoint_of, load_documents, versions
from qa.store.index_store import FORMAT, build_lock
from qa.store.lexical import TOKENIZERS
from qa.store.milvus import MilvusIndex
from qa.store.milvus_schema import (
    DOC_PART_CHARS,
    META_ID,
    MilvusUnavailable,
    connect,
    create_collection,
    df_bucket,
    fit_text,
    quoted,
    row_id,
)

INSERT_BATCH = 500


def build_milvus(settings: Settings, embedder: Embedder, previous: MilvusIndex | None = None,
                 show_progress: bool = True, paths: list[str] | None = None,
                 on_publish: Callable[[], object] | None = None,
                 on_embed: Callable[[], None] | None = None) -> BuildReport:
    if not settings.corpus_dir.is_dir():
        raise FileNotFoundError(f"corpus directory not found: {settings.corpus_dir}")
    t0 = time.perf_counter()
    with build_lock(settings):
        client = connect(settings)
        if previous is not None and _compatible(previous, settings):
            report = _update(settings, embedder, client, previous, paths, show_progress, on_embed)
        else:
            report = _full(settings, embedder, client, show_progress, on_embed, on_publish)
            on_publish = None
        report.seconds = round(time.perf_counter() - t0, 3)
    if on_publish is not None:
        on_publish()
    return report


def _compatible(previous: MilvusIndex, settings: Settings) -> bool:
    m = previous.manifest
    return (m.get("format") == FORMAT and m.get("model") == settings.model
            and m.get("prompts") == list(settings.prompts)
            and m.get("chunker") == {"target_chars": settings.chunk_chars, "overlap": settings.chunk_overlap}
            and m.get("lexical") == {"tokenizer": settings.lexical_tokenizer}
            and m.get("milvus", {}).get("lexical") == settings.milvus_lexical)


def _served(client: Any, alias: str) -> str | None:
    """The collection the alias points at, or None when there is no alias yet."""
    try:
        return client.describe_alias(alias)["collection_name"]
    except Exception:  # pymilvus raises when the alias does not exist
        if client.has_collection(alias):
            raise MilvusUnavailable(f"{alias!r} is a Milvus collection, not an alias: name another with "
                                    "QA_MILVUS_COLLECTION, or drop it") from None
        return None


def _reuse(client: Any, collection: str | None, shas: list[str]) -> dict[str, np.ndarray]:
    """Stored chunk vectors by document content hash, in chunk order."""
    if collection is None or not shas:
        return {}
    out: dict[str, list[tuple[int, list[float]]]] = {}
    for i in range(0, len(shas), 200):
        rows = client.query(collection, filter=f'kind == "chunk" and sha in {quoted(shas[i:i + 200])}',
                            output_fields=["sha", "part", "vector"])
        for r in rows:
            out.setdefault(r["sha"], []).append((r["part"], r["vector"]))
    return {sha: np.array([v for _, v in sorted(parts)], np.float32) for sha, parts in out.items()}


def _rows(settings: Settings, doc: Document, chunks: list[Chunk], vectors: np.ndarray,
          stat: tuple[int, int], dim: int) -> list[dict[str, Any]]:
    tokenize = TOKENIZERS[settings.lexical_tokenizer]
    rows = []
    for n, (c, v) in enumerate(zip(chunks, vectors)):
        text = passage_text(c)
        data = {k: val for k, val in c.to_json().items() if k not in ("chunk_id", "doc_id")}
        rows.append({"id": row_id("chunk", doc.doc_id, doc.sha256, str(n)), "kind": "chunk", "doc_id": doc.doc_id,
                     "sha": doc.sha256, "part": n,
                     "terms": fit_text(" ".join(tokenize(text)) if settings.milvus_lexical == "terms" else text),
                     "text": fit_text(text), "data": data, "vector": v.tolist()})
    parts = [doc.text[i:i + DOC_PART_CHARS] for i in range(0, max(len(doc.text), 1), DOC_PART_CHARS)]
    for p, text in enumerate(parts):
        data = {"title": doc.title, "encoding": doc.encoding, "stat": list(stat), "chunks": len(chunks),
                "parts": len(parts),
                "sentences": len({s for c in chunks for s in c.sentences}),
                "blocks": [[b.kind, b.start, b.end] for b in doc.blocks],
                "places": [[pl.start, pl.page, pl.label] for pl in doc.places]} if p == 0 else {}
        rows.append({"id": row_id("doc", doc.doc_id, str(p)), "kind": "doc", "doc_id": doc.doc_id, "sha": doc.sha256,
                     "part": p, "terms": "", "text": text, "data": data, "vector": [0.0] * dim})
    return rows


def _df_rows(df: Counter[str], dim: int, buckets: set[int] | None = None) -> list[dict[str, Any]]:
    grouped: dict[int, dict[str, int]] = {b: {} for b in (buckets or ())}
    for token, n in df.items():
        if n > 0:
            grouped.setdefault(df_bucket(token), {})[token] = n
    return [{"id": row_id("df", str(b)), "kind": "df", "doc_id": "", "sha": "", "part": b, "terms": "", "text": "",
             "data": tokens, "vector": [0.0] * dim} for b, tokens in grouped.items()]


def _meta_row(manifest: dict[str, Any], dim: int) -> dict[str, Any]:
    return {"id": META_ID, "kind": "meta", "doc_id": "", "sha": "", "part": 0, "terms": "", "text": "",
            "data": manifest, "vector": [0.0] * dim}


def _insert(client: Any, collection: str, rows: list[dict[str, Any]], upsert: bool = False) -> None:
    for i in range(0, len(rows), INSERT_BATCH):
        (client.upsert if upsert else client.insert)(collection, rows[i:i + INSERT_BATCH])


def _manifest(settings: Settings, embedder: Embedder, counts: dict[str, int], skipped: list[SkippedFile],
              files: dict[str, tuple[int, int]], collection: str, lexical: dict[str, Any],
              report: BuildReport) -> dict[str, Any]:
    build_id = time.strftime("%Y%m%d-%H%M%S") + "-" + uuid.uuid4().hex[:6]
    return {"format": FORMAT, "store": "milvus", "build_id": build_id, "model": settings.model,
            "prompts": list(settings.prompts), "dim": embedder.dim,
            "chunker": {"target_chars": settings.chunk_chars, "overlap": settings.chunk_overlap},
            "lexical": {"tokenizer": settings.lexical_tokenizer}, "milvus": {**lexical, "collection": collection},
            "skipped": [{"path": s.path, "reason": s.reason, "stat": list(files.get(s.path, (0, 0)))}
                        for s in skipped],
            "counts": counts, "mode": report.mode, "versions": versions(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "embedding": embedder.describe()}


def _embed(settings: Settings, embedder: Embedder, docs: list[Document], stored: dict[str, np.ndarray],
           show_progress: bool, on_embed: Callable[[], None] | None) -> tuple[list[list[Chunk]], list[np.ndarray], int]:
    chunker = ChunkerSettings(settings.chunk_chars, settings.chunk_overlap)
    per_doc = [chunk_document(d, chunker) for d in docs]
    flat = [c for cs in per_doc for c in cs]
    vectors = np.zeros((len(flat), embedder.dim), np.float32)
    todo, at = [], 0
    for doc, cs in zip(docs, per_doc):
        old = stored.get(doc.sha256)
        if old is not None and len(old) == len(cs):
            vectors[at:at + len(cs)] = old
        else:
            todo.extend(range(at, at + len(cs)))
        at += len(cs)
    embedded = build_vectors(checkpoint_of(settings, embedder), embedder, vectors, todo,
                             lambda i: passage_text(flat[i]), show_progress, on_embed)
    out, at = [], 0
    for cs in per_doc:
        out.append(vectors[at:at + len(cs)])
        at += len(cs)
    return per_doc, out, embedded


def _full(settings: Settings, embedder: Embedder, client: Any, show_progress: bool,
          on_embed: Callable[[], None] | None, on_publish: Callable[[], object] | None) -> BuildReport:
    report = BuildReport(mode="full")
    alias = settings.milvus_collection
    served = _served(client, alias)
    files = corpus_state(settings.corpus_dir)
    docs, report.skipped = load_documents(settings, show_progress)
    if not docs and served is None:
        raise ValueError(f"no documents to index in {settings.corpus_dir}")
    report.added = [d.doc_id for d in docs]
    per_doc, vectors, report.embedded_chunks = _embed(
        settings, embedder, docs, _reuse(client, served, sorted({d.sha256 for d in docs})), show_progress, on_embed)
    collection = f"{alias}_{time.strftime('%Y%m%d_%H%M%S')}_{uuid.uuid4().hex[:6]}"
    try:
        lexical = create_collection(client, collection, embedder.dim, settings.milvus_lexical)
        df: Counter[str] = Counter()
        tokenize = TOKENIZERS[settings.lexical_tokenizer]
        for doc, cs, vs in zip(docs, per_doc, vectors):
            _insert(client, collection, _rows(settings, doc, cs, vs, files.get(doc.doc_id, (0, 0)), embedder.dim))
            for c in cs:
                df.update(set(tokenize(passage_text(c))))
        _insert(client, collection, _df_rows(df, embedder.dim))
        counts = {"documents": len(docs), "chunks": sum(map(len, per_doc)),
                  "sentences": sum(len({s for c in cs for s in c.sentences}) for cs in per_doc)}
        manifest = _manifest(settings, embedder, counts, report.skipped, files, collection, lexical, report)
        _insert(client, collection, [_meta_row(manifest, embedder.dim)])
        client.flush(collection)
        client.load_collection(collection)
        if served is None:
            client.create_alias(collection, alias)
        else:
            client.alter_alias(collection, alias)  # the switch: one call, atomic for readers
    except BaseException:
        try:
            client.drop_collection(collection)
        except Exception:  # Milvus is down: nothing more to clean up from here
            pass
        raise
    report.documents, report.chunks, report.sentences = counts["documents"], counts["chunks"], counts["sentences"]
    report.path = f"milvus:{alias} -> {collection}"
    checkpoint_of(settings, embedder).clear()  # published: what it saved is in Milvus now
    if on_publish is not None:
        on_publish()
    for old in client.list_collections():  # keep the build just replaced: searches may be in flight on it
        if old.startswith(alias + "_") and old not in (collection, served) and _is_build(old, alias):
            client.drop_collection(old)
    return report


def _is_build(name: str, alias: str) -> bool:
    rest = name[len(alias) + 1:].split("_")
    return len(rest) == 3 and rest[0].isdigit() and rest[1].isdigit()


def _update(settings: Settings, embedder: Embedder, client: Any, previous: MilvusIndex, paths: list[str] | None,
            show_progress: bool, on_embed: Callable[[], None] | None) -> BuildReport:
    report = BuildReport(mode="update")
    served = _served(client, settings.milvus_collection)
    known = previous.file_state()
    if paths is not None:
        paths = [Path(p).as_posix() for p in paths]
        files = {**{k: v for k, v in known.items() if k not in paths}, **named_state(settings.corpus_dir, paths)}
    else:
        files = corpus_state(settings.corpus_dir)
    stored_docs = {r["doc_id"]: r["sha"] for r in previous.query_all('kind == "doc" and part == 0', ["doc_id", "sha"])}
    changed = sorted(p for p, st in files.items() if known.get(p) != st)
    gone = sorted(d for d in stored_docs if d not in files)
    docs, skipped = [], []
    for doc_id in changed:
        try:
            docs.append(read_document(settings.corpus_dir / doc_id, doc_id, settings.max_file_bytes))
        except Exception as exc:  # the readers raise their own errors; the file is reported, not fatal
            skipped.append(SkippedFile(doc_id, str(exc)))
    old_skipped = [SkippedFile(s["path"], s["reason"]) for s in previous.manifest.get("skipped", [])
                   if s["path"] in files and s["path"] not in changed]
    report.skipped = old_skipped + skipped
    new_shas = {d.sha256 for d in docs}
    report.renamed = [(g, d.doc_id) for g in gone for d in docs
                      if d.doc_id not in stored_docs and stored_docs[g] == d.sha256]
    moved_to = {new for _, new in report.renamed}
    report.added = [d.doc_id for d in docs if d.doc_id not in stored_docs and d.doc_id not in moved_to]
    report.changed = [d.doc_id for d in docs if d.doc_id in stored_docs and stored_docs[d.doc_id] != d.sha256]
    report.removed = [g for g in gone if stored_docs[g] not in new_shas]
    replaced = [d.doc_id for d in docs if d.doc_id in stored_docs] + list(gone) + \
        [s.path for s in skipped if s.path in stored_docs]
    per_doc, vectors, report.embedded_chunks = _embed(
        settings, embedder, docs, _reuse(client, served, sorted(new_shas)), show_progress, on_embed)
    tokenize = TOKENIZERS[settings.lexical_tokenizer]
    df: Counter[str] = Counter()
    counts = Counter(previous.counts)
    for i in range(0, len(replaced), 200):
        for r in previous.query(f'kind == "doc" and part == 0 and doc_id in {quoted(replaced[i:i + 200])}',
                                ["data"]):
            counts.subtract({"documents": 1, "chunks": r["data"]["chunks"], "sentences": r["data"]["sentences"]})
        flt = f'kind == "chunk" and doc_id in {quoted(replaced[i:i + 200])}'
        for r in previous.query(flt, ["doc_id", "data"]):
            df.subtract(set(tokenize(passage_text(Chunk.from_json({**r["data"], "doc_id": r["doc_id"],
                                                                   "chunk_id": 0})))))
        client.delete(served, filter=f'kind in ["chunk", "doc"] and doc_id in {quoted(replaced[i:i + 200])}')
    for doc, cs, vs in zip(docs, per_doc, vectors):
        _insert(client, served, _rows(settings, doc, cs, vs, files.get(doc.doc_id, (0, 0)), embedder.dim),
                upsert=True)
        for c in cs:
            df.update(set(tokenize(passage_text(c))))
        counts.update({"documents": 1, "chunks": len(cs), "sentences": len({x for c in cs for x in c.sentences})})
    _update_df(client, served, previous, df, embedder.dim)
    client.flush(served)
    report.documents, report.chunks, report.sentences = counts["documents"], counts["chunks"], counts["sentences"]
    m = _manifest(settings, embedder, dict(counts), report.skipped, files, served, previous.manifest["milvus"], report)
    _insert(client, served, [_meta_row(m, embedder.dim)], upsert=True)
    report.path = f"milvus:{settings.milvus_collection} -> {served}"
    checkpoint_of(settings, embedder).clear()
    return report


def _update_df(client: Any, collection: str, previous: MilvusIndex, delta: Counter[str], dim: int) -> None:
    buckets = sorted({df_bucket(t) for t, n in delta.items() if n})
    if not buckets:
        return
    total: Counter[str] = Counter()
    for r in previous.call("query", ids=[row_id("df", str(b)) for b in buckets], output_fields=["data"]):
        total.update(r["data"])
    total.update({t: n for t, n in delta.items() if n})
    _insert(client, collection, _df_rows(total, dim, set(buckets)), upsert=True)
