"""BM25 over Chinese tokens, with a pluggable tokenizer.

Whitespace or ``\\w+`` tokenizers turn a run of Chinese characters into one token and match
almost nothing; we use character unigrams plus bigrams (the default, best measured) or
jieba words. Text is folded first (width, case, traditional → simplified), so a 繁體
question finds 简体 text.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from qa.folding import fold

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+|[a-z0-9]+(?:[.%][0-9a-z]+)*%?")
# Words that ask rather than tell: matching them only finds other questions.
QUESTION_WORDS = ("为什么", "什么", "多少", "哪些", "哪个", "哪家", "哪里", "哪儿", "哪一年", "哪年", "哪位",
                  "哪", "几", "谁", "何时", "何地", "何处", "怎么", "怎样", "如何", "是否", "吗", "呢", "请问")
_QUESTION = re.compile("|".join(sorted(QUESTION_WORDS, key=len, reverse=True)))


def char_tokens(text: str) -> list[str]:
    """Unigrams and bigrams of each Chinese run; Latin words and numbers whole."""
    out: list[str] = []
    for m in _TOKEN.finditer(fold(text)):
        run = m.group()
        if run[0].isascii():
            out.append(run)
            continue
        out.extend(run)
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


@lru_cache(maxsize=1)
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def jieba_tokens(text: str) -> list[str]:
    words = _jieba().lcut_for_search(fold(text))
    return [w for w in words if _TOKEN.fullmatch(w)]


TOKENIZERS: dict[str, Callable[[str], list[str]]] = {"char": char_tokens, "jieba": jieba_tokens}


def query_text(question: str) -> str:
    """The question without its interrogative words, for lexical matching."""
    return _QUESTION.sub(" ", fold(question))


class LexicalIndex:
    """A bm25s index and the tokenizer it was built with (saved by name in ``params``)."""

    def __init__(self, retriever, tokenizer: str) -> None:  # type: ignore[no-untyped-def]
        self.retriever = retriever
        self.tokenizer_name = tokenizer
        self.tokenize = TOKENIZERS[tokenizer]
        self.vocab: dict[str, int] = retriever.vocab_dict

    @classmethod
    def build(cls, texts: list[str], tokenizer: str = "char") -> LexicalIndex:
        import bm25s

        if tokenizer not in TOKENIZERS:
            raise ValueError(f"unknown lexical tokenizer {tokenizer!r}; choose from {sorted(TOKENIZERS)}")
        tok = TOKENIZERS[tokenizer]
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        retriever.index([tok(t) or [""] for t in texts], show_progress=False)
        return cls(retriever, tokenizer)

    def save(self, folder: Path) -> None:
        self.retriever.save(str(folder), show_progress=False)
        (folder / "qa_lexical.json").write_text(json.dumps({"tokenizer": self.tokenizer_name}))

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> LexicalIndex:
        import bm25s

        meta = json.loads((folder / "qa_lexical.json").read_text())
        retriever = bm25s.BM25.load(str(folder), mmap=mmap, show_progress=False, verbosity=0)
        return cls(retriever, meta["tokenizer"])

    @cached_property
    def idf(self) -> np.ndarray:
        """Inverse document frequency of each vocabulary entry, from the index's postings."""
        indptr = np.asarray(self.retriever.scores["indptr"])
        df = np.diff(indptr).astype(np.float64)
        n = float(self.retriever.scores["num_docs"])
        return np.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def weights(self, tokens: list[str]) -> dict[str, float]:
        """IDF of each distinct token; a token the corpus lacks gets the highest weight."""
        idf = self.idf
        top = float(idf.max()) if len(idf) else 1.0
        out = {}
        for t in set(tokens):
            i = self.vocab.get(t)
            out[t] = float(idf[i]) if i is not None and i < len(idf) else top
        return out

    def scores(self, question: str) -> np.ndarray | None:
        """BM25 score of every chunk, or None when the question shares no token with the corpus."""
        tokens = [t for t in self.tokenize(query_text(question)) if t in self.vocab]
        return self.retriever.get_scores(tokens) if tokens else None

    def search(self, question: str, k: int, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top ``k`` (ids, scores) by BM25, among ``within`` rows if given; chunks sharing no token are left out."""
        scores = self.scores(question)
        if scores is None:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        if within is not None:
            sub = scores[within]
            order = np.argsort(-sub, kind="stable")[:k]
            order = order[sub[order] > 0]
            return within[order].astype(np.int64), sub[order].astype(np.float32)
        k = min(k, int(np.count_nonzero(scores)))
        if k <= 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return top.astype(np.int64), scores[top].astype(np.float32)
