"""Fitting the weights that pick the supporting sentence (``qa.answering.WEIGHTS``).

Every CMRC 2018 dev question is asked against its own paragraph (as ``qa eval --gold-context``
does); each candidate sentence gets the features the answerer uses, and a candidate is right
when it contains a gold answer. A conditional logit (softmax over each question's candidates,
L2-regularised, plain gradient descent) is fitted 5-fold by article, so that the pick rate it
reports for each fold comes from articles the weights never saw; then once on everything, and
those weights, scaled to dense = 1, are what ``WEIGHTS`` holds.

Usage: python bench/fit_sentence_weights.py --work /tmp/ev/c220
(--work: a folder that `qa eval --work` filled, so its CMRC index is reused.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answering import WEIGHTS, candidate_sentences, span_feature  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.embedding import Embedder  # noqa: E402
from qa.evaluation import load_squad  # noqa: E402
from qa.index_store import load_index  # noqa: E402
from qa.retrieval import retrieve  # noqa: E402
from qa.spans import question_type  # noqa: E402

NAMES = list(WEIGHTS)


def collect(work: Path, bench: Path, limit: int | None) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[str]]:
    settings = Settings.from_env(corpus_dir=work / "corpus", index_dir=work / "index")
    index, embedder = load_index(settings), Embedder(settings)
    _, questions = load_squad(bench)
    by_doc: dict[str, list[int]] = {}
    for c in index.iter_chunks():
        by_doc.setdefault(c.doc_id, []).append(c.chunk_id)
    groups, articles = [], []
    for q in questions[:limit]:
        qvec = embedder.query(q.question)
        hits = retrieve(index, q.question, qvec, settings, k=10, within=np.array(by_doc[q.doc_id], np.int64))
        cands = candidate_sentences(index, hits, q.question, qvec, question_type(q.question))
        for c in cands:
            c.features["span"] = span_feature(q.question, c)
        x = np.array([[c.features[n] for n in NAMES] for c in cands])
        y = np.array([any(a in c.text for a in q.answers) for c in cands], float)
        groups.append((x, y))
        articles.append(q.doc_id.split("_")[0])
    return groups, articles


def fit(groups: list[tuple[np.ndarray, np.ndarray]], steps: int = 600, lr: float = 1.0, l2: float = 1e-3) -> np.ndarray:
    usable = [(x, y / y.sum()) for x, y in groups if len(y) and y.any()]
    w = np.zeros(len(NAMES))
    for _ in range(steps):
        grad = np.zeros_like(w)
        for x, target in usable:
            s = x @ w
            p = np.exp(s - s.max())
            grad += x.T @ (p / p.sum() - target)
        w -= lr * (grad / len(usable) + l2 * w)
    return w


def pick_rate(groups: list[tuple[np.ndarray, np.ndarray]], w: np.ndarray) -> float:
    return float(np.mean([y[np.argmax(x @ w)] if len(y) else 0.0 for x, y in groups]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--bench", type=Path, default=Path("../shared/bench/cmrc2018_dev.json"))
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--limit", type=int, default=None)
    args = ap.parse_args()
    groups, articles = collect(args.work, args.bench, args.limit)
    fold_of = {a: k % args.folds for k, a in enumerate(sorted(set(articles)))}
    held_out = []
    print("| fold | questions | held-out pick rate |\n|---|---|---|")
    for k in range(args.folds):
        train = [g for g, a in zip(groups, articles) if fold_of[a] != k]
        test = [g for g, a in zip(groups, articles) if fold_of[a] == k]
        rate = pick_rate(test, fit(train))
        held_out.append((rate, len(test)))
        print(f"| {k} | {len(test)} | {rate:.3f} |")
    w = fit(groups)
    current = np.array([WEIGHTS[n] for n in NAMES])
    print(f"\nheld-out pick rate: {sum(r * n for r, n in held_out) / len(groups):.4f}")
    print(f"in-sample pick rate: {pick_rate(groups, w):.4f}")
    print(f"pick rate with qa.answering.WEIGHTS: {pick_rate(groups, current):.4f}")
    print("fitted weights, dense = 1:", {n: round(float(v / w[0]), 2) for n, v in zip(NAMES, w)})


if __name__ == "__main__":
    main()
