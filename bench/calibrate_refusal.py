"""Choosing the no-answer threshold by measurement.

Positives: CMRC 2018 dev questions asked against the index of all CMRC paragraphs (each
question has an answer there). Negatives: the same questions asked against the seed corpus,
which is about other things, plus hand-written off-topic questions. For each threshold the
table shows what share of positives is still answered, how often an answered positive's
sentence holds the gold answer, and what share of negatives is refused.

Usage: python bench/calibrate_refusal.py --work /tmp/ev/c220 [--limit 1000]
(--work: a folder that `qa eval --work` filled, so the CMRC index is reused.)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answering import answer_question  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.embedding import Embedder  # noqa: E402
from qa.evaluation import load_squad  # noqa: E402
from qa.index_store import load_index  # noqa: E402
from qa.service import QAService  # noqa: E402

OFF_TOPIC = ["珠穆朗玛峰的海拔有多高？", "今天北京的天气怎么样？", "Python 的作者是谁？", "月球到地球的距离是多少？",
             "如何做红烧肉？", "苹果公司的创始人是谁？", "世界上最长的河流是哪条？", "光速是多少？"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--bench", type=Path, default=Path("../shared/bench/cmrc2018_dev.json"))
    ap.add_argument("--limit", type=int, default=1000)
    args = ap.parse_args()
    base = Settings.from_env()
    embedder = Embedder(base)
    _, questions = load_squad(args.bench)
    questions = questions[:args.limit]
    cmrc = load_index(base.replace(corpus_dir=args.work / "corpus", index_dir=args.work / "index"))
    seed = QAService(base, embedder).load(show_progress=False)
    zero = base.replace(no_answer_threshold=0.0)
    pos, neg = [], []
    for q in questions:
        v = embedder.query(q.question)
        a = answer_question(cmrc, embedder, q.question, zero, qvec=v)
        pos.append((a.confidence, any(g in (a.sentence or "") for g in q.answers)))
        neg.append(answer_question(seed, embedder, q.question, zero, qvec=v).confidence)
    for text in OFF_TOPIC:
        neg.append(answer_question(seed, embedder, text, zero).confidence)
    print(f"{len(pos)} positives, {len(neg)} negatives (current threshold {base.no_answer_threshold})")
    print("| threshold | positives answered | hit@1 among answered | negatives refused |\n|---|---|---|---|")
    for t in [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]:
        answered = [h for c, h in pos if c >= t]
        print(f"| {t:.1f} | {len(answered) / len(pos):.3f} | {sum(answered) / max(1, len(answered)):.3f} "
              f"| {sum(c < t for c in neg) / len(neg):.3f} |")


if __name__ == "__main__":
    main()
