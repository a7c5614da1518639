"""Conversations made by rule from SQuAD-style paragraphs, as people would ask them.

Each paragraph's questions, in order, are one conversation. From the second question on, the
subject it repeats from the article's title or an earlier question is replaced by a pronoun or
dropped (``rewrite``). ``bench/bench_conversation.py`` measures follow-up resolution on them,
and ``qa.reader.train_history`` trains the reader's history layers on those of the training
part: both must build them alike, so the building lives here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from qa.reader.data import Example, load_examples, split_of
from qa.reader.evidence import posseg

QUESTION_WORDS = ("什么", "什麼", "哪", "谁", "誰", "多少", "几", "幾", "怎么", "怎麼", "如何", "为什么", "為什麼",
                  "是否", "何")
EDGE = set("的是了在有和与與及为為于於被把从從对對由以及其之也都而")


def subject_of(question: str, earlier: list[str]) -> str | None:
    """The longest stretch of ``question`` (two characters or more) found in an earlier text,
    that touches no question word (not even a part of one: "有什" of "有什么"; "哪一個" whole),
    cuts no number or Latin word ("194" of "1944年": nobody says "它4年"), and neither starts
    nor ends with a function character."""
    asking = [False] * len(question)  # characters of a question word: no subject touches them
    for w in QUESTION_WORDS:
        at = question.find(w)
        while at >= 0:
            # "哪一個", "哪一年": the numeral and its classifier belong to the question word
            n = len(w) + 2 if w == "哪" and question[at + 1:at + 2] == "一" else len(w)
            asking[at:at + n] = [True] * min(n, len(question) - at)
            at = question.find(w, at + 1)
    best = None
    for i in range(len(question)):
        for j in range(len(question), i + 1, -1):
            s = question[i:j]
            if best and len(s) <= len(best):
                break
            if not all(c.isalnum() or c in "《》·" for c in s) or s[0] in EDGE or s[-1] in EDGE:
                continue
            if any(asking[i:j]) or _cuts(question, i) or _cuts(question, j):
                continue
            if any(s in e for e in earlier):
                best = s
    return best


def _cuts(text: str, at: int) -> bool:
    """Whether a boundary at ``at`` falls inside a number or a Latin word ("194" of "1944年")."""
    return 0 < at < len(text) and text[at - 1].isascii() and text[at].isascii() \
        and text[at - 1].isalnum() and text[at].isalnum()


def rewrite(question: str, subject: str) -> str:
    person = any(f.startswith("nr") for _, f in posseg().cut(subject))
    at = question.index(subject)
    after = question[at + len(subject):]
    if at == 0 and not after.startswith("的"):
        return after
    return question[:at] + ("他" if person else "它") + after


@dataclass
class Turn:
    example: Example  # its question is the original one
    asked: str  # the question as the conversation asks it
    earlier: list[str]  # the questions asked before it, oldest first (the previous conversation's for a first turn)


def conversation_turns(path: Path, split: str) -> list[Turn]:
    """Every turn of the conversations of ``split``, in file order; a conversation's first turn
    gets the previous conversation's questions as its history (a change of topic)."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    by_id = {e.qid: e for e in load_examples(path)[0]}
    turns: list[Turn] = []
    previous: list[str] = []
    for article in data:
        title = article.get("title", "")
        if split_of(path.stem, article.get("title") or str(article.get("id"))) != split:
            continue
        for par in article["paragraphs"]:
            examples = [by_id[q["id"]] for q in par["qas"] if q["id"] in by_id]
            if len(examples) < 2:
                continue
            seen, asked = [title], []
            for n, e in enumerate(examples):
                subject = subject_of(e.question, seen) if n else None
                text = rewrite(e.question, subject) if subject else e.question
                turns.append(Turn(e, text, list(asked) if n else list(previous)))
                seen.append(e.question)
                asked.append(text)
            previous = asked
    return turns
