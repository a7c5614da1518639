"""Training and validation examples from SQuAD-style files, split by article.

The split is a hash of the data set's name and the article's title, so it does not depend on
the order of the file and every article (all its paragraphs) lies on one side. ``train`` fits
the weights, ``tune`` chooses the reader's few constants (the refusal threshold), and ``val``
is only measured.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

SPLITS = (("train", 70), ("tune", 80), ("val", 100))  # cumulative percentages


@dataclass
class Example:
    qid: str
    question: str
    context: str
    answers: list[tuple[str, int]]  # (text, start in context)
    paragraph: str  # paragraph id, unique across files
    split: str
    negative: str | None = None  # a retrieved paragraph of the same split without the answer


def split_of(dataset: str, title: str) -> str:
    bucket = int(hashlib.sha1(f"{dataset}\x00{title}".encode()).hexdigest(), 16) % 100
    return next(name for name, upto in SPLITS if bucket < upto)


def load_examples(path: Path) -> tuple[list[Example], dict[str, tuple[str, str]]]:
    """Examples with answers, and every paragraph as ``{paragraph id: (split, text)}``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    dataset = path.stem
    examples: list[Example] = []
    paragraphs: dict[str, tuple[str, str]] = {}
    for article in data["data"]:
        split = split_of(dataset, article.get("title") or str(article.get("id")))
        for p_no, par in enumerate(article["paragraphs"]):
            pid = f"{dataset}/{article.get('id', '')}/{p_no}"
            context = par["context"]
            paragraphs[pid] = (split, context)
            for qa in par["qas"]:
                answers = [(a["text"], a["answer_start"]) for a in qa.get("answers", [])
                           if a["text"].strip() and context[a["answer_start"]:].startswith(a["text"])]
                if answers:
                    examples.append(Example(qa["id"], qa["question"], context, answers, pid, split))
    return examples, paragraphs


def attach_negatives(examples: list[Example], paragraphs: dict[str, tuple[str, str]]) -> None:
    """Give each question the best BM25 paragraph (character unigrams and bigrams, as the
    lexical index) of its own split that is not its paragraph and holds none of its answers:
    the passage a retriever would wrongly hand the reader, to be read as "no answer"."""
    import bm25s

    from qa.store.lexical import char_tokens

    for split in {s for s, _ in paragraphs.values()}:
        ids = [pid for pid, (s, _) in paragraphs.items() if s == split]
        retriever = bm25s.BM25()
        retriever.index([char_tokens(paragraphs[p][1]) or ["_"] for p in ids], show_progress=False)
        todo = [e for e in examples if e.split == split]
        k = min(10, len(ids))
        found, _ = retriever.retrieve([char_tokens(e.question) or ["_"] for e in todo], k=k, show_progress=False)
        for e, row in zip(todo, found):
            for i in row:
                pid = ids[int(i)]
                text = paragraphs[pid][1]
                if pid != e.paragraph and not any(a in text for a, _ in e.answers):
                    e.negative = text
                    break

