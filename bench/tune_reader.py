"""Choosing the reader's constants on the tune part of the data (never on val).

For each tune question the top ``--passages`` chunks are read once, both as asked (the
answer is in the corpus) and without the documents holding its answer (the right reply is a
refusal). The adaptive policy of ``qa.answering.read_hits`` is then replayed for every
combination of:

- ``RETRIEVAL_WEIGHT``: how much the fused retrieval score adds to a span's reader score;
- ``QA_READER_SURE``: the first chunk's span score from which no other chunk is read;
- ``QA_NO_ANSWER_THRESHOLD``: the confidence (sigmoid of the span score) under which it refuses.

Criteria, fixed before looking: the weight with the best F1 when every chunk is read; the
smallest ``sure`` whose F1 is within 0.5 points of reading every chunk; the threshold that
maximises answered F1 on answerable questions (refusals count 0) plus the refusal rate on
unanswerable ones.

Usage: python bench/tune_reader.py --work /tmp/ev  (qa eval --work folders named by data file)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.answering import missing_in  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.embedding import Embedder, e5_folder  # noqa: E402
from qa.evaluation import open_index, prepare  # noqa: E402
from qa.metrics import f1_score  # noqa: E402
from qa.reader.runtime import load_reader  # noqa: E402
from qa.retrieval import retrieve  # noqa: E402

WEIGHTS = [0.0, 0.5, 1.0, 2.0, 4.0]
SURE = [-6.0, -4.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, float("inf")]
# Confidence thresholds: the sigmoid of span scores from -8 to 4 in steps of 0.5.
THRESHOLDS = [round(1 / (1 + math.exp(-x)), 4) for x in np.arange(-8.0, 4.01, 0.5)]


def read_top(index, embedder, reader, settings, q, passages, within=None):
    hits = retrieve(index, q.question, embedder.query(q.question), settings, passages, within=within)
    chunks = [index.chunk(h.chunk) for h in hits]
    spans = {s.passage: s for s in reader.read(q.question, [c.text for c in chunks])}
    out = []
    for i, h in enumerate(hits):
        s = spans.get(i)
        if s:
            out.append({"i": i, "score": s.score, "fused": h.score, "f1": f1_score(q.answers, s.text)})
    return {"spans": out, "missing1": bool(missing_in(q.question, index, chunks[:1])),
            "missing": bool(missing_in(q.question, index, chunks))}


def replay(rec, w, sure):
    first = [s for s in rec["spans"] if s["i"] == 0]
    if first and first[0]["score"] >= sure and not rec["missing1"]:
        return first[0], rec["missing1"], 1
    spans = rec["spans"]
    if not spans:
        return None, rec["missing"], 3
    return max(spans, key=lambda s: s["score"] + w * s["fused"]), rec["missing"], 3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--data", type=Path, nargs="+",
                    default=[Path("../shared/bench/cmrc2018_dev.json"), Path("../shared/bench/DRCD_dev.json")])
    ap.add_argument("--passages", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="at most this many tune questions per file (smoke runs)")
    ap.add_argument("--out", type=Path, default=Path("bench/results/tune_reader.json"))
    args = ap.parse_args()
    base = Settings.from_env()
    embedder = Embedder(base)
    reader = load_reader(e5_folder(base), base.reader_weights, base.reader_runtime)
    pos, neg = [], []
    for file in args.data:
        settings, questions, _, texts = prepare(file, base, args.work / file.stem)
        index = open_index(settings, embedder)
        by_doc: dict[str, list[int]] = {}
        for c in index.iter_chunks():
            by_doc.setdefault(c.doc_id, []).append(c.chunk_id)
        tune = [q for q in questions if q.split == "tune"][: args.limit or None]
        print(f"{file.name}: {len(tune)} tune questions", file=sys.stderr)
        for q in tune:
            pos.append(read_top(index, embedder, reader, settings, q, args.passages))
            keep = [d for d, t in texts.items() if not any(a in t for a in q.answers)]
            within = np.concatenate([np.array(by_doc[d], np.int64) for d in keep if d in by_doc])
            neg.append(read_top(index, embedder, reader, settings, q, args.passages, within))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"pos": pos, "neg": neg}))
    report(pos, neg)


def report(pos, neg) -> None:
    def f1(w, sure):
        picks = [replay(r, w, sure) for r in pos]
        return 100 * np.mean([p["f1"] if p else 0.0 for p, _, _ in picks]), np.mean([n for _, _, n in picks])

    print(f"{len(pos)} answerable, {len(neg)} unanswerable tune questions\n")
    print("| retrieval weight | F1, every chunk read |\n|---|---|")
    full = {w: f1(w, float("inf"))[0] for w in WEIGHTS}
    for w in WEIGHTS:
        print(f"| {w} | {full[w]:.2f} |")
    w = max(WEIGHTS, key=lambda x: full[x])
    print("\n| sure | F1 | chunks read (mean) |\n|---|---|---|")
    rows = {s: f1(w, s) for s in SURE}
    for s, (f, n) in rows.items():
        print(f"| {s} | {f:.2f} | {n:.2f} |")
    sure = min(s for s in SURE if rows[s][0] >= full[w] - 0.5)
    print(f"\nchosen: retrieval weight {w}, sure {sure}\n")
    print("| threshold | answerable answered | F1 (refusals 0) | answered precision (F1 > 0) "
          "| unanswerable refused | sum |\n|---|---|---|---|---|---|")
    best = None
    for t in THRESHOLDS:
        a = [replay(r, w, sure) for r in pos]
        ok = [(p, m) for p, m, _ in a if p and not m and 1 / (1 + math.exp(-p["score"])) >= t]
        answered_f1 = 100 * sum(p["f1"] for p, _ in ok) / len(pos)
        precision = sum(p["f1"] > 0 for p, _ in ok) / max(1, len(ok))
        b = [replay(r, w, sure) for r in neg]
        refused = np.mean([not (p and not m and 1 / (1 + math.exp(-p["score"])) >= t) for p, m, _ in b])
        total = answered_f1 / 100 + refused
        best = max(best or (total, t), (total, t))
        print(f"| {t} | {len(ok) / len(pos):.3f} | {answered_f1:.2f} | {precision:.3f} | {refused:.3f} | {total:.3f} |")
    print(f"\nchosen threshold: {best[1]}")


if __name__ == "__main__":
    main()
