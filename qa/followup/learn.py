"""Training of the two follow-up models from rows that ``bench/bench_conversation.py`` writes
on the reader's training part: ``--topic-dump`` (each follow-up's candidate topics, the one
taken out of it marked) and ``--dump`` (each follow-up read both ways, with both answers' F1).

    python -m qa.followup.learn --topics T1.jsonl T2.jsonl --choice C1.jsonl C2.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from qa.followup import choice, topics
from qa.followup.model import WEIGHTS


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weighted logistic regression by Newton's method (thousands of rows, a dozen features)."""
    beta = np.zeros(x.shape[1])
    reg = l2 * np.eye(x.shape[1])
    reg[0, 0] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-x @ beta))
        grad = x.T @ (w * (p - y)) + reg @ beta
        hess = (x * (w * p * (1 - p))[:, None]).T @ x + reg
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def _rows(paths: list[Path]) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for path in paths for line in path.read_text(encoding="utf-8").splitlines()]


def train_topics(paths: list[Path], l2: float = 1.0) -> dict[str, object]:
    """Each candidate is a row, labelled by how much of the subject the follow-up left out it is
    (1 for the subject itself, the share of it for a part of it); every follow-up weighs one in
    all, so long conversations do not dominate."""
    turns = [t for t in _rows(paths) if any(t["labels"])]
    x = np.array([f for t in turns for f in t["features"]])
    y = np.array([float(v) for t in turns for v in t["labels"]])
    w = np.array([1.0 / len(t["labels"]) for t in turns for _ in t["labels"]])
    beta = fit(x, y, w, l2)
    top1 = float(np.mean([t["labels"][int(np.argmax(np.array(t["features"]) @ beta))] for t in turns]))
    return {"features": list(topics.FEATURES), "weights": _round(beta), "threshold": 0.5,
            "trained_on": {"files": [p.name for p in paths], "follow_ups": len(turns), "candidates": len(y),
                           "l2": l2, "top1_on_training_rows": round(top1, 4)}}


def train_choice(paths: list[Path], l2: float = 1.0) -> dict[str, object]:
    """Each follow-up read both ways is a row, labelled by which answer scored the higher F1
    against the gold (rows where both scored alike teach nothing), weighted by the difference."""
    rows = [r for r in _rows(paths) if abs(r["f1_carried"] - r["f1_alone"]) > 1e-9]
    x = np.array([r["features"] for r in rows])
    y = np.array([float(r["f1_carried"] > r["f1_alone"]) for r in rows])
    w = np.array([abs(r["f1_carried"] - r["f1_alone"]) for r in rows])
    beta = fit(x, y, w, l2)
    agree = float(np.average((x @ beta >= 0) == (y == 1), weights=w))
    return {"features": list(choice.FEATURES), "weights": _round(beta), "threshold": 0.5,
            "trained_on": {"files": [p.name for p in paths], "rows": len(rows), "carried_better": int(y.sum()),
                           "l2": l2, "weighted_agreement_on_training_rows": round(agree, 4)}}


def _round(beta: np.ndarray) -> list[float]:
    return [round(float(b), 6) for b in beta]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--topics", nargs="*", type=Path, default=[])
    ap.add_argument("--choice", nargs="*", type=Path, default=[])
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    args = ap.parse_args()
    model = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    if args.topics:
        model["topics"] = train_topics(args.topics, args.l2)
    if args.choice:
        model["choice"] = train_choice(args.choice, args.l2)
    args.out.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v["trained_on"] for k, v in model.items() if "trained_on" in v}, ensure_ascii=False))


if __name__ == "__main__":
    main()
