"""Time of `qa index update` after changing one document, against a full rebuild.

Usage: python bench/bench_update.py [--synthetic 1000]
Two corpora, both real end to end (model, FAISS, BM25, disk):
  * the seed corpus (corpus/), copied to a temp folder;
  * N synthetic documents, each a heading plus 8–14 sentences drawn at random (fixed seed)
    from the seed corpus, with the numbers in them changed so documents differ.
For each: a full build, then one document is edited and the index is updated.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.config import Settings  # noqa: E402
from qa.embedding import Embedder  # noqa: E402
from qa.ingest.corpus import load_corpus  # noqa: E402
from qa.sentences import split_sentences  # noqa: E402
from qa.store.index_build import build_index  # noqa: E402
from qa.store.index_store import load_index  # noqa: E402


def synthetic_corpus(dest: Path, n: int, seed: int = 7) -> None:
    docs, _ = load_corpus(ROOT / "corpus")
    pool = [d.text[s.start:s.end] for d in docs for s in split_sentences(d.text) if len(d.text[s.start:s.end]) > 12]
    rng = random.Random(seed)
    dest.mkdir(parents=True)
    for i in range(n):
        sents = [re.sub(r"\d+", lambda m: str(rng.randint(1, 9999)), rng.choice(pool))
                 for _ in range(rng.randint(8, 14))]
        (dest / f"doc{i:05d}.txt").write_text(f"合成文档第{i}号\n\n" + "".join(sents), encoding="utf-8")


def measure(name: str, corpus: Path, work: Path, embedder: Embedder) -> tuple[str, int, int, float, float, int]:
    s = Settings.from_env(corpus_dir=corpus, index_dir=work / "idx")
    t = time.perf_counter()
    full = build_index(s, embedder, show_progress=False)
    full_s = time.perf_counter() - t
    victim = sorted(corpus.glob("*.txt"))[len(list(corpus.glob("*.txt"))) // 2]
    victim.write_text(victim.read_text(encoding="utf-8") + "\n补充说明：本段为更新测试新增的一句话。", encoding="utf-8")
    t = time.perf_counter()
    upd = build_index(s, embedder, load_index(s), show_progress=False)
    upd_s = time.perf_counter() - t
    assert upd.changed == [victim.name], upd.changed
    return name, full.documents, full.chunks, full_s, upd_s, upd.embedded_chunks


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", type=int, default=1000)
    args = ap.parse_args()
    embedder = Embedder(Settings.from_env())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        shutil.copytree(ROOT / "corpus", t / "seed")
        rows.append(measure("seed corpus", t / "seed", t / "w1", embedder))
        synthetic_corpus(t / "synthetic", args.synthetic)
        rows.append(measure(f"{args.synthetic} synthetic documents", t / "synthetic", t / "w2", embedder))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| corpus | documents | chunks | full build (s) | update after 1 changed document (s) | chunks re-embedded |")
    print("|---|---|---|---|---|---|")
    for name, d, c, f, u, e in rows:
        print(f"| {name} | {d} | {c} | {f:.1f} | {u:.1f} | {e} |")


if __name__ == "__main__":
    main()
