"""Extractive answers: the supporting sentence, the answer span inside it, citations, and an
honest refusal when the documents do not hold the answer.

Only the question is embedded at query time. Sentences are scored with the vectors stored at
build time, the question's words they hold (weighted by how rare each is among the candidates),
the rank of their chunk, and, for the best few, how confidently an answer span stands in them:
docs/answers.md says why each is there and how the weights were fitted.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from qa.config import Settings
from qa.embedding import Embedder
from qa.entities import DATE, NUMBER
from qa.folding import fold
from qa.index import Index
from qa.lexical import char_tokens, query_text
from qa.records import Span
from qa.retrieval import Hit, retrieve
from qa.spans import extract_span, question_focus, question_type

NO_ANSWER = "文档中没有找到相关答案。"
SENTENCE_CHUNKS = 5  # sentences of this many top chunks compete for the answer
RERANK = 5  # this many best sentences have their answer span sought before the pick
# A conditional logit fitted on CMRC 2018 dev by bench/fit_sentence_weights.py (5-fold by
# article: held-out pick rate 0.839, in-sample 0.840), scaled to dense = 1; docs/answers.md.
WEIGHTS = {"dense": 1.0, "local_coverage": 2.26, "focus": 1.95, "chunk": 0.86, "type": 1.23, "span": 1.25}


@dataclass
class Citation:
    doc_id: str
    title: str
    start: int
    end: int
    excerpt: str
    highlight: list[int]
    answer_highlight: list[int] | None
    score: float
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclass
class Answer:
    question: str
    status: str  # "answered" or "no_answer"
    answer: str | None
    sentence: str | None
    confidence: float
    citations: list[Citation] = field(default_factory=list)
    question_type: str = "other"
    message: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def coverage(weights: dict[str, float], folded: str) -> float:
    """Share of the question's tokens (characters and bigrams) found in the folded sentence;
    it tells the confidence whether the documents speak to the question at all.

    Half plain (bigrams count double), half IDF-weighted: IDF alone favours rare words too
    much on CMRC, plain counts let common words (the city's name) outvote the telling one.
    """
    if not weights:
        return 0.0
    present = [t for t in weights if t in folded]
    plain = sum(2.0 if len(t) > 1 else 1.0 for t in present) / sum(2.0 if len(t) > 1 else 1.0 for t in weights)
    total = sum(weights.values())
    idf = sum(weights[t] for t in present) / total if total > 0 else plain
    return 0.5 * plain + 0.5 * idf


def local_coverage(tokens: list[str], folded: list[str]) -> list[float]:
    """Coverage of the question's tokens, each weighted by its rarity among the (folded)
    candidate sentences: the topic ("康王路") stands in all of them and tells none apart, while
    the predicate ("全长") stands in the one that answers."""
    n = len(folded)
    weights = {t: math.log((n + 1) / (sum(t in f for f in folded) + 0.5)) for t in tokens}
    total = sum(weights.values())
    if total <= 0:
        return [0.0] * n
    return [sum(w for t, w in weights.items() if t in f) / total for f in folded]


_WHERE = re.compile("位于|地处|坐落|分布[于在]")


def _has_type(qtype: str, sentence: str) -> bool:
    if qtype == "date":
        return bool(DATE.search(sentence))
    if qtype == "number":
        return any(ch.isdigit() for ch in sentence) and bool(NUMBER.search(sentence))
    if qtype == "place":
        return bool(_WHERE.search(sentence))
    return False


@dataclass
class Scored:
    row: int
    score: float
    dense: float
    coverage: float
    text: str
    features: dict[str, float] = field(default_factory=dict)
    span: Span | None = None


def candidate_sentences(index: Index, hits: list[Hit], question: str, qvec: np.ndarray,
                        qtype: str) -> list[Scored]:
    """The sentences of the top chunks with their features (all but "span"), unscored; kept
    apart so that ``bench/fit_sentence_weights.py`` fits the weights on exactly these."""
    rows: dict[int, int] = {}
    for rank, hit in enumerate(hits[:SENTENCE_CHUNKS], 1):
        for row in index.chunk_sentence_rows(hit.chunk):
            rows.setdefault(row, rank)
    if not rows:
        return []
    ids = np.fromiter(rows, dtype=np.int64)
    dense = index.sentence_vectors(ids) @ qvec.astype(np.float32)
    weights = index.lexical_weights(char_tokens(query_text(question)))
    texts = [index.sentence_text(row) for row in ids.tolist()]
    folded = [fold(t) for t in texts]
    local = local_coverage(list(weights), folded)
    focus = question_focus(question)
    near = local_coverage([t for t in weights if t in focus], folded)
    out = []
    for row, d, text, f, loc, foc in zip(ids.tolist(), dense.tolist(), texts, folded, local, near):
        features = {"dense": d, "local_coverage": loc, "focus": foc, "chunk": 1.0 / rows[row],
                    "type": float(_has_type(qtype, text))}
        out.append(Scored(row, 0.0, d, coverage(weights, f), text, features))
    return out


def span_feature(question: str, candidate: Scored) -> float:
    """Also keeps the span on the candidate: the one picked is answered without a second search."""
    candidate.span = extract_span(question, candidate.text)
    return candidate.span.confidence if candidate.span else 0.0


def score_sentences(index: Index, hits: list[Hit], question: str, qvec: np.ndarray, qtype: str) -> list[Scored]:
    out = candidate_sentences(index, hits, question, qvec, qtype)
    for s in out:
        s.score = sum(WEIGHTS[k] * v for k, v in s.features.items())
    out.sort(key=lambda s: -s.score)
    best = float("-inf")
    for s in out[:RERANK]:  # a sentence with the gap the question leaves, of the asked type, answers it
        if s.score + WEIGHTS["span"] <= best:
            break  # a span's confidence is at most 1: this one and the rest can no longer win
        s.features["span"] = span_feature(question, s)
        s.score += WEIGHTS["span"] * s.features["span"]
        best = max(best, s.score)
    out[:RERANK] = sorted(out[:RERANK], key=lambda s: -s.score)
    return out


def confidence(top: list[Scored]) -> float:
    """Map the evidence that the documents speak to the question to [0, 1]; calibrated on CMRC
    2018 dev (see README). The strongest evidence among the sentences that competed counts:
    which of them is picked is a separate matter."""
    dense, cov = max(s.dense for s in top), max(s.coverage for s in top)
    z = 8.0 * (dense - 0.80) + 4.0 * (cov - 0.35)
    return float(1.0 / (1.0 + np.exp(-z)))


def answer_question(index: Index, embedder: Embedder, question: str, settings: Settings,
                    top_k: int | None = None, within: np.ndarray | None = None,
                    qvec: np.ndarray | None = None) -> Answer:
    """Answer ``question``; ``qvec`` lets a caller that already embedded the question reuse it."""
    top_k = top_k or settings.top_k
    t0 = time.perf_counter()
    qvec = embedder.query(question) if qvec is None else qvec
    t1 = time.perf_counter()
    hits = retrieve(index, question, qvec, settings, k=max(top_k, SENTENCE_CHUNKS), within=within)
    t2 = time.perf_counter()
    qtype = question_type(question)
    scored = score_sentences(index, hits, question, qvec, qtype)
    result = Answer(question=question, status="no_answer", answer=None, sentence=None,
                    confidence=0.0, question_type=qtype, message=NO_ANSWER)
    if scored:
        best = scored[0]
        result.confidence = round(confidence(scored[:RERANK]), 4)
        if result.confidence >= settings.no_answer_threshold:
            sentence, span = best.text, best.span
            result.status, result.message = "answered", None
            result.sentence = sentence
            result.answer = sentence[span.start:span.end] if span else sentence
            result.citations = _citations(index, hits, top_k, scored, best, span)
    t3 = time.perf_counter()
    result.timings_ms = {"embed": round((t1 - t0) * 1000, 2), "retrieve": round((t2 - t1) * 1000, 2),
                         "select": round((t3 - t2) * 1000, 2), "total": round((t3 - t0) * 1000, 2)}
    return result


def _citations(index: Index, hits: list[Hit], top_k: int, scored: list[Scored], best: Scored,
               span: Any) -> list[Citation]:
    """The chunk of the supporting sentence first, then the other top chunks, without repeats."""
    by_row = {s.row: s for s in scored}
    rows_of = {h.chunk: index.chunk_sentence_rows(h.chunk) for h in hits}
    best_chunk = next(h for h in hits if best.row in rows_of[h.chunk])
    ordered = [best_chunk] + [h for h in hits if h.chunk != best_chunk.chunk]
    seen: set[str] = set()
    out: list[Citation] = []
    for hit in ordered:
        chunk = index.chunk(hit.chunk)
        if chunk.text in seen:
            continue
        if len(out) == top_k:
            break
        seen.add(chunk.text)
        rows = rows_of[hit.chunk]
        row = best.row if hit is best_chunk else max(rows, key=lambda r: by_row[r].score if r in by_row else -1.0)
        _, a, b = index.sentence_span(row)
        highlight = [a - chunk.start, b - chunk.start]
        answer_hl = None
        if hit is best_chunk and span is not None:
            answer_hl = [highlight[0] + span.start, highlight[0] + span.end]
        out.append(Citation(chunk.doc_id, chunk.title, chunk.start, chunk.end, chunk.text, highlight,
                            answer_hl, round(float(hit.score), 6), hit.dense_rank, hit.lexical_rank))
    return out
