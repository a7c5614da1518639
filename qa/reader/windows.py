"""Question + passage pairs cut into model windows, with every token's place in its passage.

A passage longer than a window is split into overlapping windows (``stride`` tokens shared),
so an answer near a cut is whole in at least one of them. The offsets let a span found in
token positions be returned in the passage's own characters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.folding import script, simplified

MAX_QUESTION_TOKENS = 64


@dataclass
class Windows:
    input_ids: np.ndarray  # (n, length) int64, padded
    attention: np.ndarray  # (n, length) int64
    starts: np.ndarray  # (n, length) passage char offset where each token starts; -1 off the passage
    ends: np.ndarray  # (n, length) passage char offset where each token ends
    passage: np.ndarray  # (n,) which passage each window reads

    def __len__(self) -> int:
        return len(self.passage)


def encode(tokenizer, question: str, passages: list[str], max_len: int, stride: int) -> Windows:
    """``tokenizer``: the e5 fast tokenizer (``transformers.PreTrainedTokenizerFast``).

    A question in one script over a passage in the other (a 繁體 question over 简体 documents,
    or the reverse) is read with both in simplified characters: across scripts few of their
    tokens match, and the reader refused a third of such questions (docs/answers.md). Folding
    keeps every character where it was, so the offsets still point at the passage's own
    characters. A pair in one script is read as written, as the reader was trained."""
    asked = script(question)
    across = [asked is not None and script(p) not in (None, asked) for p in passages]
    plain = _truncated(tokenizer, question)
    folded = _truncated(tokenizer, simplified(question)) if any(across) else plain
    questions = [folded if a else plain for a in across]
    passages = [simplified(p) if a else p for p, a in zip(passages, across)]
    enc = tokenizer(questions, passages, truncation="only_second", max_length=max_len,
                    stride=stride, return_overflowing_tokens=True, return_offsets_mapping=True,
                    padding="longest")
    n = len(enc["input_ids"])
    ids = np.asarray(enc["input_ids"], np.int64)
    mask = np.asarray(enc["attention_mask"], np.int64)
    starts = np.full(ids.shape, -1, np.int64)
    ends = np.full(ids.shape, -1, np.int64)
    for w in range(n):
        for t, (seq, (a, b)) in enumerate(zip(enc.sequence_ids(w), enc["offset_mapping"][w])):
            if seq == 1 and b > a:
                starts[w, t], ends[w, t] = a, b
    return Windows(ids, mask, starts, ends, np.asarray(enc["overflow_to_sample_mapping"], np.int64).reshape(n))


def _truncated(tokenizer, question: str) -> str:  # type: ignore[no-untyped-def]
    """The question cut to ``MAX_QUESTION_TOKENS``, so that the passage keeps its room."""
    ids = tokenizer(question, add_special_tokens=False)["input_ids"][:MAX_QUESTION_TOKENS]
    return tokenizer.decode(ids) if len(ids) == MAX_QUESTION_TOKENS else question


def token_span(win: Windows, w: int, start: int, end: int) -> tuple[int, int] | None:
    """Token positions of the characters ``[start, end)`` in window ``w``, or None when the
    window does not hold them whole."""
    s, e = win.starts[w], win.ends[w]
    inside = s >= 0
    if not inside.any() or start < s[inside].min() or end > e[inside].max():
        return None
    first = np.nonzero(inside & (e > start))[0]
    last = np.nonzero(inside & (s < end))[0]
    if not len(first) or not len(last) or first[0] > last[-1]:
        return None
    return int(first[0]), int(last[-1])
