"""Approximate dense indexes against exact search: recall@10, latency, memory, build time.

Usage: python bench/bench_ann.py [--sizes 100000,1000000] [--queries 200]
What is real: FAISS (flat, IVF-SQ8, HNSW) with the parameters `qa` would choose, timed on this
machine. What is synthetic: the vectors. Embedding a million chunks with the real model takes days
on 2 cores, so each vector is a random mix of three real multilingual-e5-small vectors (the seed
index's chunk and sentence vectors) plus a little noise, normalized; queries are made the same way.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_api import stored_vectors  # noqa: E402

from qa.config import Settings  # noqa: E402
from qa.service import QAService  # noqa: E402
from qa.store import dense_index  # noqa: E402


def synthetic(base: np.ndarray, n: int, rng: np.random.Generator, batch: int = 100_000) -> np.ndarray:
    out = np.empty((n, base.shape[1]), np.float32)
    for s in range(0, n, batch):
        m = min(batch, n - s)
        idx = rng.integers(0, len(base), size=(m, 3))
        w = rng.dirichlet([1.0, 1.0, 1.0], size=m).astype(np.float32)
        v = np.einsum("mk,mkd->md", w, base[idx]) + rng.normal(0, 0.01, (m, base.shape[1])).astype(np.float32)
        out[s:s + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def run(kind: str, x: np.ndarray, q: np.ndarray, truth: np.ndarray | None, settings: Settings) -> dict[str, float]:
    import faiss

    params = dense_index.choose(len(x), settings.replace(dense_index=kind))
    t = time.perf_counter()
    index = dense_index.build(x, x.shape[1], params)
    build_s = time.perf_counter() - t
    faiss.omp_set_num_threads(1)  # one request at a time, as the server searches
    lat = []
    got = np.empty((len(q), 10), np.int64)
    for i in range(len(q)):
        t = time.perf_counter()
        _, ids = index.search(q[i:i + 1], 10)
        lat.append((time.perf_counter() - t) * 1000)
        got[i] = ids[0]
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    recall = 1.0 if truth is None else float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(truth, got)]))
    size = len(faiss.serialize_index(index)) / 1e6
    return {"params": params, "build_s": build_s, "p50_ms": float(np.median(lat)), "recall": recall,
            "size_mb": size, "ids": got}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--kinds", default="flat,ivf,hnsw")
    args = ap.parse_args()
    settings = Settings.from_env()
    index = QAService(settings).load(show_progress=False)
    base = stored_vectors(index)
    rng = np.random.default_rng(0)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; base: {len(base)} real e5 vectors")
    print("| chunks | index | parameters | build (s) | search p50, 1 thread (ms) | recall@10 vs exact | size (MB) |")
    print("|---|---|---|---|---|---|---|")
    for n in map(int, args.sizes.split(",")):
        x = synthetic(base, n, rng)
        q = synthetic(base, args.queries, rng)
        truth = None
        for kind in args.kinds.split(","):
            r = run(kind, x, q, truth, settings)
            if kind == "flat":
                truth = r["ids"]
            params = ", ".join(f"{k}={v}" for k, v in r["params"].items() if k != "type")
            print(f"| {n:,} | {r['params']['type']} | {params or '-'} | {r['build_s']:.1f} | {r['p50_ms']:.2f} "
                  f"| {r['recall']:.3f} | {r['size_mb']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
