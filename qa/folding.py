"""Length-preserving folding for matching: full-width to half-width, upper to lower case, and
traditional to simplified characters.

Every output character stands at the same index as its input character, so a match found
in folded text is a match at the same offsets in the document's own characters. Phrase-level
OpenCC conversions are left out on purpose: they could change the length.
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
    try:
        import opencc

        path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 2 and len(parts[0]) == 1:
                simp = parts[1].split(" ")[0]
                if len(simp) == 1 and parts[0] != simp:
                    table[ord(parts[0])] = simp
    except (ImportError, OSError):  # pragma: no cover - opencc is a declared dependency
        pass
    return table


def fold(text: str) -> str:
    """Fold ``text`` for matching; ``len(fold(t)) == len(t)`` always holds."""
    return text.translate(_table())
