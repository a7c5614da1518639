"""The Milvus store beside the local one at 10k and 100k chunks: build time, /ask latency and
throughput over loopback HTTP, and the memory of the app process.

Usage: python bench/bench_milvus.py [--chunks 10000,100000] [--keep DIR] [--questions 200]
                                    [--clients 4] [--seconds 20]

Milvus here is milvus-lite's gRPC server (pure Python, one process on this machine) started on
a free loopback port. What is real: the synthetic corpus of bench/bench_scale.py written as
files and read, chunked and indexed by the normal pipeline into each store; `qa serve` answers
with the real model embedding each question and the real reader. What is faked, as in
bench_scale: the passage vectors (mixes of real e5 vectors), because embedding 100k chunks
costs the same for both stores (about 16 minutes at the 104 chunks/s of bench/bench_build.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_api import measure, questions_from_index, start_server, stored_vectors  # noqa: E402
from bench_scale import MixedVectors, rss_mb, write_corpus  # noqa: E402

from qa.config import Settings  # noqa: E402
from qa.store import build_store  # noqa: E402
from qa.store.index_store import load_index  # noqa: E402


def start_milvus(data: Path) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(Path(sys.executable).with_name("milvus-lite")), "server", "--data-dir", str(data),
                             "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.2)
    raise SystemExit("milvus-lite did not start")


def serve(settings: Settings, questions: list[str], clients: int, seconds: float) -> dict[str, float]:
    env = {**os.environ, "QA_CORPUS_DIR": str(settings.corpus_dir), "QA_INDEX_DIR": str(settings.index_path),
           "QA_STORE": settings.store, "QA_MILVUS_URI": settings.milvus_uri,
           "QA_MILVUS_COLLECTION": settings.milvus_collection}
    t0 = time.perf_counter()
    proc, url = start_server(env)
    try:
        load_s = time.perf_counter() - t0
        m = measure(url, questions, clients, seconds)
        return {**m, "load_s": load_s, "rss_mb": rss_mb(proc.pid), "anon_mb": rss_mb(proc.pid, "RssAnon")}
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--chunks", default="10000,100000")
    p.add_argument("--keep", type=Path, default=Path("/tmp/qa-bench-milvus"))
    p.add_argument("--questions", type=int, default=200)
    p.add_argument("--clients", type=int, default=4)
    p.add_argument("--seconds", type=float, default=20)
    args = p.parse_args()
    base = Settings.from_env().replace(corpus_dir=ROOT / "corpus", index_dir=args.keep / "seed")
    from qa.embedding import Embedder
    from qa.store.index_build import build_index

    if not (base.index_path / "current").exists():
        build_index(base, Embedder(base), show_progress=False)
    fake = MixedVectors(stored_vectors(load_index(base)))
    rows = []
    for n in [int(x) for x in args.chunks.split(",")]:
        corpus = args.keep / f"corpus-{n}"
        if not corpus.exists():
            write_corpus(corpus, n, base.chunk_chars)
        local = base.replace(corpus_dir=corpus, index_dir=args.keep / f"local-{n}")
        shutil.rmtree(local.index_path, ignore_errors=True)
        mdata = args.keep / f"milvus-{n}"
        shutil.rmtree(mdata, ignore_errors=True)
        mproc, uri = start_milvus(mdata)
        try:
            remote = local.replace(store="milvus", milvus_uri=uri, milvus_collection=f"bench{n}",
                                   index_dir=args.keep / f"milvus-work-{n}")
            questions = None
            for store, s in (("local", local), ("milvus", remote)):
                t = time.perf_counter()
                report = build_store(s, fake, show_progress=False)  # type: ignore[arg-type]
                build_s = time.perf_counter() - t
                questions = questions or questions_from_index(args.questions, index=load_index(local))
                m = serve(s, questions, args.clients, args.seconds)
                row = {"store": store, "chunks": report.chunks, "documents": report.documents,
                       "build_s": round(build_s, 1), **{k: round(v, 1) for k, v in m.items()}}
                if store == "milvus":
                    row["milvus_server_rss_mb"] = round(rss_mb(mproc.pid), 1)
                print(json.dumps(row), file=sys.stderr)
                rows.append(row)
        finally:
            mproc.kill()
            mproc.wait()
    print("| chunks | store | build without embedding (s) | /ask p50 / p95 (ms) | "
          f"{args.clients} clients (req/s) | errors | app RSS / anon (MB) | Milvus server RSS (MB) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['chunks']:,} | {r['store']} | {r['build_s']} | {r['p50']} / {r['p95']} | {r['rps']} | "
              f"{int(r['errors'] + r['conc_errors'])} | {r['rss_mb']:.0f} / {r['anon_mb']:.0f} | "
              f"{r.get('milvus_server_rss_mb', '–')} |")
    print(json.dumps({"python": platform.python_version(), "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()
