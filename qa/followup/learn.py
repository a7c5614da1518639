"""Training of the follow-up topic model from the rows ``bench/bench_conversation.py
--topic-dump`` writes on the reader's training part (each follow-up's candidate topics, each
labelled by how much of the subject taken out of it it is).

    python -m qa.followup.learn --topics T1.jsonl T2.jsonl      (train; writes weights.json)
    python -m qa.followup.learn --evaluate V.jsonl               (score the shipped weights)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from qa.followup import topics
from qa.followup.model import WEIGHTS, load_model


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
    return {"features": list(topics.FEATURES), "weights": _round(beta),
            "trained_on": {"files": [p.name for p in paths], "follow_ups": len(turns), "candidates": len(y),
                           "l2": l2, "top1_on_training_rows": round(top1, 4)}}


def evaluate_topics(path: Path) -> dict[str, float]:
    """How much of the left-out subject the top-ranked topic is, on average: by the shipped model,
    by the weighting it replaced (names first, then corpus salience halved per turn back and for
    answers), and at best (the candidate closest to the subject)."""
    turns = _rows([path])
    beta = load_model("topics", topics.FEATURES)
    f = {name: topics.FEATURES.index(name) for name in ("salience", "distance", "answer_only", "entity")}

    def salience_decay(x: np.ndarray) -> int:
        turns_back = np.round(x[:, f["distance"]] * 10)
        weight = x[:, f["salience"]] * 0.5 ** (turns_back - 1) * np.where(x[:, f["answer_only"]] > 0, 0.5, 1.0)
        return int(np.argmax(weight + 10 * x[:, f["entity"]]))

    picks = {"learned": lambda x: int(np.argmax(x @ beta)), "salience_decay": salience_decay}
    out = {name: round(float(np.mean([t["labels"][pick(np.array(t["features"]))] for t in turns])), 3)
           for name, pick in picks.items()}
    out["best_possible"] = round(float(np.mean([max(t["labels"]) for t in turns])), 3)
    out["subject_in_no_candidate"] = round(float(np.mean([max(t["labels"]) == 0 for t in turns])), 3)
    return {"follow_ups": len(turns), **out}


def _round(beta: np.ndarray) -> list[float]:
    return [round(float(b), 6) for b in beta]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--topics", nargs="+", type=Path, help="training rows (bench_conversation.py --topic-dump)")
    ap.add_argument("--evaluate", nargs="+", type=Path, help="rows to score the shipped weights on")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--out", type=Path, default=WEIGHTS)
    args = ap.parse_args()
    if args.evaluate:
        for path in args.evaluate:
            print(json.dumps({"file": path.name, **evaluate_topics(path)}))
        return
    if not args.topics:
        ap.error("--topics or --evaluate")
    model = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    model["topics"] = train_topics(args.topics, args.l2)
    args.out.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps({k: v["trained_on"] for k, v in model.items() if "trained_on" in v}, ensure_ascii=False))


if __name__ == "__main__":
    main()
