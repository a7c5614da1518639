"""Fine-tune the reader's history layers: ``python -m qa.reader.train_history`` (GPU when there
is one, CPU otherwise; about 50 minutes on 2 CPU cores).

Every turn of the conversations built from the training part (``qa.reader.conversations``) is
one example: its question as the conversation asks it, followed by the earlier questions
(``qa.reader.history``), read in its paragraph (labelled with the gold span), in the best BM25
paragraph of another conversation without the answer and, one time in five, in a window of its
own paragraph without it (both labelled "no answer"), as ``qa.reader.train`` does. Follow-ups,
complete later questions and first questions after another conversation are all there, so the
layers learn both to use the history and to leave it when the question needs none. Only the top
``LAYERS`` layers and the head change, starting from the shipped reader's.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import random
import sys
import time
from pathlib import Path

import torch

from qa.config import Settings
from qa.embedding import e5_folder
from qa.reader.conversations import conversation_turns
from qa.reader.data import attach_negatives, load_examples
from qa.reader.history import FORMAT, LAYERS, history_path, history_question, trained_names
from qa.reader.model import WEIGHTS, base_model, file_sha256, load_weights, save_weights
from qa.reader.train import batches, features, span_loss, start, warmup_decay

log = logging.getLogger("qa.reader.train_history")


def history_examples(paths: list[Path]):  # type: ignore[no-untyped-def]
    """The training part's turns as reader examples, each with a negative paragraph."""
    examples, paragraphs = [], {}
    for path in paths:
        for t in conversation_turns(path, "train"):
            t.example.question = history_question(t.asked, t.earlier)
            examples.append(t.example)
        paragraphs.update({k: v for k, v in load_examples(path)[1].items() if v[0] == "train"})
    attach_negatives(examples, paragraphs)  # found by the question with its history
    return examples


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, nargs="+",
                   default=[Path("../shared/bench/cmrc2018_dev.json"), Path("../shared/bench/DRCD_dev.json")])
    p.add_argument("--reader", type=Path, default=WEIGHTS, help="the reader weights the layers are trained over")
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--limit", type=int, default=0, help="train on at most this many turns (smoke runs)")
    p.add_argument("--checkpoint", type=Path, help="also save the float32 state here")
    p.add_argument("--state", type=Path, help="write the file from a state --checkpoint saved, without training")
    p.add_argument("--resume", type=Path, help="start from a state --checkpoint saved: one more epoch")
    args = p.parse_args(argv)
    device = start(args.seed)
    e5 = e5_folder(Settings.from_env())
    model = base_model(e5)
    load_weights(model, args.reader)
    names = trained_names(model)
    seconds, turns = 0.0, 0
    if args.state or args.resume:
        model.load_state_dict(torch.load(args.state or args.resume), strict=False)
    if args.state:
        turns = sum(len(conversation_turns(path, "train")) for path in args.data)
    else:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(e5)
        train = history_examples(args.data)
        if args.limit:
            train = random.Random(args.seed).sample(train, min(args.limit, len(train)))
        turns = len(train)
        log.info("%d training turns, e.g. %s", turns, train[0].question)
        model = model.to(device)
        model.requires_grad_(False)
        for name, param in model.named_parameters():
            param.requires_grad_(name in names)
        params = [q for q in model.parameters() if q.requires_grad]
        opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
        feats = features(tokenizer, train, random.Random(args.seed), 192, 64, 0.2)
        total = math.ceil(len(feats) / args.batch)
        sched = warmup_decay(opt, total)
        t0 = time.time()
        model.train()
        for step, (ids, mask, labels) in enumerate(batches(feats, args.batch, tokenizer.pad_token_id), 1):
            loss = span_loss(model, ids.to(device), mask.to(device), labels.to(device), tokenizer.sep_token_id)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            if step % 10 == 0:
                log.info("step %d/%d loss %.3f %.0f s", step, total, loss.item(), time.time() - t0)
        seconds = time.time() - t0
        model.eval().cpu()
        if args.checkpoint:
            torch.save(model.trained_state(), args.checkpoint)
    state = {k: v for k, v in model.state_dict().items() if k in names}
    out = history_path(args.reader)
    meta = {"reader_sha256": file_sha256(args.reader), "layers": LAYERS, "turns": turns,
            "recipe": {"lr": args.lr, "batch": args.batch, "seed": args.seed, "epochs": 1, "max_len": 192,
                       "stride": 64, "own_negative": 0.2, "data": [str(d) for d in args.data],
                       "resumed_from": str(args.resume) if args.resume else None},
            "train_seconds": round(seconds) if not args.state else None,
            "command": "python -m qa.reader.train_history " + " ".join(argv or sys.argv[1:])}
    save_weights(model, out, meta, state, FORMAT)
    log.info("wrote %s and %s", out, write_card(out, meta))
    return 0


def write_card(path: Path, meta: dict[str, object]) -> Path:
    """A short card beside the file; what the layers do to answers is in docs/conversation.md."""
    seconds = meta["train_seconds"]
    trained = f"in {seconds} s" if seconds is not None else "written from a saved state (``--state``)"
    if meta["recipe"]["resumed_from"]:  # type: ignore[index]
        trained += ", one more epoch over a saved state (``--resume``)"
    card = f"""# qa reader: history layers

File: `{path.name}` (sha256 `{file_sha256(path)}`, {path.stat().st_size / 2**20:.1f} MiB), over the reader
weights with sha256 `{meta["reader_sha256"]}` (`qa/reader/weights/MODEL_CARD.md`); over any other
reader weights it is not used.

**What it is.** The reader's top {meta["layers"]} encoder layers and span head, fine-tuned to read a
question followed by the conversation's earlier questions (the latest first, at most three;
`qa/reader/history.py`). The embeddings and lower layers are the reader's own. `qa/answering.py`
adds its score of each of two different answers to the weighing of a follow-up's two reads.

**Data.** {meta["turns"]} turns of the conversations built by rule (`qa/reader/conversations.py`)
from the training part of CMRC 2018 dev and DRCD dev (the reader's split; the tune and
validation parts are not read). Licence as the reader's: **CC BY-SA 4.0**.

**Recipe.** `{json.dumps(meta["recipe"], ensure_ascii=False)}`; AdamW, linear warm-up (10%) and decay,
float32; {trained}.

**Command.** `{meta["command"]}`.

What it changes: docs/conversation.md.
"""
    out = path.with_name("HISTORY_CARD.md")
    out.write_text(card, encoding="utf-8")
    return out


if __name__ == "__main__":
    sys.exit(main())
