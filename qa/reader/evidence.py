"""The entity check: a question that names a place, organisation or person found nowhere in
the documents read is about something they do not cover, however well a span fits.

Names are found by jieba's part-of-speech tagger (a trained HMM with a dictionary), on text
folded to simplified characters so 繁體 questions are tagged alike. A name counts as present
when the passages hold it, or, for a name of three or more characters, all of it but one
character at either end: "辽宁省" is "辽宁" in most text, "凌源市" is "凌源".
"""

from __future__ import annotations

import logging
from functools import lru_cache

from qa.folding import fold

NAME_TAGS = {"ns": "place", "nt": "org", "nr": "person", "nrfg": "person", "nrt": "person"}
# Common nouns that jieba's dictionary tags as places: on the train part of the data they were
# most of the question "names" missing from a paragraph that answers the question.
GENERIC = frozenset({"东西", "城市", "都市", "大洋", "籍贯"})


@lru_cache(maxsize=1)
def posseg():  # type: ignore[no-untyped-def]
    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


def warm_up() -> None:
    """Load jieba's tagger before the first question, which would otherwise wait 0.8 s."""
    posseg().lcut("预热")


@lru_cache(maxsize=1024)
def question_names(question: str) -> tuple[str, ...]:
    """The places, organisations and people a question names (folded), two characters or more."""
    out = []
    for word, flag in posseg().cut(fold(question)):
        if flag in NAME_TAGS and len(word) >= 2 and word not in GENERIC and word not in out:
            out.append(word)
    return tuple(out)


def _present(name: str, text: str) -> bool:
    if name in text:
        return True
    return len(name) >= 3 and (name[:-1] in text or name[1:] in text)


def missing_names(question: str, passages: list[str]) -> list[str]:
    """The question's names that none of ``passages`` holds."""
    names = question_names(question)
    if not names:
        return []
    folded = [_folded(p) for p in passages]
    return [n for n in names if not any(_present(n, text) for text in folded)]


@lru_cache(maxsize=64)
def _folded(text: str) -> str:
    """Documents are folded once while they stay among the recently read."""
    return fold(text)
