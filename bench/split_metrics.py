"""Metrics of one part of the article split, from the per-question rows of `qa eval --out`.

It puts earlier results (the rule-based answers before the reader, say) on the same
validation questions as today's `qa eval --split val`.

Usage: python bench/split_metrics.py RESULT.json DATA.json [--split val]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qa.evaluation import load_squad  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("result", type=Path)
    ap.add_argument("data", type=Path)
    ap.add_argument("--split", default="val")
    args = ap.parse_args()
    split = {q.qid: q.split for q in load_squad(args.data)[1]}
    rows = [r for r in json.loads(args.result.read_text())["questions"] if split.get(r["id"]) == args.split]
    n = max(1, len(rows))
    answered = [r for r in rows if r["status"] == "answered"]
    print(f"| {args.result.name} | {args.split} | {len(rows)} questions | sentence hit@1 "
          f"{sum(r['sentence_hit'] for r in rows) / n:.3f} | EM {100 * sum(r['em'] for r in rows) / n:.1f} "
          f"| F1 {100 * sum(r['f1'] for r in rows) / n:.1f} | refused {1 - len(answered) / n:.3f} |")


if __name__ == "__main__":
    main()
