"""Load and soak against a live `qa serve` over loopback, while the corpus changes under it.

Usage:
  python bench/reliability/load.py --users 16 --seconds 300 --then-users 100 --then-seconds 60
  python bench/reliability/load.py --users 4 --seconds 1800 --soak

A copy of the bundled corpus is indexed and served with an admin token. ``--users`` threads ask
real questions (the hand-written ones of bench/data/followups_seed.json) back to back; meanwhile
a document is uploaded, changed or deleted through the admin API every ``--churn`` seconds, and a
full reindex is asked for every ``--reindex`` seconds. Users also ask about the bridges those documents
describe. Every response is recorded: status, latency, and for answers the build they name
(``build_id``): a watcher reads each build's documents from the index folder as it is published,
and every citation of an answer must name a document of that very build, with an excerpt taken
from that build's text of it (an answer mixing builds, or read from a half-built index, would
fail this). ``--then-users`` runs a second,
heavier phase to find where the service saturates. ``--soak`` samples the server's resident
memory, open file descriptors and threads every 30 s and reports their slopes, and counts the
index folders at the end. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "reliability-token-0123456789"


def questions() -> list[str]:
    data = json.loads((ROOT / "bench/data/followups_seed.json").read_text(encoding="utf-8"))
    return [t["standalone"] for conv in data["conversations"] for t in conv]


def start(work: Path) -> tuple[subprocess.Popen, str]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "QA_CORPUS_DIR": str(work / "corpus"), "QA_INDEX_DIR": str(work / "idx"),
           "QA_ADMIN_TOKEN": TOKEN}
    proc = subprocess.Popen([sys.executable, "-m", "qa.cli", "serve", "--port", str(port)], env=env,
                            stdout=open(work / "server.log", "w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/health", timeout=2).json()["index_loaded"]:
                return proc, url
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise SystemExit("qa serve did not come up")


def proc_stats(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    field = {line.split(":")[0]: line.split(":")[1].split() for line in status.splitlines() if ":" in line}
    return {"rss_mb": int(field["VmRSS"][0]) / 1024, "threads": int(field["Threads"][0]),
            "fds": len(os.listdir(f"/proc/{pid}/fd"))}


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return 0.0
    ts, vs = [p[0] for p in points], [p[1] for p in points]
    mt, mv = statistics.fmean(ts), statistics.fmean(vs)
    den = sum((t - mt) ** 2 for t in ts) or 1.0
    return sum((t - mt) * (v - mv) for t, v in zip(ts, vs)) / den * 3600


def build_documents(index: Path) -> tuple[str, dict[str, str]] | None:
    """The current build's id and its documents (id -> text), read as the server would; None when
    the build was replaced while being read (the next poll catches the newer one)."""
    try:
        manifest = json.loads((index / "current" / "manifest.json").read_text(encoding="utf-8"))
        docs: dict[str, str] = {}
        for entry in manifest["segments"]:
            gone = set(entry.get("deleted", []))
            table = (index / "segments" / entry["id"] / "documents.jsonl").read_text(encoding="utf-8")
            for i, line in enumerate(table.splitlines()):
                if i not in gone:
                    rec = json.loads(line)
                    docs[rec["doc_id"]] = rec["text"]
        return manifest["build_id"], docs
    except (OSError, ValueError, KeyError):
        return None


def phase(url: str, users: int, seconds: float, churn: float, reindex: float,
          corpus: Path, pid: int, soak: bool) -> dict[str, object]:
    qs = questions()
    lock = threading.Lock()
    results: list[tuple[int, float]] = []
    answers: list[tuple[str | None, list[dict]]] = []  # (build_id, citations) of every answer
    builds: dict[str, dict[str, str]] = {}
    bridges: list[int] = []  # bridge numbers written into load documents
    events = {"uploads": 0, "changes": 0, "deletes": 0, "reindex_started": 0, "reindex_busy": 0, "admin_errors": 0}
    samples: list[tuple[float, dict[str, float]]] = []
    stop = time.monotonic() + seconds
    auth = {"Authorization": f"Bearer {TOKEN}"}

    def user(k: int) -> None:
        rng = random.Random(k)
        with httpx.Client(base_url=url, timeout=120) as c:
            while time.monotonic() < stop:
                t = time.perf_counter()
                asks_bridge = bridges and rng.random() < 0.3
                q = f"白石湾第{rng.choice(bridges)}号大桥全长多少米？" if asks_bridge else rng.choice(qs)
                try:
                    r = c.post("/ask", json={"question": q})
                    status, body = r.status_code, r.json()
                except (httpx.HTTPError, ValueError):
                    status, body = -1, {}
                ms = (time.perf_counter() - t) * 1000
                with lock:
                    results.append((status, ms))
                    if status == 200:
                        answers.append((body.get("build_id"), body.get("citations", [])))

    def admin() -> None:
        rng = random.Random(99)
        next_churn, next_reindex = time.monotonic() + churn, time.monotonic() + reindex
        n = 0
        with httpx.Client(base_url=url, timeout=300, headers=auth) as c:
            while time.monotonic() < stop:
                now = time.monotonic()
                try:
                    if now >= next_churn:
                        next_churn = now + churn
                        mine = sorted(p.name for p in corpus.glob("load-*.txt"))
                        action = rng.choice(["upload", "change", "delete"] if mine else ["upload"])
                        if action == "delete":
                            r = c.delete(f"/admin/documents/{rng.choice(mine)}")
                            events["deletes"] += r.status_code == 202
                        else:
                            name = rng.choice(mine) if action == "change" else f"load-{n:04d}.txt"
                            n += 1
                            bridge, length = rng.randint(1, 999), rng.randint(100, 9999)
                            bridges.append(bridge)
                            text = f"测试文档{name}：白石湾第{bridge}号大桥全长{length}米。"
                            r = c.post("/admin/documents", files={"file": (name, text.encode())},
                                       data={"overwrite": "true"})
                            events["uploads" if action == "upload" else "changes"] += r.status_code == 202
                        events["admin_errors"] += r.status_code >= 500
                    if now >= next_reindex:
                        next_reindex = now + reindex
                        r = c.post("/admin/reindex")
                        events["reindex_started" if r.status_code == 202 else "reindex_busy"] += 1
                        events["admin_errors"] += r.status_code >= 500
                except httpx.HTTPError:
                    events["admin_errors"] += 1
                time.sleep(0.2)

    def sampler() -> None:
        t0 = time.monotonic()
        while time.monotonic() < stop:
            samples.append((time.monotonic() - t0, proc_stats(pid)))
            time.sleep(30 if soak else 5)

    def watcher() -> None:
        while time.monotonic() < stop + 5:
            current = build_documents(corpus.parent / "idx")
            if current and current[0] not in builds:
                builds[current[0]] = current[1]
            time.sleep(0.05)

    threads = [threading.Thread(target=user, args=(k,)) for k in range(users)]
    threads += [threading.Thread(target=admin), threading.Thread(target=sampler), threading.Thread(target=watcher)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    ok = sorted(ms for st, ms in results if st == 200)
    codes: dict[str, int] = {}
    for st, _ in results:
        codes[str(st)] = codes.get(str(st), 0) + 1

    checked = unchecked = 0
    torn: list[str] = []  # citations not of the build their answer names
    for build, citations in answers:
        docs = builds.get(build or "")
        if docs is None:
            unchecked += 1  # a build replaced before the watcher read it
            continue
        checked += 1
        torn += [c["doc_id"] for c in citations
                 if c["doc_id"] not in docs or docs[c["doc_id"]][c["start"]:c["end"]] != c["excerpt"]]

    def pct(p: float) -> float:
        return round(ok[min(len(ok) - 1, int(p / 100 * len(ok)))], 1) if ok else 0.0

    out: dict[str, object] = {"users": users, "seconds": round(elapsed), "requests": len(results), "statuses": codes,
                              "rps": round(len(results) / elapsed, 2), "p50_ms": pct(50), "p95_ms": pct(95),
                              "p99_ms": pct(99), "builds_seen": len(builds),
                              "answers_checked_against_their_build": checked,
                              "answers_of_builds_not_seen": unchecked, "citations_not_of_their_build": len(torn),
                              "citing_load_documents": sum(any(c["doc_id"].startswith("load-") for c in cs)
                                                           for _, cs in answers), **events,
                              "peak_rss_mb": round(max(s["rss_mb"] for _, s in samples), 1) if samples else None}
    if soak:
        for key in ("rss_mb", "fds", "threads"):
            pts = [(t, s[key]) for t, s in samples]
            out[f"{key}_first_last"] = [pts[0][1], pts[-1][1]] if pts else None
            out[f"{key}_slope_per_hour"] = round(slope_per_hour(pts[len(pts) // 4:]), 2)  # after warm-up
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--users", type=int, default=16)
    p.add_argument("--seconds", type=float, default=300)
    p.add_argument("--then-users", type=int, default=0)
    p.add_argument("--then-seconds", type=float, default=60)
    p.add_argument("--churn", type=float, default=5.0, help="seconds between document changes")
    p.add_argument("--reindex", type=float, default=60.0, help="seconds between full reindexes")
    p.add_argument("--soak", action="store_true")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="qa-load-"))
    shutil.copytree(ROOT / "corpus", work / "corpus")
    subprocess.run([sys.executable, "-m", "qa.cli", "index", "build", "-q", "--corpus", str(work / "corpus"),
                    "--index", str(work / "idx")], check=True)
    proc, url = start(work)
    try:
        rows = [phase(url, args.users, args.seconds, args.churn, args.reindex, work / "corpus", proc.pid,
                      args.soak)]
        if args.then_users:
            rows.append(phase(url, args.then_users, args.then_seconds, args.churn, args.reindex,
                              work / "corpus", proc.pid, False))
        alive = proc.poll() is None
        health = httpx.get(url + "/health", timeout=10).json() if alive else None
    finally:
        proc.terminate()
        proc.wait()
    folders = {"segments": len(list((work / "idx" / "segments").iterdir())),
               "builds": len(list((work / "idx" / "builds").iterdir()))}
    print(json.dumps({"phases": rows, "server_alive_at_end": alive, "health_at_end": health,
                      "index_folders_at_end": folders}, ensure_ascii=False, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
