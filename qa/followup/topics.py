"""The topic a follow-up refers to, ranked by a learned model over the conversation's phrases.

Every earlier turn offers candidates: its noun phrases (runs of noun-like words, book titles
whole), its names and its single nouns, from the question as resolved and from the answer; so
does the title of the document the last answer came from. What a person leaves out of a
follow-up is the conversation's subject: a name that the earlier questions repeat, that opens
them, that the document's title holds, that the passage the last answer came from keeps
mentioning, that is rare in the corpus. A logistic model weighs those
signals; it was trained on conversations built from the reader's training part of CMRC 2018 dev
and DRCD dev, where the subject taken out of each follow-up is known
(``python -m qa.followup.learn``); its weights ship in ``weights.json``.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from qa.folding import fold
from qa.followup.model import load_model
from qa.followup.text import ENTITY, INTERROGATIVE, NOUNISH, REFERRING, Turn, names_a_thing, phrases, words

FEATURES = ("bias", "salience", "salience_rank", "distance", "turns_mentioning", "in_first_turn",
            "answer_only", "entity", "book", "phrase", "single_word", "chars", "opens_question",
            "has_digit", "inside_other", "holds_other", "in_title", "title_only", "in_passage",
            "passage_mentions")


@dataclass
class Candidate:
    text: str
    distance: int = 99  # turns back of its nearest mention
    opening: bool = False  # the turn that named the current subject mentions it
    questions: set[int] = field(default_factory=set)  # earlier questions that mention it
    answers: set[int] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)  # phrase, entity, word, book
    opens: bool = False  # it opens one of the questions
    titled: bool = False  # the title of the conversation's document holds it
    mentions: int = 0  # times the passage the last answer came from mentions it


def _found(text: str) -> list[tuple[str, str, int]]:
    """The candidate phrases of one text: (phrase, kind, start)."""
    found: list[tuple[str, str, int]] = []
    for p in phrases(text):
        found.append((p.text, "book" if p.text.startswith("《") else "phrase", p.start))
    for w, flag, pos in words(text):
        plain = fold(w)
        if len(w) >= 2 and flag.startswith(NOUNISH) and plain not in INTERROGATIVE and plain not in REFERRING:
            found.append((w, "entity" if flag in ENTITY else "word", pos))
    return found


def candidates(history: list[Turn], resolved: list[str], opening: int = 0, title: str = "",
               passage: str = "", document: str = "") -> dict[str, Candidate]:
    """Every phrase of the earlier turns (their questions as resolved, and their answers) and of
    ``title``, the title of the document the conversation is about, when it names a thing rather
    than being a headline. ``passage``: the text of the chunk the last answer came from, whose
    mentions of each candidate are counted, and whose own form of a candidate it mentions (the
    most frequent) is the one carried in.
    ``opening``: the turn that named the current subject (the first, unless a later question
    named a subject of its own); its phrases count as the first turn's. ``document``: the whole
    text of the conversation's document; a phrase of a title of several phrases that it never
    mentions below the title is a headline's word, not the subject (jieba's tags let some
    headlines through ``names_a_thing``)."""
    out: dict[str, Candidate] = {}
    n = len(resolved)
    for i, (turn, question) in enumerate(zip(history, resolved)):
        for text, is_answer in ((question, False), (turn.answer or "", True)):
            for text_, kind, pos in _found(text):
                c = out.setdefault(fold(text_), Candidate(text_))
                c.distance = min(c.distance, n - i)
                (c.answers if is_answer else c.questions).add(i)
                c.opening = c.opening or (i == opening and not is_answer)
                c.kinds.add(kind)
                c.opens = c.opens or (pos == 0 and not is_answer)
    if title and names_a_thing(title):
        # one noun phrase names a thing, even one its text writes otherwise (DRCD's mainland
        # titles over Taiwanese texts); of several, only those the text speaks of again
        body = _folded_body(document, title) if document and len(phrases(title)) > 1 else None
        for text_, kind, _ in _found(title):
            key = fold(text_)
            if body is not None and key not in body and key not in out:
                continue
            if any("\u3400" <= ch <= "\u9fff" for ch in text_):  # a file name's codes ("000_74ec05") are no topic
                out.setdefault(key, Candidate(text_)).kinds.add(kind)
        plain = fold(title)
        for key, c in out.items():
            c.titled = key in plain
    if passage:
        plain = fold(passage)
        for key, c in out.items():
            # the passage's own forms of it (folding keeps lengths, so a folded match is its own span)
            forms = Counter(passage[m.start():m.end()] for m in re.finditer(re.escape(key), plain))
            c.mentions = sum(forms.values())
            if forms:  # carried in as the passage most often writes it (a title in 简体 over a text in 繁體)
                c.text = forms.most_common(1)[0][0]
    return out


@functools.lru_cache(maxsize=8)
def _folded_body(document: str, title: str) -> str:
    """The folded text of ``document`` below the title line that heads it, if it does. Cached:
    folding a book costs tens of milliseconds, and a conversation asks about one document turn
    after turn."""
    start = len(document) - len(document.lstrip())
    plain = fold(document[start:])
    return plain[len(title):] if plain.startswith(fold(title)) else plain


def features(cands: dict[str, Candidate], salience: Callable[[str], float]) -> tuple[list[str], np.ndarray]:
    keys = list(cands)
    sal = np.array([salience(cands[k].text) for k in keys])
    top = sal.max() if len(sal) and sal.max() > 0 else 1.0
    order = np.argsort(-sal)
    rank = np.empty(len(keys))
    rank[order] = np.arange(len(keys))
    rows = []
    for j, k in enumerate(keys):
        c = cands[k]
        rows.append((1.0, sal[j] / top, min(rank[j], 10) / 10, min(c.distance, 10) / 10, min(len(c.questions), 5) / 5,
                     float(c.opening), float(bool(c.answers) and not c.questions), float("entity" in c.kinds),
                     float("book" in c.kinds), float("phrase" in c.kinds), float(c.kinds <= {"word", "entity"}),
                     min(len(c.text), 12) / 12, float(c.opens), float(any(ch.isdigit() for ch in c.text)),
                     float(any(k != o and k in o for o in keys)), float(any(k != o and o in k for o in keys)),
                     float(c.titled), float(not c.questions and not c.answers), float(c.mentions > 0),
                     min(c.mentions, 5) / 5))
    return [cands[k].text for k in keys], np.array(rows, dtype=np.float64).reshape(len(keys), len(FEATURES))


@functools.cache
def _model() -> np.ndarray:
    return load_model("topics", FEATURES)


def ranked(history: list[Turn], resolved: list[str], salience: Callable[[str], float],
           question: str = "", opening: int = 0, title: str = "", passage: str = "",
           document: str = "") -> list[str]:
    """The conversation's topics, most likely subject first; those ``question`` already holds
    are left out."""
    cands = candidates(history, resolved, opening, title, passage, document)
    own = fold(question)
    cands = {k: c for k, c in cands.items() if k not in own}
    if not cands:
        return []
    texts, x = features(cands, salience)
    scores = x @ _model()
    return [texts[i] for i in np.argsort(-scores, kind="stable")]
