"""Build throughput end to end, and what a faster embedding runtime costs in quality.

Usage: python bench/bench_build.py [--runtimes onnx-int8,torch] [--file ../shared/bench/cmrc2018_dev.json]
                                   [--threads N] [--out bench/results/build.json]

Every paragraph of the file becomes a document (CMRC 2018 dev: 848 documents, about 3,000
chunks), and a full build runs from an empty index folder for each embedding runtime in turn
(reading, cleaning, chunking, embedding, BM25, FAISS, writing): chunks/s is chunks over the
build's wall time. Then, against the first runtime that is not ``onnx-int8`` (today's
reference, torch float32): the cosine of each chunk's two vectors, and hybrid retrieval
R@1/R@5 of the file's questions, each index searched with its own runtime's question vectors.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import Settings  # noqa: E402
from qa.embedding import Embedder  # noqa: E402
from qa.evaluation import prepare  # noqa: E402
from qa.retrieval import retrieve  # noqa: E402
from qa.store.index_build import build_index  # noqa: E402
from qa.store.index_store import load_index  # noqa: E402


def recall(index, embedder: Embedder, settings: Settings, questions, starts) -> dict[str, float]:  # type: ignore[no-untyped-def]
    spans: dict[str, list[tuple[int, int, int]]] = {}
    for c in index.iter_chunks():
        spans.setdefault(c.doc_id, []).append((c.chunk_id, c.start, c.end))
    at1 = at5 = 0
    t = time.perf_counter()
    for q in questions:
        gold = {int(starts[q.doc_id][s]) for s in q.answer_starts if 0 <= s < len(starts[q.doc_id])}
        good = {cid for cid, a, b in spans.get(q.doc_id, []) if any(a <= g < b for g in gold)}
        hits = [h.chunk for h in retrieve(index, q.question, embedder.query(q.question), settings, 5)]
        at1 += bool(hits[:1] and hits[0] in good)
        at5 += bool(good & set(hits))
    n = len(questions)
    return {"questions": n, "R@1": round(at1 / n, 4), "R@5": round(at5 / n, 4),
            "query_ms": round((time.perf_counter() - t) * 1000 / n, 2)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--file", type=Path, default=ROOT.parent / "shared" / "bench" / "cmrc2018_dev.json")
    p.add_argument("--runtimes", default="onnx-int8,torch")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--no-quality", action="store_true", help="time the builds only")
    p.add_argument("--out", type=Path)
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-bench-build-"))
    base = Settings.from_env().replace(threads=args.threads)
    settings, questions, starts, _ = prepare(args.file, base, work)
    rows, indexes = [], {}
    for runtime in args.runtimes.split(","):
        s = settings.replace(embed_runtime=runtime, index_dir=work / f"index-{runtime}")
        t = time.perf_counter()
        embedder = Embedder(s)
        load_s = time.perf_counter() - t
        t = time.perf_counter()
        report = build_index(s, embedder, show_progress=False)
        wall = time.perf_counter() - t
        row = {"runtime": runtime, "documents": report.documents, "chunks": report.chunks,
               "build_s": round(wall, 1), "chunks_per_s": round(report.chunks / wall, 1),
               "model_load_s": round(load_s, 1), "phases": report.phases}
        print(json.dumps(row), file=sys.stderr)
        index = load_index(s)
        indexes[runtime] = index
        if not args.no_quality:
            row.update(recall(index, embedder, s, questions, starts))
        rows.append(row)
        del embedder
    ref = next((r for r in indexes if r != "onnx-int8"), None)
    if ref and len(indexes) > 1:
        for r, index in indexes.items():
            if r == ref:
                continue
            n = index.counts["chunks"]
            a, b = index.chunk_vectors(np.arange(n)), indexes[ref].chunk_vectors(np.arange(n))
            cos = np.sum(a * b, axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
            row = next(x for x in rows if x["runtime"] == r)
            row["cosine_vs_" + ref] = {"min": round(float(cos.min()), 4), "p1": round(float(np.percentile(cos, 1)), 4),
                                       "mean": round(float(cos.mean()), 4)}
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine(),
               "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}
    print("| runtime | documents | chunks | build (s) | chunks/s | R@1 | R@5 | question embed + search (ms) | "
          "cosine to reference: min / p1 / mean |\n|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        c = next((v for k, v in r.items() if k.startswith("cosine_vs_")), None)
        print(f"| {r['runtime']} | {r['documents']} | {r['chunks']:,} | {r['build_s']} | {r['chunks_per_s']} | "
              f"{r.get('R@1', '–')} | {r.get('R@5', '–')} | {r.get('query_ms', '–')} | "
              + (f"{c['min']} / {c['p1']} / {c['mean']} |" if c else "reference |"))
    print(json.dumps(machine))
    if args.out:
        args.out.write_text(json.dumps({"rows": rows, "machine": machine}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
