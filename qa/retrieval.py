"""Hybrid retrieval: FAISS inner product on the query embedding, BM25 on Chinese tokens, fused.

Reciprocal rank fusion (default) needs no score calibration; the weighted sum mixes
min-max normalized scores. Both are measured by ``qa eval`` (see the README).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from qa.config import Settings
from qa.store.index import Index


class Hit(NamedTuple):
    chunk: int  # chunk id: Index.chunk(id)
    score: float  # fused
    dense_rank: int | None  # 1-based; None when the method did not return the chunk
    dense_score: float | None
    lexical_rank: int | None
    lexical_score: float | None


def fuse(dense: tuple[np.ndarray, np.ndarray], lexical: tuple[np.ndarray, np.ndarray],
         settings: Settings, k: int) -> list[Hit]:
    d_ids, d_scores = dense
    l_ids, l_scores = lexical
    d_rank = {int(c): r for r, c in enumerate(d_ids, 1)}
    l_rank = {int(c): r for r, c in enumerate(l_ids, 1)}
    d_val = dict(zip(map(int, d_ids), map(float, d_scores)))
    l_val = dict(zip(map(int, l_ids), map(float, l_scores)))
    fused: dict[int, float] = {}
    if settings.fusion == "weighted":
        dn, ln = _minmax(d_val), _minmax(l_val)
        w = settings.fusion_weight
        for c in set(dn) | set(ln):
            fused[c] = w * dn.get(c, 0.0) + (1 - w) * ln.get(c, 0.0)
    elif settings.fusion == "rrf":
        for ranks in (d_rank, l_rank):
            for c, r in ranks.items():
                fused[c] = fused.get(c, 0.0) + 1.0 / (settings.rrf_k + r)
    else:
        raise ValueError(f"unknown fusion {settings.fusion!r}; use 'rrf' or 'weighted'")
    order = sorted(fused, key=lambda c: (-fused[c], d_rank.get(c, 10**9)))[:k]
    return [Hit(c, fused[c], d_rank.get(c), d_val.get(c), l_rank.get(c), l_val.get(c)) for c in order]


def _minmax(values: dict[int, float]) -> dict[int, float]:
    if not values:
        return {}
    lo, hi = min(values.values()), max(values.values())
    span = hi - lo
    return {c: (v - lo) / span if span > 0 else 1.0 for c, v in values.items()}


def lexical_max_df(index: Index, settings: Settings) -> float:
    """Like the dense side: BM25 is exact below the ANN threshold, common tokens pruned above it."""
    return settings.lexical_max_df if index.live_chunks >= settings.ann_threshold else 1.0


def retrieve(index: Index, question: str, query_vec: np.ndarray, settings: Settings,
             k: int, methods: str = "hybrid", within: np.ndarray | None = None) -> list[Hit]:
    """Top ``k`` chunks for ``question``; ``methods`` is "hybrid", "dense" or "lexical".

    ``within`` restricts the search to those chunk rows (``qa eval --gold-context``).
    """
    depth = max(settings.candidates, k)
    max_df = lexical_max_df(index, settings)
    empty = (np.empty(0, np.int64), np.empty(0, np.float32))
    use_dense, use_lexical = methods in ("hybrid", "dense"), methods in ("hybrid", "lexical")
    if within is not None:
        dense = _ranked(within, index.chunk_vectors(within) @ query_vec) if use_dense else empty
        lexical = index.lexical_search(question, depth, within, max_df) if use_lexical else empty
        return fuse(dense, lexical, settings, k)
    dense = index.dense_search(query_vec, depth) if use_dense else empty
    lexical = index.lexical_search(question, depth, max_df=max_df) if use_lexical else empty
    return fuse(dense, lexical, settings, k)


def _ranked(ids: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-scores, kind="stable")
    return ids[order], scores[order]
