"""Span EM/F1 as the CMRC 2018 official script computes them: punctuation removed, F1 over
characters (English words and numbers whole) through the longest common substring, the
maximum over the gold answers."""

from __future__ import annotations

PUNCT = set("-:_*^/\\~`+=，。：？！“”；’《》……·、「」（）－～『』")


def _segments(text: str) -> list[str]:
    out: list[str] = []
    word = ""
    for ch in text:
        if ch in PUNCT or ch.isspace() or ("\u4e00" <= ch <= "\u9fff") or not ch.isascii():
            if word:
                out.append(word)
                word = ""
            if not (ch in PUNCT or ch.isspace()):
                out.append(ch)
        elif ch.isalnum():
            word += ch
        elif word:
            out.append(word)
            word = ""
    if word:
        out.append(word)
    return out


def _lcs(a: list[str], b: list[str]) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def f1_score(answers: list[str], prediction: str) -> float:
    best = 0.0
    pred = _segments(prediction)
    for ans in answers:
        gold = _segments(ans)
        n = _lcs(gold, pred)
        if n:
            p, r = n / len(pred), n / len(gold)
            best = max(best, 2 * p * r / (p + r))
    return best


def em_score(answers: list[str], prediction: str) -> float:
    def strip(s: str) -> str:
        return "".join(c for c in s if c not in PUNCT and not c.isspace())
    return float(any(strip(a) == strip(prediction) for a in answers))
