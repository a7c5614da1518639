"""The FAISS index over chunk vectors, its type chosen by corpus size.

Below ``ann_threshold`` chunks an exact flat inner-product index is both fast enough and
exact. Above it, "auto" picks IVF with an 8-bit scalar quantizer (a quarter of flat's memory,
a trained coarse quantizer) because memory, not speed, is what runs out first on a small
machine; HNSW is available for those who have the memory and want the lowest latency.
Everything here can be overridden in settings, and the chosen type and parameters go into the
manifest so a loaded index searches exactly as it was built and measured.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from qa.config import Settings

MIN_ANN = 64


def choose(n: int, settings: Settings) -> dict[str, Any]:
    kind = settings.dense_index
    if kind == "auto":
        kind = "flat" if n < settings.ann_threshold else "ivf"
    if kind not in ("flat", "hnsw", "ivf"):
        raise ValueError(f"unknown dense index {kind!r}: use auto, flat, hnsw or ivf")
    if n < MIN_ANN:  # an update's segment of a few chunks: nothing to train, nothing to gain
        kind = "flat"
    if kind == "flat":
        return {"type": "flat_ip"}
    if kind == "hnsw":
        return {"type": "hnsw", "M": settings.hnsw_m, "efConstruction": settings.hnsw_ef_construction,
                "efSearch": settings.hnsw_ef_search}
    if kind == "ivf":
        nlist = settings.ivf_nlist or max(1, min(int(4 * math.sqrt(max(n, 1))), n // 39 or 1))
        return {"type": "ivf_sq8", "nlist": nlist, "nprobe": min(settings.ivf_nprobe, nlist)}
    raise ValueError(f"unknown dense index {kind!r}: use auto, flat, hnsw or ivf")


def build(vectors: np.ndarray, dim: int, params: dict[str, Any], seed: int = 1234) -> Any:
    """Vectors may be float16 (as stored); they are converted a block at a time, so a million
    of them never sit in memory twice."""
    import faiss

    kind = params["type"]
    if kind == "flat_ip":
        index = faiss.IndexFlatIP(dim)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, params["M"], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = params["efConstruction"]
    elif kind == "ivf_sq8":
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, params["nlist"], faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        # Train on a sample: k-means cost grows with it, and 64 points per list is plenty.
        rng = np.random.default_rng(seed)
        n, want = len(vectors), 64 * params["nlist"]
        pick = np.arange(n) if n <= want else np.sort(rng.choice(n, want, replace=False))
        index.train(np.ascontiguousarray(vectors[pick], dtype=np.float32))
    else:
        raise ValueError(f"unknown dense index type {kind!r}")
    for i in range(0, len(vectors), 100_000):
        index.add(np.ascontiguousarray(vectors[i:i + 100_000], dtype=np.float32))
    configure(index, params)
    return index


def configure(index: Any, params: dict[str, Any]) -> None:
    """Apply the search-time parameters recorded in the manifest."""
    import faiss

    if params["type"] == "hnsw":
        index.hnsw.efSearch = params["efSearch"]
    elif params["type"] == "ivf_sq8":
        faiss.extract_index_ivf(index).nprobe = params["nprobe"]


def search_params(params: dict[str, Any], exclude: np.ndarray | None) -> Any:
    """Search parameters that skip the ``exclude`` ids (chunks of deleted documents), or None."""
    import faiss

    if exclude is None or not len(exclude):
        return None
    sel = faiss.IDSelectorNot(faiss.IDSelectorBatch(np.ascontiguousarray(exclude, dtype=np.int64)))
    if params["type"] == "ivf_sq8":
        out = faiss.SearchParametersIVF(sel=sel, nprobe=params["nprobe"])
    elif params["type"] == "hnsw":
        out = faiss.SearchParametersHNSW(sel=sel, efSearch=params["efSearch"])
    else:
        out = faiss.SearchParameters(sel=sel)
    out.keep = sel  # the selector must live as long as the parameters that point at it
    return out
