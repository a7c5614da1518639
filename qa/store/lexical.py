"""BM25 over Chinese tokens, with a pluggable tokenizer, as memory-mapped NumPy arrays.

Whitespace or ``\\w+`` tokenizers turn a run of Chinese characters into one token and match
almost nothing; we use character unigrams plus bigrams (the default, best measured) or
jieba words. Text is folded first (width, case, traditional → simplified), so a 繁體
question finds 简体 text.

The scores are bm25s' (Lucene IDF, k1 1.2, b 0.75; a test checks them against bm25s), but
the index is built here, one chunk at a time into integer arrays: bm25s holds every token of
the corpus as a Python string while indexing, which at a million chunks is tens of GB. The
token-major sparse matrix (``indptr``/``indices``/``data``) is stored as ``.npy`` files and
memory-mapped, so a query touches only its tokens' postings. A query can be scored with IDF
from outside (``idf_override``): an index made of several segments scores each one with the
IDF of all of them, so a small segment of fresh documents ranks like the rest.
"""

from __future__ import annotations

import array
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from qa.folding import fold
from qa.store.tables import load_array

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


K1, B = 1.2, 0.75
BUILD_BLOCK = 50_000  # chunks sorted into the token-major matrix at a time


def idf_of(df: np.ndarray, n: float) -> np.ndarray:
    """Lucene's IDF, always positive."""
    return np.log(1.0 + (n - df + 0.5) / (df + 0.5))


@dataclass
class LexicalIndex:
    """Token-major BM25 matrix: postings of token ``t`` are ``indptr[t]:indptr[t+1]``."""

    vocab: dict[str, int]
    indptr: np.ndarray  # (V+1,) int64
    indices: np.ndarray  # (nnz,) int32 chunk rows
    data: np.ndarray  # (nnz,) float32 BM25 term contributions, IDF included
    num_docs: int
    tokenizer_name: str = "char"

    def __post_init__(self) -> None:
        self.tokenize = TOKENIZERS[self.tokenizer_name]
        self.df = np.diff(np.asarray(self.indptr)).astype(np.float64)
        self.idf = idf_of(self.df, float(self.num_docs))

    @classmethod
    def build(cls, texts: list[str], tokenizer: str = "char") -> LexicalIndex:
        if tokenizer not in TOKENIZERS:
            raise ValueError(f"unknown lexical tokenizer {tokenizer!r}; choose from {sorted(TOKENIZERS)}")
        tok = TOKENIZERS[tokenizer]
        vocab: dict[str, int] = {}
        # (token, tf) of each chunk's distinct tokens, packed: no per-chunk Python objects kept.
        token_buf, tf_buf = array.array("i"), array.array("f")
        n = len(texts)
        lengths, distinct = np.zeros(n, np.float32), np.zeros(n, np.int64)
        for i, text in enumerate(texts):
            tokens = tok(text)
            lengths[i] = len(tokens)
            u, c = np.unique(np.fromiter((vocab.setdefault(t, len(vocab)) for t in tokens), np.int32,
                                         len(tokens)), return_counts=True)
            distinct[i] = len(u)
            token_buf.frombytes(u.tobytes())
            tf_buf.frombytes(c.astype(np.float32).tobytes())
        tokens_ = np.frombuffer(token_buf, np.int32)
        df = np.bincount(tokens_, minlength=len(vocab))
        indptr = np.zeros(len(vocab) + 1, np.int64)
        np.cumsum(df, out=indptr[1:])
        idf = idf_of(df.astype(np.float64), float(n)).astype(np.float32)
        norm = (K1 * ((1 - B) + B * lengths / (float(lengths.mean()) if n and lengths.sum() > 0 else 1.0)))
        indices = np.empty(len(tokens_), np.int32)
        data = np.empty(len(tokens_), np.float32)
        # Counting sort into token-major order, a block of chunks at a time (rows stay ascending
        # within a token), so that no corpus-sized temporary beyond the output is made.
        filled = indptr[:-1].copy()
        starts = np.concatenate([[0], np.cumsum(distinct)])
        for c0 in range(0, n, BUILD_BLOCK):
            c1 = min(n, c0 + BUILD_BLOCK)
            a, b = int(starts[c0]), int(starts[c1])
            tok_b = tokens_[a:b]
            tf_b = np.frombuffer(tf_buf, np.float32, b - a, a * 4)
            rows = np.repeat(np.arange(c0, c1, dtype=np.int32), distinct[c0:c1])
            order = np.argsort(tok_b, kind="stable")
            sorted_tok = tok_b[order]
            first = np.searchsorted(sorted_tok, sorted_tok, side="left")
            pos = filled[sorted_tok] + (np.arange(len(order)) - first)
            indices[pos] = rows[order]
            data[pos] = idf[sorted_tok] * tf_b[order] / (norm[rows[order]] + tf_b[order])
            filled += np.bincount(tok_b, minlength=len(vocab))
        return cls(vocab, indptr, indices, data, n, tokenizer)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("indptr", "indices", "data"):
            np.save(folder / f"{name}.npy", getattr(self, name))
        words = sorted(self.vocab, key=self.vocab.__getitem__)
        (folder / "vocab.json").write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
        (folder / "params.json").write_text(json.dumps({"tokenizer": self.tokenizer_name, "num_docs": self.num_docs,
                                                        "k1": K1, "b": B, "idf": "lucene"}))

    @classmethod
    def load(cls, folder: Path, mmap: bool = True) -> LexicalIndex:
        params = json.loads((folder / "params.json").read_text())
        words = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
        arrays = {name: load_array(folder / f"{name}.npy", mmap) for name in ("indptr", "indices", "data")}
        return cls({w: i for i, w in enumerate(words)}, num_docs=params["num_docs"],
                   tokenizer_name=params["tokenizer"], **arrays)

    def query_tokens(self, question: str) -> list[str]:
        return self.tokenize(query_text(question))

    def scores(self, tokens: list[str], idf: dict[str, float] | None = None) -> np.ndarray | None:
        """BM25 score of every chunk (repeated tokens count again, as in bm25s), or None when no
        token is in the vocabulary. ``idf`` replaces this index's own IDF token by token."""
        parts, weights = [], []
        for t in tokens:
            i = self.vocab.get(t)
            if i is None:
                continue
            a, b = int(self.indptr[i]), int(self.indptr[i + 1])
            parts.append(np.asarray(self.indices[a:b]))
            scale = 1.0 if idf is None else idf[t] / float(self.idf[i])
            weights.append(np.asarray(self.data[a:b]) * np.float32(scale))
        if not parts:
            return None
        return np.bincount(np.concatenate(parts), np.concatenate(weights), minlength=self.num_docs).astype(np.float32)


def top_k(scores: np.ndarray | None, k: int, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` (rows, scores) with a positive score, among ``within`` rows if given."""
    empty = (np.empty(0, np.int64), np.empty(0, np.float32))
    if scores is None:
        return empty
    if within is not None:
        sub = scores[within]
        order = np.argsort(-sub, kind="stable")[:k]
        order = order[sub[order] > 0]
        return within[order].astype(np.int64), sub[order].astype(np.float32)
    k = min(k, int(np.count_nonzero(scores > 0)))
    if k <= 0:
        return empty
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return top.astype(np.int64), scores[top].astype(np.float32)
