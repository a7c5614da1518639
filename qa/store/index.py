"""The loaded index that retrieval and answering read: its segments seen as one.

Chunk and sentence ids run on from one segment to the next. The chunks of documents deleted
since a segment was written stay in its files but are never returned: FAISS skips them with
an ID selector and BM25 zeroes their scores.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from qa.records import Chunk, Document
from qa.store import dense_index
from qa.store.lexical import idf_of, top_k
from qa.store.segment import Segment


class Documents(Mapping[str, Document]):
    """The live documents of an index by id, read from their segment on access."""

    def __init__(self, index: Index) -> None:
        self._index = index

    def __getitem__(self, doc_id: str) -> Document:
        s, d = self._index.doc_location[doc_id]
        return self._index.segments[s].document(d)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._index.doc_location

    def __iter__(self) -> Iterator[str]:
        return iter(self._index.doc_location)

    def __len__(self) -> int:
        return len(self._index.doc_location)


class Index:
    """Segments seen as one index: chunk and sentence ids run on from one segment to the next,
    and the chunks of deleted documents are never returned by a search."""

    def __init__(self, path: Path, manifest: dict[str, Any], segments: list[Segment],
                 deleted: list[list[int]]) -> None:
        self.path, self.manifest, self.segments = path, manifest, segments
        self.chunk_base = [0]
        self.sentence_base = [0]
        for seg in segments:
            self.chunk_base.append(self.chunk_base[-1] + seg.meta["chunks"])
            self.sentence_base.append(self.sentence_base[-1] + seg.meta["sentences"])
        self.dead: list[np.ndarray | None] = []  # per segment: chunk mask of deleted documents
        self.search_params: list[Any] = []
        self.doc_location: dict[str, tuple[int, int]] = {}
        self.live_chunks = self.live_sentences = 0
        for s, (seg, gone) in enumerate(zip(segments, deleted)):
            gone_set = set(gone)
            mask = np.zeros(seg.meta["chunks"], bool)
            for d in gone_set:
                a, b = seg.doc_range(d)
                mask[a:b] = True
                a, b = seg.doc_range(d, sentences=True)
                self.live_sentences -= b - a
            self.dead.append(mask if gone_set else None)
            self.search_params.append(dense_index.search_params(seg.meta["dense"], np.flatnonzero(mask)))
            self.live_chunks += int(seg.meta["chunks"] - mask.sum())
            self.live_sentences += seg.meta["sentences"]
            for d, doc_id in enumerate(seg.doc_ids):
                if d not in gone_set:
                    self.doc_location[doc_id] = (s, d)
        self.documents = Documents(self)
        self._file_state: dict[str, tuple[int, int]] | None = None

    @property
    def counts(self) -> dict[str, int]:
        return {"documents": len(self.doc_location), "chunks": self.live_chunks, "sentences": self.live_sentences}

    def file_state(self) -> dict[str, tuple[int, int]]:
        """(size, mtime) of every file as last read, skipped ones too: what the corpus looked like."""
        if self._file_state is not None:  # the watcher asks every few seconds; the index never changes
            return self._file_state
        state = {s["path"]: tuple(s["stat"]) for s in self.manifest.get("skipped", []) if "stat" in s}
        stats = [seg.doc_stat.tolist() for seg in self.segments]
        for doc_id, (s, d) in self.doc_location.items():
            state[doc_id] = tuple(stats[s][d])
        self._file_state = state
        return state

    def _chunk_at(self, gid: int) -> tuple[int, int]:
        s = bisect.bisect_right(self.chunk_base, gid) - 1
        return s, gid - self.chunk_base[s]

    def _sentence_at(self, row: int) -> tuple[int, int]:
        s = bisect.bisect_right(self.sentence_base, row) - 1
        return s, row - self.sentence_base[s]

    def chunk(self, gid: int) -> Chunk:
        s, c = self._chunk_at(gid)
        return self.segments[s].chunk(c, gid)

    def iter_chunks(self) -> Iterator[Chunk]:
        """Live chunks in order (a whole-corpus pass: not for the request path)."""
        for s, seg in enumerate(self.segments):
            dead = self.dead[s]
            for c in range(seg.meta["chunks"]):
                if dead is None or not dead[c]:
                    yield seg.chunk(c, self.chunk_base[s] + c)

    def doc_chunks(self, doc_id: str) -> np.ndarray:
        s, d = self.doc_location[doc_id]
        a, b = self.segments[s].doc_range(d)
        return np.arange(a, b, dtype=np.int64) + self.chunk_base[s]

    def chunk_sentence_rows(self, gid: int) -> list[int]:
        s, c = self._chunk_at(gid)
        return (self.segments[s].sentence_rows(c) + self.sentence_base[s]).tolist()

    def sentence_span(self, row: int) -> tuple[str, int, int]:
        s, r = self._sentence_at(row)
        d, a, b = (int(x) for x in self.segments[s].sentences[r])
        return self.segments[s].doc_ids[d], a, b

    def sentence_text(self, row: int) -> str:
        s, r = self._sentence_at(row)
        d, a, b = (int(x) for x in self.segments[s].sentences[r])
        return self.segments[s].document(d).text[a:b]

    def chunk_vectors(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, np.int64)
        out = np.empty((len(ids), self.manifest["dim"]), np.float32)
        seg_of = np.searchsorted(self.chunk_base, ids, side="right") - 1
        for s in np.unique(seg_of):
            pick = seg_of == s
            out[pick] = self.segments[s].chunk_vectors[ids[pick] - self.chunk_base[s]]
        return out

    def dense_search(self, query_vec: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        q = query_vec.reshape(1, -1).astype(np.float32)
        ids, scores = [], []
        for s, seg in enumerate(self.segments):
            n = min(k, seg.dense.ntotal)
            if n <= 0:
                continue
            d, i = seg.dense.search(q, n, params=self.search_params[s])
            keep = i[0] >= 0
            ids.append(i[0][keep].astype(np.int64) + self.chunk_base[s])
            scores.append(d[0][keep])
        return _merge(ids, scores, k)

    def _df(self, tokens: list[str]) -> tuple[dict[str, float], float]:
        """Document frequency of each token over all segments (those found), and the chunk count:
        IDF from these, so that a small segment's chunks score like the rest."""
        n = float(sum(seg.lexical.num_docs for seg in self.segments))
        df = {t: sum(float(seg.lexical.df[seg.lexical.vocab[t]]) for seg in self.segments if t in seg.lexical.vocab)
              for t in set(tokens)}
        return {t: v for t, v in df.items() if v > 0}, n

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """BM25 IDF of lexical tokens over the whole index; a token no chunk holds gets the
        IDF of the rarest."""
        df, n = self._df(tokens)
        return {t: float(idf_of(np.float64(df.get(t, 0.0)), n)) for t in set(tokens)}

    def lexical_search(self, question: str, k: int, within: np.ndarray | None = None, max_df: float = 1.0
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` chunks by BM25. Tokens found in more than ``max_df`` of the chunks are left
        out (unless all are): they add little to any score but their postings are the longest,
        so at a million chunks they are most of the time and memory a query costs."""
        if not self.segments:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        tokens = self.segments[0].lexical.query_tokens(question)
        df, n = self._df(tokens)
        if max_df < 1.0:
            tokens = [t for t in tokens if df.get(t, 0.0) <= max_df * n] or tokens
        idf = _idf(df, n)
        ids, scores = [], []
        for s, seg in enumerate(self.segments):
            sc = seg.lexical.scores(tokens, idf)
            if sc is None:
                continue
            if self.dead[s] is not None:
                sc[self.dead[s]] = 0.0
            local = None
            if within is not None:
                local = within[(within >= self.chunk_base[s]) & (within < self.chunk_base[s + 1])] - self.chunk_base[s]
            i, v = top_k(sc, k, local)
            ids.append(i + self.chunk_base[s])
            scores.append(v)
        return _merge(ids, scores, k)


def _idf(df: dict[str, float], n: float) -> dict[str, float]:
    return {t: float(idf_of(np.float64(v), n)) for t, v in df.items()}


def _merge(ids: list[np.ndarray], scores: list[np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray]:
    if not ids:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    i, v = np.concatenate(ids), np.concatenate(scores).astype(np.float32)
    order = np.argsort(-v, kind="stable")[:k]
    return i[order], v[order]
