"""The whole service at 10k / 100k / 1M chunks: build time, index size, serving memory, /ask
latency and throughput, lexical search at scale, and the cost of updating one document.

Usage: python bench/bench_scale.py [--chunks 10000,100000,1000000] [--keep DIR]
What is real: the synthetic corpus is written as files and goes through the normal pipeline
(cleaning, sentences, chunks, BM25, FAISS with the type `auto` picks, disk, loading), and
`qa serve` answers over loopback HTTP with the real model embedding the questions.
Memory without the model: a separate process loads the index alone and answers the same
questions with stand-in question vectors (made like the passage vectors below), so its
resident set size is what the index costs; it also times BM25 and FAISS search on their own.
Update: one document is edited and `build_index` runs with the loaded index as `previous`
(the new text's vectors faked as below), as `qa index update` would.
What is faked: passage and sentence vectors. Embedding 100k+ chunks with the real model takes
hours to days on 2 cores, so each is a random mix of three real e5 vectors from the seed index
plus noise, seeded by the text's hash (so an unchanged text gets the same vector).
Documents: seed-corpus and CMRC sentences recombined, with numbers and place names varied so
that lexical search is not trivial.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_api import measure, questions_from_index, start_server, stored_vectors  # noqa: E402

from qa.answering import answer_question  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.ingest.corpus import load_corpus  # noqa: E402
from qa.retrieval import lexical_max_df  # noqa: E402
from qa.sentences import split_sentences  # noqa: E402
from qa.service import QAService  # noqa: E402
from qa.store.index_build import build_index  # noqa: E402
from qa.store.index_store import load_index  # noqa: E402

PLACES = ["朝阳", "凌源", "辽阳", "北票", "建平", "喀左", "龙城", "双塔", "锦州", "阜新", "铁岭", "鞍山", "本溪",
          "丹东"]


class MixedVectors:
    """Stands in for the model on the passage side only (see the module docstring)."""

    runtime = "mixed-real-vectors"

    def __init__(self, base: np.ndarray) -> None:
        self.base = base
        self.dim = base.shape[1]

    def describe(self) -> dict[str, object]:
        return {"model": "stand-in (bench/bench_scale.py)", "dim": self.dim, "runtime": self.runtime}

    def passages(self, texts, progress=None):  # type: ignore[no-untyped-def]
        out = np.empty((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            rng = np.random.default_rng(int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little"))
            w = rng.dirichlet([1.0, 1.0, 1.0]).astype(np.float32)
            v = w @ self.base[rng.integers(0, len(self.base), 3)] + rng.normal(0, 0.01, self.dim).astype(np.float32)
            out[i] = v / np.linalg.norm(v)
        if progress:
            progress(len(texts))
        return out


def sentence_pool() -> list[str]:
    docs, _ = load_corpus(ROOT / "corpus")
    pool = [d.text[s.start:s.end] for d in docs for s in split_sentences(d.text)]
    cmrc = ROOT.parent / "shared" / "bench" / "cmrc2018_dev.json"
    if cmrc.exists():
        for art in json.loads(cmrc.read_text(encoding="utf-8"))["data"]:
            for par in art["paragraphs"]:
                pool += [par["context"][s.start:s.end] for s in split_sentences(par["context"])]
    return [s for s in pool if 10 <= len(s) <= 200]


def write_corpus(dest: Path, chunks: int, chunk_chars: int, seed: int = 11) -> None:
    pool = sentence_pool()
    rng = random.Random(seed)
    dest.mkdir(parents=True)
    total_chars, target = 0, chunks * chunk_chars * 0.8  # chunk overlap makes ~1.25 chunks per 220 chars
    n = 0
    while total_chars < target:
        place = rng.choice(PLACES)
        body = "".join(re.sub(r"\d+(?:\.\d+)?", lambda m: f"{rng.uniform(1, 9999):.{rng.choice([0, 1])}f}",
                              rng.choice(pool)).replace("朝阳", place) for _ in range(rng.randint(8, 20)))
        sub = dest / f"part{n // 1000:03d}"
        sub.mkdir(exist_ok=True)
        (sub / f"doc{n:07d}.txt").write_text(f"{place}合成报道第{n}号\n\n{body}", encoding="utf-8")
        total_chars += len(body)
        n += 1


def rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    return int(Path(f"/proc/{pid}/status").read_text().split(f"{field}:")[1].split()[0]) / 1024


def serve_and_measure(settings: Settings, questions: int, clients: int, seconds: float) -> dict[str, float]:
    env = {**os.environ, "QA_CORPUS_DIR": str(settings.corpus_dir), "QA_INDEX_DIR": str(settings.index_path)}
    t0 = time.perf_counter()
    proc, url = start_server(env)
    try:
        load_s = time.perf_counter() - t0
        m = measure(url, questions_from_index(questions, settings), clients, seconds)
        return {**m, "load_s": load_s, "rss_mb": rss_mb(proc.pid), "anon_mb": rss_mb(proc.pid, "RssAnon"),
                "file_mb": rss_mb(proc.pid, "RssFile")}
    finally:
        proc.terminate()
        proc.wait()


def probe(settings: Settings, questions: int) -> dict[str, float]:
    """In this process: the index alone, no model. Called through ``--probe`` in a fresh process."""
    base_rss = rss_mb()
    t = time.perf_counter()
    index = load_index(settings)
    load_s = time.perf_counter() - t
    loaded_rss = rss_mb()
    seed = load_index(Settings.from_env())
    fake = MixedVectors(stored_vectors(seed))
    del seed
    qs = questions_from_index(questions, settings, index)
    qvecs = fake.passages(qs)
    served_df = lexical_max_df(index, settings)
    lex, exact, dense, total = [], [], [], []
    for q, v in zip(qs, qvecs):
        t = time.perf_counter()
        index.lexical_search(q, settings.candidates)
        exact.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        index.lexical_search(q, settings.candidates, max_df=served_df)  # as retrieval searches
        lex.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        index.dense_search(v, settings.candidates)
        dense.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        answer_question(index, None, q, settings, qvec=v)  # type: ignore[arg-type]
        total.append((time.perf_counter() - t) * 1000)
    lexical_mb = sum(f.stat().st_size for seg in index.segments for f in (seg.path / "lexical").iterdir()) / 1e6
    # Resident pages of memory-mapped files (RssFile) are page cache the kernel can drop;
    # RssAnon is what the process itself holds.
    return {"chunks": index.live_chunks, "python_mb": base_rss, "load_s": load_s, "loaded_mb": loaded_rss,
            "rss_mb": rss_mb(),
            "anon_mb": rss_mb(field="RssAnon"), "file_mb": rss_mb(field="RssFile"),
            "peak_mb": rss_mb(field="VmHWM"), "lexical_p50": statistics.median(lex),
            "lexical_exact_p50": statistics.median(exact),
            "dense_p50": statistics.median(dense), "answer_p50": statistics.median(total),
            "lexical_disk_mb": lexical_mb}


def probe_in_subprocess(settings: Settings, questions: int, cap_mb: int = 0) -> dict[str, float]:
    """The probe in a fresh process; with ``cap_mb``, inside a cgroup (v1) memory limit that
    counts page cache too, as a machine with that much memory would be."""
    cmd = [sys.executable, __file__, "--probe", str(settings.corpus_dir), str(settings.index_path),
           "--questions", str(questions)]
    group = memory_cgroup(cap_mb) if cap_mb else None
    if group:  # page cache read before belongs to another group: start cold, so all of it counts here
        evict_page_cache(settings.index_path)
    try:
        join = (lambda: (group / "cgroup.procs").write_text(str(os.getpid()))) if group else None
        out = subprocess.run(cmd, capture_output=True, text=True, check=True, preexec_fn=join)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        if group:
            result["cap_mb"] = cap_mb
            result["cap_peak_mb"] = int((group / "memory.max_usage_in_bytes").read_text()) / 2**20
            result["cap_failcnt"] = int((group / "memory.failcnt").read_text())
        return result
    finally:
        if group:
            group.rmdir()


def evict_page_cache(folder: Path) -> None:
    for f in folder.rglob("*"):
        if f.is_file() and not f.is_symlink():
            fd = os.open(f, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def memory_cgroup(cap_mb: int) -> Path:
    line = next(x for x in Path("/proc/self/cgroup").read_text().splitlines() if ":memory:" in x)
    group = Path("/sys/fs/cgroup/memory") / line.split(":", 2)[2].lstrip("/") / f"qa-bench-{os.getpid()}"
    group.mkdir()
    (group / "memory.limit_in_bytes").write_text(str(cap_mb * 2**20))
    return group


def update_one(settings: Settings, fake: MixedVectors) -> dict[str, Any]:
    """Edit a document and update the index as `qa index update` does (loading the index and
    walking the corpus); edit another and update as the server does for an upload (the index
    already loaded, told the file, the new build loaded by reusing the open segments). Both
    documents come from the middle of the corpus, so their old versions sit in the big first
    segment and are erased from it afterwards (qa.store.scrub), the costly case."""
    files = sorted(settings.corpus_dir.glob("part*/doc*.txt"))
    location = load_index(settings).doc_location
    ids = [f.relative_to(settings.corpus_dir).as_posix() for f in files[len(files) // 2:]]
    in_first = [d for d in ids if location.get(d, (1, 0))[0] == 0][:2]  # not edited by an earlier run
    out: dict[str, Any] = {}
    for key, doc_id in zip(("walk", "named"), in_first):
        victim = settings.corpus_dir / doc_id
        text = victim.read_text(encoding="utf-8")
        victim.write_text(text + f"\n补充说明：{key}更新测试新增的一句话。", encoding="utf-8")
        previous = load_index(settings) if key == "named" else None
        served: list[float] = []
        t = time.perf_counter()
        if key == "walk":
            report = build_index(settings, fake, load_index(settings), show_progress=False)  # type: ignore[arg-type]
        else:
            def swap(previous: Any = previous, served: list[float] = served, t: float = t) -> None:
                load_index(settings, reuse=previous)
                served.append(time.perf_counter() - t)
            report = build_index(settings, fake, previous, show_progress=False,  # type: ignore[arg-type]
                                 paths=[doc_id], on_publish=swap)
            out["served"] = served[0]
        out[key] = time.perf_counter() - t
        out[f"{key}_mode"] = report.mode
        out[f"{key}_phases"] = report.phases
        out["chunks"] = report.chunks
        assert report.changed == [doc_id], report.changed
    print(f"  update: {out}", file=sys.stderr, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chunks", default="10000,100000")
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--keep", type=Path, default=None, help="keep corpora and indexes here")
    ap.add_argument("--probe", nargs=2, type=Path, metavar=("CORPUS", "INDEX"), help=argparse.SUPPRESS)
    ap.add_argument("--probe-only", action="store_true",
                    help="only the index-alone measurements, on the corpora and indexes already in --keep")
    ap.add_argument("--update-only", action="store_true",
                    help="only the update measurement, on the corpora and indexes already in --keep")
    ap.add_argument("--cap-mb", type=int, default=2048,
                    help="also run the index-alone probe under this memory limit (cgroup v1; 0: skip)")
    args = ap.parse_args()
    base_settings = Settings.from_env()
    if args.probe:
        s = base_settings.replace(corpus_dir=args.probe[0], index_dir=args.probe[1])
        print(json.dumps(probe(s, args.questions)))
        return
    if (args.probe_only or args.update_only) and args.keep is None:
        ap.error("--probe-only and --update-only need --keep DIR")
    if args.update_only:
        fake = MixedVectors(stored_vectors(load_index(base_settings)))
        print_update_table([update_one(base_settings.replace(corpus_dir=args.keep / f"corpus-{n}",
                                                             index_dir=args.keep / f"index-{n}"), fake)
                            for n in map(int, args.chunks.split(","))])
        return
    if args.probe_only:
        print_probe_table([probe_pair(base_settings.replace(corpus_dir=args.keep / f"corpus-{n}",
                                                            index_dir=args.keep / f"index-{n}"), args)
                           for n in map(int, args.chunks.split(","))])
        return
    seed = QAService(base_settings).load(show_progress=False)
    base = stored_vectors(seed)
    work = args.keep or Path(tempfile.mkdtemp(prefix="qa-scale-"))
    rows = []
    for n in map(int, args.chunks.split(",")):
        corpus, idx = work / f"corpus-{n}", work / f"index-{n}"
        if not corpus.exists():
            write_corpus(corpus, n, base_settings.chunk_chars)
        s = base_settings.replace(corpus_dir=corpus, index_dir=idx)
        t = time.perf_counter()
        report = build_index(s, MixedVectors(base), show_progress=False)  # type: ignore[arg-type]
        build_s = time.perf_counter() - t
        build_peak = rss_mb(field="VmHWM")  # sizes run in increasing order, so this is this build's
        size = sum(f.stat().st_size for f in idx.rglob("*") if f.is_file()) / 1e6
        print(f"{n}: {report.chunks} chunks, build {build_s:.0f} s, {report.phases}", file=sys.stderr, flush=True)
        m = serve_and_measure(s, args.questions, args.clients, args.seconds)
        print(f"  served: {m}", file=sys.stderr, flush=True)
        alone = probe_pair(s, args)
        upd = update_one(s, MixedVectors(base))
        kind = json.loads((idx / "current" / "manifest.json").read_text())["segments"][0]["dense"]["type"]
        rows.append((report, build_s, size, m, kind, alone, upd, build_peak))
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| chunks | documents | sentences | dense index | build (s) | build peak RSS (MB) | index on disk (MB) "
          "| server load (s) | server RSS, model included: total / anon / file (MB) | /ask p50 / p95 (ms) "
          "| 8 clients (req/s) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r, b, size, m, kind, _, _, peak in rows:
        print(f"| {r.chunks:,} | {r.documents:,} | {r.sentences:,} | {kind} | {b:.0f} | {peak:.0f} | {size:.0f} "
              f"| {m['load_s']:.0f} | {m['rss_mb']:.0f} / {m['anon_mb']:.0f} / {m['file_mb']:.0f} "
              f"| {m['p50']:.1f} / {m['p95']:.1f} | {m['rps']:.1f} ({m['conc_errors'] + m['errors']} errors) |")
    print()
    print_probe_table([alone for _, _, _, _, _, alone, _, _ in rows])
    print()
    print_update_table([u for _, _, _, _, _, _, u, _ in rows])


def print_update_table(rows: list[dict[str, Any]]) -> None:
    print("| chunks | `qa index update` (load, walk, update, erase) (s) | server, told the file: until the new "
          "build is served / with the erasure (s) | update kind |")
    print("|---|---|---|---|")
    for u in rows:
        print(f"| {u['chunks']:,} | {u['walk']:.2f} | {u['served']:.2f} / {u['named']:.2f} | {u['walk_mode']} |")


def probe_pair(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """The index alone, then (with --cap-mb) again from a cold page cache under a memory limit."""
    alone: dict[str, Any] = dict(probe_in_subprocess(settings, args.questions))
    print(f"  index alone: {alone}", file=sys.stderr, flush=True)
    if args.cap_mb:
        try:
            alone["capped"] = probe_in_subprocess(settings, args.questions, args.cap_mb)
        except (OSError, subprocess.CalledProcessError) as exc:  # no writable cgroup, or killed
            alone["capped"] = {"error": str(exc)}
        print(f"  index alone, capped: {alone['capped']}", file=sys.stderr, flush=True)
    return alone


def print_probe_table(rows: list[dict[str, Any]]) -> None:
    print("| chunks | load (s) | RSS after queries: anon + file (MB) | BM25 p50 exact / as served (ms) "
          "| BM25 on disk (MB) | FAISS p50 (ms) | answer without embedding p50 (ms) "
          "| under a memory cap, cold cache: cap / peak (MB), answer p50 (ms) |")
    print("|---|---|---|---|---|---|---|---|")
    for a in rows:
        c = a.get("capped") or {}
        capped = (f"{c['cap_mb']} / {c['cap_peak_mb']:.0f}, {c['answer_p50']:.1f}" if "cap_mb" in c
                  else c.get("error", "not run"))
        print(f"| {a['chunks']:,} | {a['load_s']:.1f} | {a['anon_mb']:.0f} + {a['file_mb']:.0f} "
              f"| {a['lexical_exact_p50']:.1f} / {a['lexical_p50']:.1f} | {a['lexical_disk_mb']:.0f} "
              f"| {a['dense_p50']:.2f} | {a['answer_p50']:.1f} | {capped} |")


if __name__ == "__main__":
    main()
