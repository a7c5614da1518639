"""The words of a question that point back ("它", "该市", "这座城市", "这首诗"), and the kind of
thing they mean; the rules replace them by a topic of the conversation."""

from __future__ import annotations

from dataclasses import dataclass

from qa.folding import fold
from qa.followup.text import (
    CLASSIFIERS,
    DEMONSTRATIVE,
    NOT_REFERRING,
    NOUNISH,
    QUOTED_END,
    REFERRING,
    phrases,
    words,
)


@dataclass(frozen=True)
class Pointer:
    """Words that point back: where they stand, and the noun that says what kind of thing they
    mean ("这座城市": 城市, "这个村": 村, "该市": 市; none for 它, 其, 这里)."""
    start: int
    end: int
    noun: str = ""

    @property
    def kind(self) -> str:
        return self.noun[-1:]


def referring(question: str) -> Pointer | None:
    """The first words that point back ("它", "该市", "这座城市", "这首诗"), as jieba cuts them. A
    pointer right after a quotation or a book title points to it, inside the question:
    "「明日，前至郅支城…」这段文字出自何人的作品？", "《静夜思》这首诗是谁写的？"; so does one of a kind
    the question names before it ("地处嘉南平原，该平原…", "辽阳市GDP增长5%，该市…")."""
    tagged = words(question)
    for i, (word, flag, pos) in enumerate(tagged):
        plain = fold(word)
        if question[:pos].rstrip()[-1:] in QUOTED_END:
            continue
        counted = _counted(question, tagged, i)
        if counted:
            found = Pointer(pos, counted, question[pos + 2:counted])
        elif flag.startswith("r") and plain not in NOT_REFERRING and \
                (plain in REFERRING or (len(plain) == 2 and plain[0] in "该此这那其本")):
            after = tagged[i + 1] if i + 1 < len(tagged) else ("", "", 0)
            if plain in DEMONSTRATIVE and after[1].startswith("n"):  # "该|平原", cut apart
                found = Pointer(pos, after[2] + len(after[0]), after[0])
            else:
                kind = word[1:] if plain not in REFERRING and fold(word[1:]) not in REFERRING else ""
                found = Pointer(pos, pos + len(word), kind)  # "该市": 市
        else:
            continue
        before = fold(question[:pos])
        if found.kind and (fold(found.noun) in before or
                           any(len(p.text) >= 2 and p.text.endswith(fold(found.kind)) for p in phrases(before))):
            continue
        return found
    return None


def _counted(question: str, tagged: tuple[tuple[str, str, int], ...], i: int) -> int:
    """Where "这首诗", "这座城市", "那条河", "该项目" end (a demonstrative, a classifier, its noun),
    else 0. jieba cuts and tags them every way ("这|首|诗", "这|本书", "这条|河", "这家|公司"), so
    the characters decide: the noun is the word that covers the character after the classifier."""
    pos = tagged[i][2]
    if fold(question[pos:pos + 1]) not in DEMONSTRATIVE or fold(question[pos + 1:pos + 2]) not in CLASSIFIERS:
        return 0
    for word, flag, at in tagged[i:]:
        if at <= pos + 2 < at + len(word):
            return at + len(word) if flag.startswith(NOUNISH) or at == pos + 1 else 0
    return 0
