"""Extractive answers: the learned reader reads the passages retrieval returns, and the best
span, with the sentence that holds it and the citations, is the answer; when no passage holds
one with confidence, or the question names something the passages never mention, the service
says so.

Reading costs far more than retrieving on two cores, so it is adaptive: the top chunk first,
then the next ones only when the first read is unsure (docs/answers.md measures the gain and
the time of each passage read).
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from qa.config import Settings
from qa.embedding import Embedder
from qa.followup import Turn, index_salience, resolve
from qa.followup.focus import conversation_chunk, document_text
from qa.question_type import question_type
from qa.reader.evidence import missing_names, question_names
from qa.reader.runtime import Reader, SpanScore
from qa.records import Chunk
from qa.retrieval import Hit, retrieve
from qa.sentences import split_sentences
from qa.store.index import Index

NO_ANSWER = "文档中没有找到相关答案。"
# A span's reader score plus this times its chunk's fused retrieval score (in [0, 1]) ranks the
# spans of different passages; fitted on the tune part of the data (bench/tune_reader.py).
RETRIEVAL_WEIGHT = 4.0
# A follow-up's standalone form is kept unless the question as asked reads with a span score (the
# reader's logit; confidences saturate near 1) above the standalone one's plus this; chosen on the
# tune part (bench/bench_conversation.py --split tune, docs/conversation.md).
FOLLOWUP_MARGIN = 0.0
# A question that names a subject of its own is read with the conversation's topic in front too,
# and that form is kept only when its span score is above the question's own by this; chosen on
# the tune parts (docs/conversation.md).
NAMED_MARGIN = 1.0
# Likewise for a question that holds a phrase as salient as the conversation's topic but no name
# ("对外宣称领导几万大军？" after questions about 王守仁); chosen on the tune parts and 200
# conversations of each training part (docs/conversation.md).
OWN_PHRASE_MARGIN = 0.0


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
    page: int | None = None  # 1-based page of a PDF or slide of a deck
    location: str | None = None  # "第3页", "Sheet1 第12行", or the heading path


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
    passages_read: int = 0
    missing: list[str] = field(default_factory=list)  # names of the question absent from what was read
    resolved_question: str = ""  # the standalone question used (``question`` unless history filled it in)
    span_score: float | None = None  # the best span's reader score (a logit: confidence saturates near 1)
    build_id: str | None = None  # the index build read: every part of one answer comes from one build

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Pick:
    hit: Hit
    chunk: Chunk
    span: SpanScore
    rank: float


def read_hits(reader: Reader, question: str, index: Index, hits: list[Hit], settings: Settings,
              passages: int) -> tuple[list[Pick], list[Chunk], list[str]]:
    """Spans of the top ``passages`` chunks, read adaptively: the first alone, the others only
    when its best span is unsure or its document does not name everything the question names.
    Also the chunks read and the question's names missing from their documents."""
    chunks = [index.chunk(h.chunk) for h in hits[:passages]]
    picks = _read(reader, question, hits, chunks, 0, 1)
    missing = missing_in(question, index, chunks[:1])
    unsure = not picks or picks[0].span.score < settings.reader_sure
    if len(chunks) > 1 and (unsure or missing):
        picks += _read(reader, question, hits, chunks, 1, len(chunks))
        missing = missing_in(question, index, chunks)
    else:
        chunks = chunks[:1]
    picks.sort(key=lambda p: -p.rank)
    return picks, chunks, missing


def _read(reader: Reader, question: str, hits: list[Hit], chunks: list[Chunk], start: int, end: int) -> list[Pick]:
    return [Pick(hits[start + s.passage], chunks[start + s.passage], s,
                 s.score + RETRIEVAL_WEIGHT * hits[start + s.passage].score)
            for s in reader.read(question, [c.text for c in chunks[start:end]])]


def missing_in(question: str, index: Index, chunks: list[Chunk]) -> list[str]:
    """The entity check, looking in the documents the chunks come from, whole: a document names
    its subject once and then speaks of it without the name. Questions that name nothing cost
    no document read."""
    if not question_names(question):
        return []
    docs = dict.fromkeys(c.doc_id for c in chunks)
    texts = [c.title for c in chunks] + [index.documents[d].text for d in docs if d in index.documents]
    return missing_names(question, texts)


def answer_question(index: Index, embedder: Embedder, reader: Reader, question: str, settings: Settings,
                    top_k: int | None = None, within: np.ndarray | None = None,
                    qvec: np.ndarray | None = None, passages: int | None = None,
                    history: list[Turn] | None = None) -> Answer:
    """``history``: the earlier turns of a conversation, oldest first. A follow-up is made
    standalone from them and from the document the last answer came from (``qa.followup``);
    when that changed the question, or the question names a subject of its own but may still be
    about the conversation's, both forms are read (the standalone one in that document first)
    and ``_choose`` keeps one: the rules misjudge rare names that jieba cuts apart, and a
    question that names its own subject may have moved the conversation on.
    ``qvec`` lets a caller that already embedded the question reuse it; ``within`` and
    ``passages`` let ``qa eval --gold-context`` read one paragraph's chunks whole."""
    if history:
        t = time.perf_counter()
        found = conversation_chunk(index, history, settings) if within is None else None
        res = resolve(question, history, index_salience(index), found.title if found else "",
                      found.text if found else "", document_text(index, found))
        tried = res.question if res.question != question else res.topic_first
        if tried:
            focus = index.doc_chunks(found.doc_id) if found else None
            alone = _answer(index, embedder, reader, question, question, settings, top_k, within, qvec, passages)
            carried = _answer(index, embedder, reader, question, tried, settings, top_k, within, None, passages,
                              focus)
            best = _choose(alone, carried, res.rule, found.doc_id if found else None,
                           _weigh(reader, question, tried, alone, carried, [t.question for t in history]))
            best.timings_ms["total"] = _ms(t, time.perf_counter())
            return best
    return _answer(index, embedder, reader, question, question, settings, top_k, within, qvec, passages)


def _answer(index: Index, embedder: Embedder, reader: Reader, question: str, asked: str, settings: Settings,
            top_k: int | None, within: np.ndarray | None, qvec: np.ndarray | None, passages: int | None,
            focus: np.ndarray | None = None) -> Answer:
    """The answer to ``asked`` (``question`` made standalone, or itself). ``focus``: the chunks
    of the document the conversation is about, whose best matches are read first."""
    top_k = top_k or settings.top_k
    passages = passages or settings.reader_passages
    t0 = time.perf_counter()
    qvec = embedder.query(asked) if qvec is None else qvec
    t1 = time.perf_counter()
    hits = retrieve(index, asked, qvec, settings, k=max(top_k, passages), within=within)
    if focus is not None and len(focus):
        first = retrieve(index, asked, qvec, settings, k=passages, within=focus)
        read_first = {h.chunk for h in first}
        hits = first + [h for h in hits if h.chunk not in read_first]
    t2 = time.perf_counter()
    result = Answer(question=question, status="no_answer", answer=None, sentence=None,
                    confidence=0.0, question_type=question_type(asked), message=NO_ANSWER, resolved_question=asked,
                    build_id=index.manifest.get("build_id"))
    picks, read, result.missing = read_hits(reader, asked, index, hits, settings, passages) if hits else ([], [], [])
    t3 = time.perf_counter()
    result.passages_read = len(read)
    if picks:
        best = picks[0]
        result.span_score = round(best.span.score, 4)
        result.confidence = round(1.0 / (1.0 + math.exp(-best.span.score)), 4)
        if result.confidence >= settings.no_answer_threshold and not result.missing:
            a, b = sentence_around(best.chunk, best.span.start, best.span.end)
            result.status, result.message = "answered", None
            result.answer, result.sentence = best.span.text, best.chunk.text[a:b]
            result.citations = _citations(index, hits, top_k, best, (a, b))
    t4 = time.perf_counter()
    result.timings_ms = {"embed": _ms(t0, t1), "retrieve": _ms(t1, t2), "read": _ms(t2, t3),
                         "select": _ms(t3, t4), "total": _ms(t0, t4)}
    return result


def _choose(alone: Answer, carried: Answer, rule: str, conversation_doc: str | None,
            weighed: tuple[float, float] | None = None) -> Answer:
    """The answer to the question as asked or to its standalone form. A question that named a
    subject of its own keeps its own answer unless the topic carried in reads clearly more surely
    (``NAMED_MARGIN``), one with a salient phrase of its own unless it reads more surely
    (``OWN_PHRASE_MARGIN``). Otherwise an answer from the conversation's document wins over one
    from elsewhere (a follow-up is about what the conversation was reading), else the surer,
    ties to the standalone form (``FOLLOWUP_MARGIN``). How sure: each answer's span score, or
    ``weighed``, the two answers' scores under both forms of the question (``_weigh``). Before
    all that, a form that gave an answer wins over one that gave none."""
    if (alone.answer is None) != (carried.answer is None):
        # an answer beats a refusal, however surely the refused form read: its answer was withheld
        # because a name it asks about is nowhere in what it read (a topic carried in wrongly)
        return carried if alone.answer is None else alone
    sure_alone, sure_carried = weighed or (_score(alone), _score(carried))
    if rule in ("named", "own"):
        margin = NAMED_MARGIN if rule == "named" else OWN_PHRASE_MARGIN
        return carried if sure_carried > sure_alone + margin else alone
    if conversation_doc is not None and _doc(carried) == conversation_doc != _doc(alone):
        return carried
    best = alone if sure_alone > sure_carried + FOLLOWUP_MARGIN else carried
    if rule in ("pronoun", "swap") and alone.answer == carried.answer:
        best = carried  # it pointed back ("该市", "…呢？"): say how, when both read alike
    return best


def _weigh(reader: Reader, question: str, tried: str, alone: Answer, carried: Answer,
           earlier: list[str] | None = None) -> tuple[float, float] | None:
    """When the two forms of a question give different answers: each answer's span score, plus
    the score the reader gives it as the answer to the other form, plus the score the history
    layers give it as the answer to the question read with the ``earlier`` questions (when such
    layers fit the reader). Each read's own score says only how well its answer fits its own
    question; the answer that also fits the other form is the one both readings agree on, and
    the history layers, which read the conversation, tell a follow-up from a complete question
    that merely shares its topic (docs/conversation.md). None when one form found no answer."""
    if not (alone.answer and carried.answer) or alone.answer == carried.answer:
        return None
    alone_there, carried_there = _score_under(reader, tried, alone), _score_under(reader, question, carried)
    if alone_there is None or carried_there is None:
        return None
    weighed = _score(alone) + alone_there, _score(carried) + carried_there
    if earlier is None or reader.history is None:
        return weighed
    read = _score_under(reader, question, alone, earlier), _score_under(reader, question, carried, earlier)
    if None in read:
        return weighed
    return weighed[0] + read[0], weighed[1] + read[1]  # type: ignore[operator]


def _score_under(reader: Reader, question: str, a: Answer, earlier: list[str] | None = None) -> float | None:
    """The reader's score of ``a``'s answer, in the passage it came from, as the answer to
    ``question`` (read with the ``earlier`` questions by the history layers, when given)."""
    cited = a.citations[0] if a.citations else None
    if cited is None or cited.answer_highlight is None:
        return None
    return reader.score_span(question, cited.excerpt, *cited.answer_highlight, earlier)


def _doc(a: Answer) -> str | None:
    return a.citations[0].doc_id if a.citations else None


def _score(a: Answer) -> float:
    return a.span_score if a.span_score is not None else -math.inf


def _ms(a: float, b: float) -> float:
    return round((b - a) * 1000, 2)


def sentence_around(chunk: Chunk, start: int, end: int) -> tuple[int, int]:
    """The sentence of ``chunk.text`` that holds the span (chunk offsets); a span across a
    sentence boundary gets every sentence it touches."""
    sentences = split_sentences(chunk.text)
    touched = [s for s in sentences if s.start < end and s.end > start]
    if not touched:
        return start, end
    return touched[0].start, touched[-1].end


def _citations(index: Index, hits: list[Hit], top_k: int, best: Pick, sentence: tuple[int, int]) -> list[Citation]:
    """The chunk of the answer first, then the other top chunks, without repeated excerpts."""
    ordered = [best.hit] + [h for h in hits if h.chunk != best.hit.chunk]
    seen: set[str] = set()
    out: list[Citation] = []
    for hit in ordered:
        chunk = best.chunk if hit is best.hit else index.chunk(hit.chunk)
        if chunk.text in seen:
            continue
        if len(out) == top_k:
            break
        seen.add(chunk.text)
        if hit is best.hit:
            highlight, answer_hl = list(sentence), [best.span.start, best.span.end]
        else:
            first = split_sentences(chunk.text)
            highlight, answer_hl = ([first[0].start, first[0].end] if first else [0, len(chunk.text)]), None
        page, location = _place(index, chunk, highlight[0])
        out.append(Citation(chunk.doc_id, chunk.title, chunk.start, chunk.end, chunk.text, highlight,
                            answer_hl, round(float(hit.score), 6), hit.dense_rank, hit.lexical_rank,
                            page, location))
    return out


def _place(index: Index, chunk: Chunk, offset: int) -> tuple[int | None, str | None]:
    """Page and location label of the chunk's character at ``offset`` (the cited sentence's
    start, so a chunk across a page break cites the page its sentence is on)."""
    doc = index.documents[chunk.doc_id] if chunk.doc_id in index.documents else None
    place = doc.place_at(chunk.start + offset) if doc is not None else None
    if place is not None:
        return place.page, place.label
    return None, " › ".join(chunk.heading_path) or None
