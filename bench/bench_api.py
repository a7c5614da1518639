"""/ask latency and throughput over real loopback HTTP against a live `qa serve`.

Usage: python bench/bench_api.py [--questions 200] [--clients 8] [--seconds 30] [--url URL]
Without --url it starts `qa serve` on a free port with the current settings (QA_* variables)
and stops it afterwards. Questions: cloze questions drawn from every sentence of the corpus
that holds a number (``…是多少？``), plus unanswerable ones, cycled to the requested count.
Nothing is faked: real model, real index, real HTTP.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

UNANSWERABLE = ["珠穆朗玛峰的海拔有多高？", "今天北京的天气怎么样？", "Python 的作者是谁？", "月球到地球的距离是多少？"]


def questions_from_index(n: int, settings=None, index=None) -> list[str]:  # type: ignore[no-untyped-def]
    from qa.config import Settings
    from qa.serve.pages import cloze_question
    from qa.store.index_store import load_index

    index = index or load_index(settings or Settings.from_env())
    qs = []
    for c in index.iter_chunks():
        if len(qs) >= n:
            break
        for a, b in c.sentences:
            q = cloze_question(index.documents[c.doc_id].text[a:b])
            if q and q not in qs:
                qs.append(q)
    qs += UNANSWERABLE
    return [qs[i % len(qs)] for i in range(n)]


def stored_vectors(index) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Every real e5 vector an index holds, as float32."""
    return np.vstack([np.asarray(seg.chunk_vectors, np.float32) for seg in index.segments])


def post(url: str, question: str) -> tuple[float, int]:
    data = json.dumps({"question": question, "top_k": 5}).encode()
    req = urllib.request.Request(url + "/ask", data=data, headers={"Content-Type": "application/json"})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    except OSError:
        status = 0
    return (time.perf_counter() - t) * 1000, status


def start_server(env: dict[str, str] | None = None) -> tuple[subprocess.Popen, str]:
    """`qa serve` on a free loopback port; returns once its index is loaded."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env or dict(os.environ))
    url = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as r:
                if json.load(r)["index_loaded"]:
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    proc.kill()
    raise SystemExit("server did not start")


def pct(xs: list[float], p: float) -> float:
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def measure(url: str, qs: list[str], clients: int, seconds: float) -> dict[str, float]:
    """One client over ``qs`` (after a warm-up), then ``clients`` concurrent clients for ``seconds``."""
    for q in qs[:5]:
        post(url, q)
    single = [post(url, q) for q in qs]
    lat = sorted(ms for ms, _ in single)
    done: list[tuple[float, int]] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(k: int) -> None:
        i = k
        while time.perf_counter() < stop:
            r = post(url, qs[i % len(qs)])
            with lock:
                done.append(r)
            i += clients

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    conc = sorted(ms for ms, _ in done)
    return {"requests": len(lat), "errors": sum(1 for _, st in single if st != 200),
            "p50": pct(lat, 50), "p95": pct(lat, 95), "mean": statistics.fmean(lat),
            "conc_requests": len(done), "conc_errors": sum(1 for _, st in done if st != 200),
            "rps": len(done) / elapsed, "conc_p50": pct(conc, 50), "conc_p95": pct(conc, 95)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--url", default=None)
    args = ap.parse_args()
    proc = None
    url = args.url
    if url is None:
        proc, url = start_server()
    try:
        m = measure(url, questions_from_index(args.questions), args.clients, args.seconds)
    finally:
        if proc:
            proc.terminate()
            proc.wait()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| measure | value |\n|---|---|")
    print(f"| one client: requests | {m['requests']} ({m['errors']} errors) |")
    print(f"| one client: p50 / p95 / mean (ms) | {m['p50']:.1f} / {m['p95']:.1f} / {m['mean']:.1f} |")
    n = args.clients
    print(f"| {n} clients for {args.seconds:.0f} s: requests | {m['conc_requests']} ({m['conc_errors']} errors) |")
    print(f"| {args.clients} clients: requests per second | {m['rps']:.1f} |")
    print(f"| {args.clients} clients: p50 / p95 (ms) | {m['conc_p50']:.1f} / {m['conc_p95']:.1f} |")


if __name__ == "__main__":
    main()
