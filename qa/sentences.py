"""Chinese sentence boundaries.

A sentence ends at ``。！？；!?;…`` together with any closing quotes or brackets that follow
(``。”``). A terminator between two digits is not a boundary, and ``.`` never is one, so
``15.2万``, ``9.1%`` and ``2019年7月`` stay whole.
"""

from __future__ import annotations

import re

from qa.records import Sentence

TERMINATORS = "。！？；!?;…"
_BOUNDARY = re.compile(r"[。！？；!?;]+[”’」』）)】》\"']*|…+[”’」』）)】》\"']*")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Sentences of ``text[start:end]`` as offsets into ``text``, whitespace trimmed.

    Line breaks also end a sentence: the cleaner puts each paragraph on its own line.
    """
    end = len(text) if end is None else end
    out: list[Sentence] = []
    for line_start, line_end in _lines(text, start, end):
        s = line_start
        for m in _BOUNDARY.finditer(text, line_start, line_end):
            a, b = m.start(), m.end()
            if a > 0 and b < len(text) and text[a - 1].isdigit() and text[b].isdigit():
                continue
            _emit(text, s, b, out)
            s = b
        _emit(text, s, line_end, out)
    return out


def _lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    s = start
    while s < end:
        nl = text.find("\n", s, end)
        e = end if nl < 0 else nl
        spans.append((s, e))
        s = e + 1
    return spans


def _emit(text: str, a: int, b: int, out: list[Sentence]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        out.append(Sentence(a, b))
