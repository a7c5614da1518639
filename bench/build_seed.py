"""Build the index of a corpus (default: corpus/) from scratch and report time, memory and counts.

Usage: python bench/build_seed.py [--corpus DIR] [--chunk-chars N]
Everything is real: the default model (its int8 ONNX graph on CPU), FAISS, BM25.
Peak memory is the process's maximum resident set size (model included).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.config import Settings  # noqa: E402
from qa.embedding import Embedder  # noqa: E402
from qa.store.index_build import build_index  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", type=Path, default=Path("corpus"))
    ap.add_argument("--chunk-chars", type=int, default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env(corpus_dir=args.corpus, index_dir=Path(tmp) / "idx",
                                     chunk_chars=args.chunk_chars)
        t0 = time.perf_counter()
        embedder = Embedder(settings)
        load_s = time.perf_counter() - t0
        report = build_index(settings, embedder, show_progress=False)
        size = sum(f.stat().st_size for f in settings.index_path.rglob("*") if f.is_file() and not f.is_symlink())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    p = report.phases
    rows = [
        ("machine", f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"),
        ("documents / chunks / sentences", f"{report.documents} / {report.chunks} / {report.sentences}"),
        ("chunk size (chars)", settings.chunk_chars),
        ("model load (s)", f"{load_s:.1f}"),
        ("build, model loaded (s)", f"{report.seconds:.1f}"),
        ("  of which embedding chunks (s)", p["embed"]),
        ("chunk embedding throughput (chunks/s)", f"{report.chunks / max(p['embed'], 1e-9):.1f}"),
        ("end to end (chunks/s)", f"{report.chunks / max(report.seconds, 1e-9):.1f}"),
        ("peak memory, RSS (MB)", f"{peak_mb:.0f}"),
        ("index size on disk (MB)", f"{size / 1e6:.1f}"),
    ]
    print("| measure | value |\n|---|---|")
    for k, v in rows:
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()
