"""Serving from Milvus: the same reads as the local ``Index``, each a Milvus call.

Nothing per chunk is held in memory, so any number of ``qa serve`` replicas can read one
collection; the manifest (build id, counts) is re-read every few seconds, so a replica sees a
build another process published. Every failure of Milvus itself surfaces as
``MilvusUnavailable`` with the URI, which the API answers with 503 and /health reports.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from qa.config import Settings
from qa.records import Block, Chunk, Document, Place
from qa.store.lexical import TOKENIZERS, idf_of, query_text
from qa.store.milvus_schema import (
    META_ID,
    MilvusMissing,
    MilvusUnavailable,
    connect,
    df_bucket,
    quoted,
    row_id,
    short_error,
)

MANIFEST_TTL = 2.0  # seconds a replica trusts its copy of the manifest


class MilvusDocuments(Mapping[str, Document]):
    def __init__(self, index: MilvusIndex) -> None:
        self._index = index

    def __getitem__(self, doc_id: str) -> Document:
        doc = self._index.document(doc_id)
        if doc is None:
            raise KeyError(doc_id)
        return doc

    def __contains__(self, doc_id: object) -> bool:
        return isinstance(doc_id, str) and self._index.document(doc_id) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(r["doc_id"] for r in self._index.query_all('kind == "doc" and part == 0', ["doc_id"])))

    def __len__(self) -> int:
        return int(self._index.counts["documents"])


class MilvusIndex:
    def __init__(self, settings: Settings, client: Any | None = None) -> None:
        self.settings = settings
        self.name = settings.milvus_collection
        self.client = client or connect(settings)
        self.documents = MilvusDocuments(self)
        self._manifest: dict[str, Any] = {}
        self._read_at = 0.0
        self._document = functools.lru_cache(maxsize=64)(self._load_document)
        if not self.client.has_collection(self.name):
            raise MilvusMissing(f"no index in Milvus at {settings.milvus_uri} under {self.name!r}; "
                                f"build one with: QA_STORE=milvus qa index build")
        self.manifest  # noqa: B018 -- fails now, with the reason, if the build is unreadable

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(self.client, method)(self.name, *args, **kwargs)
        except Exception as exc:  # grpc, pymilvus and network errors alike
            raise MilvusUnavailable(f"Milvus at {self.settings.milvus_uri} failed on {method} of "
                                    f"{self.name!r}: {short_error(exc)}") from exc

    def query(self, filter: str, fields: list[str], **kwargs: Any) -> list[dict[str, Any]]:
        return list(self.call("query", filter=filter, output_fields=fields, **kwargs))

    def count(self, filter: str) -> int:
        return int(self.query(filter, ["count(*)"])[0]["count(*)"])

    def query_all(self, filter: str, fields: list[str]) -> Iterator[dict[str, Any]]:
        """Every matching row, in batches: a plain query's result size is capped."""
        it = self.call("query_iterator", batch_size=1000, filter=filter, output_fields=fields)
        try:
            while batch := it.next():
                yield from batch
        finally:
            it.close()

    @property
    def manifest(self) -> dict[str, Any]:
        if time.monotonic() - self._read_at > MANIFEST_TTL:
            rows = self.call("query", ids=[META_ID], output_fields=["data"])
            if not rows:
                raise MilvusMissing(f"the Milvus collection {self.name!r} holds no build; "
                                        f"build one with: QA_STORE=milvus qa index build")
            manifest = rows[0]["data"]
            if manifest.get("build_id") != self._manifest.get("build_id"):
                self._document.cache_clear()  # another build was published behind the alias
            self._manifest, self._read_at = manifest, time.monotonic()
        return self._manifest

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.manifest["counts"])

    @property
    def live_chunks(self) -> int:
        return int(self.counts["chunks"])

    def document(self, doc_id: str) -> Document | None:
        return self._document(self.manifest.get("build_id"), doc_id)

    def _load_document(self, build_id: str, doc_id: str) -> Document | None:
        fields = ["part", "text", "data", "sha", "doc_id"]
        rows = [r for r in self.call("query", ids=[row_id("doc", doc_id, "0")], output_fields=fields)
                if r["doc_id"] == doc_id]
        if not rows:
            return None
        more = [row_id("doc", doc_id, str(p)) for p in range(1, rows[0]["data"].get("parts", 1))]
        rows += self.call("query", ids=more, output_fields=fields) if more else []
        rows.sort(key=lambda r: r["part"])
        head = rows[0]["data"]
        return Document(doc_id=doc_id, title=head["title"], text="".join(r["text"] for r in rows),
                        sha256=rows[0]["sha"], blocks=[Block(*b) for b in head["blocks"]],
                        encoding=head["encoding"], places=[Place(*p) for p in head.get("places", [])])

    def _chunks(self, ids: list[int]) -> dict[int, Chunk]:
        rows = self.call("query", ids=[int(i) for i in ids], output_fields=["doc_id", "data"]) if ids else []
        return {int(r["id"]): Chunk.from_json({**r["data"], "doc_id": r["doc_id"], "chunk_id": int(r["id"])})
                for r in rows}

    def chunk(self, gid: int) -> Chunk:
        found = self._chunks([gid])
        if gid not in found:
            raise KeyError(gid)
        return found[gid]

    def iter_chunks(self) -> Iterator[Chunk]:
        for r in self.query_all('kind == "chunk"', ["doc_id", "data"]):
            yield Chunk.from_json({**r["data"], "doc_id": r["doc_id"], "chunk_id": int(r["id"])})

    def doc_chunks(self, doc_id: str) -> np.ndarray:
        rows = self.query(f'kind == "chunk" and doc_id == {quoted(doc_id)}', ["id"])
        return np.array(sorted(int(r["id"]) for r in rows), np.int64)

    def chunk_vectors(self, ids: np.ndarray) -> np.ndarray:
        rows = {int(r["id"]): r["vector"] for r in self.call("query", ids=[int(i) for i in ids],
                                                              output_fields=["vector"])}
        return np.array([rows[int(i)] for i in ids], np.float32).reshape(len(ids), -1)

    def _search(self, data: list[Any], field: str, k: int, within: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """No filter (a scan in milvus-lite): other rows have zero vectors and no terms, so they
        score 0 at best; a few more are asked for and dropped."""
        where = f"id in {[int(i) for i in within]}" if within is not None else ""
        hits = self.call("search", data=data, anns_field=field, limit=k + 8, filter=where,
                         output_fields=["kind"])[0]
        hits = [h for h in hits if h["entity"]["kind"] == "chunk"][:k]
        ids = np.array([int(h["id"]) for h in hits], np.int64)
        scores = np.array([float(h["distance"]) for h in hits], np.float32)
        return ids, scores

    def dense_search(self, query_vec: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        return self._search([np.asarray(query_vec, np.float32).tolist()], "vector", k, None)

    def lexical_search(self, question: str, k: int, within: np.ndarray | None = None, max_df: float = 1.0
                       ) -> tuple[np.ndarray, np.ndarray]:
        """BM25 in Milvus. ``max_df`` is not needed: the cluster scales the postings."""
        lexical = self.manifest["milvus"]["lexical"]
        text = query_text(question)
        if lexical == "terms":
            text = " ".join(TOKENIZERS[self.manifest["lexical"]["tokenizer"]](text))
        if not text.strip():
            return np.empty(0, np.int64), np.empty(0, np.float32)
        ids, scores = self._search([text], "sparse", k, within)
        if len(scores) > 1 and scores[0] < scores[-1]:  # milvus-lite reports BM25 as a negated distance
            scores = -scores
        return ids, scores

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """BM25 IDF of lexical tokens, from the ``df`` rows the build wrote."""
        buckets = sorted({df_bucket(t) for t in tokens})
        found: dict[str, float] = {}
        ids = [row_id("df", str(b)) for b in buckets]
        for r in self.call("query", ids=ids, output_fields=["data"]) if ids else []:
            found.update({t: float(v) for t, v in r["data"].items() if t in tokens})
        n = float(self.live_chunks)
        return {t: float(idf_of(np.float64(found.get(t, 0.0)), n)) for t in set(tokens)}

    def file_state(self) -> dict[str, tuple[int, int]]:
        """(size, mtime) of every file as last read: what the corpus looked like at the build."""
        return self._file_state(self.manifest.get("build_id"))

    @functools.lru_cache(maxsize=1)  # noqa: B019 -- one per index object, the watcher asks every few seconds
    def _file_state(self, build_id: str) -> dict[str, tuple[int, int]]:
        state = {s["path"]: tuple(s["stat"]) for s in self.manifest.get("skipped", []) if "stat" in s}
        for r in self.query_all('kind == "doc" and part == 0', ["doc_id", "data"]):
            state[r["doc_id"]] = tuple(r["data"]["stat"])
        return state
