"""Length-preserving folding for matching: full-width to half-width, upper to lower case, and
traditional to simplified characters.

Every output character stands at the same index as its input character, so a match found
in folded text is a match at the same offsets in the document's own characters. Phrase-level
OpenCC conversions are left out on purpose: they could change the length.

``simplified`` folds the script alone, and ``script`` tells which one a text is written in: the
reader reads a question and a passage of different scripts in simplified characters
(``qa.reader.windows``).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in list(range(0xFF01, 0xFF5F)) + [0x3000, 0x2018, 0x2019, 0x201C, 0x201D]:
        folded = unicodedata.normalize("NFKC", chr(cp))
        if len(folded) == 1:
            table[cp] = folded
    table.update({0x3000: " ", 0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"',
                  0x3002: "。", 0xFF61: "。"})
    for cp in range(ord("A"), ord("Z") + 1):
        table[cp] = chr(cp + 32)
    for cp in range(ord("Ａ"), ord("Ｚ") + 1):
        table[cp] = chr(cp - ord("Ａ") + ord("a"))
    table.update(_characters())
    return table


@lru_cache(maxsize=1)
def _characters() -> dict[int, str]:
    """Traditional characters to simplified, one for one (OpenCC's character table)."""
    return {ord(t): s for t, s in _opencc_pairs("TSCharacters.txt")}


@lru_cache(maxsize=1)
def _traditional_only() -> frozenset[str]:
    return frozenset(chr(cp) for cp in _characters())


@lru_cache(maxsize=1)
def _simplified_only() -> frozenset[str]:
    """Simplified characters that traditional text writes otherwise (OpenCC's s2t table)."""
    return frozenset(s for s, _ in _opencc_pairs("STCharacters.txt"))


def _opencc_pairs(name: str) -> list[tuple[str, str]]:
    """(character, its first conversion) where the two differ, from one of OpenCC's tables."""
    try:
        import opencc

        lines = (Path(opencc.__file__).parent / "dictionary" / name).read_text(encoding="utf-8").splitlines()
    except (ImportError, OSError):  # pragma: no cover - opencc is a declared dependency
        return []
    pairs = []
    for line in lines:
        parts = line.split("\t")
        if len(parts) == 2 and len(parts[0]) == 1:
            other = parts[1].split(" ")[0]
            if len(other) == 1 and parts[0] != other:
                pairs.append((parts[0], other))
    return pairs


def fold(text: str) -> str:
    """Fold ``text`` for matching; ``len(fold(t)) == len(t)`` always holds."""
    return text.translate(_table())


def simplified(text: str) -> str:
    """``text`` with its traditional characters simplified and nothing else changed (case, width
    and punctuation stay); ``len(simplified(t)) == len(t)`` always holds."""
    return text.translate(_characters())


def script(text: str) -> str | None:
    """"traditional" or "simplified", by which script's own characters ``text`` holds more of;
    None when it holds neither more (most characters are shared by both)."""
    traditional = sum(ch in _traditional_only() for ch in text)
    simple = sum(ch in _simplified_only() for ch in text)
    if traditional == simple:
        return None
    return "traditional" if traditional > simple else "simplified"
