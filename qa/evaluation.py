"""``qa eval``: retrieval and answer quality on any SQuAD-style file (CMRC 2018 dev, say).

Every paragraph becomes a document of a temporary corpus, indexed by the normal pipeline.
Three modes ask each question differently:

- open-domain: against the whole index, as a user asks;
- ``--gold-context``: the reader reads its own paragraph (all of its chunks), as published
  readers are compared;
- ``--unanswerable``: against the index without the documents that hold any of its answers,
  so the right reply is a refusal.

``--split`` keeps the questions of one part of the reader's article split (qa/reader/data.py):
``val`` is the part nothing was trained or tuned on.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from qa.answering import answer_question
from qa.config import Settings
from qa.embedding import Embedder, e5_folder
from qa.folding import simplified
from qa.ingest.corpus import read_document
from qa.metrics import em_score, f1_score
from qa.reader.data import split_of
from qa.reader.runtime import Reader, load_reader
from qa.retrieval import retrieve
from qa.store import build_store, load_store
from qa.store.index import Index
from qa.store.index_store import IndexUnavailable

MODES = ("open", "gold", "unanswerable")
METHODS = ("hybrid", "dense", "lexical")


@dataclass
class Question:
    qid: str
    question: str
    answers: list[str]
    doc_id: str
    answer_starts: list[int]  # offsets in the raw paragraph
    split: str = "val"


def paragraph_id(article: int, paragraph: int) -> str:
    """The document name a paragraph of a SQuAD-style file gets in the evaluation corpus."""
    return f"{article:04d}_{paragraph:02d}.txt"


def load_squad(path: Path) -> tuple[list[tuple[str, str]], list[Question]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    paragraphs: list[tuple[str, str]] = []
    questions: list[Question] = []
    for a_no, article in enumerate(data["data"]):
        split = split_of(path.stem, article.get("title") or str(article.get("id")))
        for p_no, par in enumerate(article["paragraphs"]):
            doc_id = paragraph_id(a_no, p_no)
            paragraphs.append((doc_id, par["context"]))
            for qa in par["qas"]:
                answers = [a["text"] for a in qa.get("answers", []) if a["text"].strip()]
                if answers:
                    questions.append(Question(qa["id"], qa["question"], answers, doc_id,
                                              [a["answer_start"] for a in qa["answers"]], split))
    return paragraphs, questions


def prepare(file: Path, settings: Settings, work: Path, titles: dict[str, str] | None = None
            ) -> tuple[Settings, list[Question], dict[str, np.ndarray], dict[str, str]]:
    """Write the paragraphs as a corpus under ``work``; returns the settings of its index, the
    questions, the gold answer starts mapped to cleaned document offsets, and each paragraph.
    ``titles``: a first line (the article's title) for each paragraph's document."""
    paragraphs, questions = load_squad(file)
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    heads = {doc_id: f"{titles[doc_id]}\n" if titles and titles.get(doc_id) else "" for doc_id, _ in paragraphs}
    for doc_id, text in paragraphs:
        path = corpus / doc_id
        if not path.exists() or path.read_text(encoding="utf-8") != heads[doc_id] + text:
            path.write_text(heads[doc_id] + text, encoding="utf-8")
    settings = settings.replace(corpus_dir=corpus, index_dir=work / "index")
    starts: dict[str, np.ndarray] = {}
    for doc_id, text in paragraphs:
        doc = read_document(corpus / doc_id, doc_id)
        offs = np.asarray(doc.source_offsets)
        starts[doc_id] = np.searchsorted(offs, np.arange(len(text)) + len(heads[doc_id]), side="left")
    return settings, questions, starts, dict(paragraphs)


def open_index(settings: Settings, embedder: Embedder) -> Index:
    try:
        previous = load_store(settings)
    except IndexUnavailable:
        previous = None
    report = build_store(settings, embedder, previous)
    print(f"indexed {report.documents} paragraphs: {report.chunks} chunks", file=sys.stderr)
    return load_store(settings)


def run_eval(file: Path, settings: Settings, mode: str = "open", limit: int | None = None,
             out: Path | None = None, work: Path | None = None, split: str | None = None,
             methods: str = "hybrid", embedder: Embedder | None = None, reader: Reader | None = None,
             script: str | None = None) -> int:
    """``methods``: the retrieval methods whose R@1/R@5 open-domain mode reports; ``embedder`` and
    ``reader``: models already loaded by the caller (each load takes seconds), else loaded here;
    ``script``: "traditional" or "simplified", every question converted to that script (the
    documents stay as they are), as people who write the other script ask."""
    from tqdm.auto import tqdm

    tmp = None
    if work is None:
        tmp = tempfile.TemporaryDirectory(prefix="qa-eval-")
        work = Path(tmp.name)
    settings, questions, starts, texts = prepare(file, settings, work)
    if split:
        questions = [q for q in questions if q.split == split]
    if limit:
        questions = questions[:limit]
    if script:
        questions = [replace(q, question=convert(q.question, script)) for q in questions]
    embedder = embedder or Embedder(settings)
    reader = reader or load_reader(e5_folder(settings), settings.reader_weights, settings.reader_runtime)
    index = open_index(settings, embedder)
    by_doc: dict[str, list[int]] = {}
    spans: dict[int, tuple[int, int]] = {}
    for c in index.iter_chunks():
        by_doc.setdefault(c.doc_id, []).append(c.chunk_id)
        spans[c.chunk_id] = (c.start, c.end)
    rows: list[dict[str, Any]] = []
    for q in tqdm(questions, desc="questions", leave=False, mininterval=0.1 if sys.stderr.isatty() else 30.0):
        t = time.perf_counter()
        qvec = embedder.query(q.question)  # once: for answering (timed with it) and for the ranks
        embed_ms = (time.perf_counter() - t) * 1000
        within, passages, ranks = None, None, {}
        if mode == "gold":
            within = np.array(by_doc.get(q.doc_id, []), np.int64)
            passages = len(within)
        elif mode == "unanswerable":
            keep = [d for d, t in texts.items() if not any(a in t for a in q.answers)]
            within = np.concatenate([np.array(by_doc.get(d, []), np.int64) for d in keep])
        else:
            gold = {int(starts[q.doc_id][s]) for s in q.answer_starts if 0 <= s < len(starts[q.doc_id])}
            for method in [m for m in methods.split(",") if m in METHODS]:
                hits = retrieve(index, q.question, qvec, settings, 10, methods=method)
                ranks[method] = next((r for r, h in enumerate(hits, 1) if h.chunk in by_doc.get(q.doc_id, [])
                                      and any(spans[h.chunk][0] <= g < spans[h.chunk][1] for g in gold)), None)
        ans = answer_question(index, embedder, reader, q.question, settings, top_k=10, within=within,
                              qvec=qvec, passages=passages)
        pred = ans.answer or ""
        rows.append({"id": q.qid, "question": q.question, "answers": q.answers, "status": ans.status,
                     "answer": ans.answer, "sentence": ans.sentence, "confidence": ans.confidence,
                     "missing": ans.missing, "ranks": ranks, "passages_read": ans.passages_read,
                     "sentence_hit": bool(ans.sentence) and any(a in (ans.sentence or "") for a in q.answers),
                     "em": em_score(q.answers, pred), "f1": f1_score(q.answers, pred), "qtype": ans.question_type,
                     "ms": embed_ms + ans.timings_ms["total"]})
    metrics = summarize(rows, mode, settings, file.name, split)
    metrics["question_script"] = script
    print_table(metrics)
    if out:
        out.write_text(json.dumps({"metrics": metrics, "questions": rows}, ensure_ascii=False, indent=1))
    if tmp:
        tmp.cleanup()
    return 0


@lru_cache(maxsize=1)
def _to_traditional():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("s2t")


def convert(question: str, script: str) -> str:
    """``question`` in "traditional" (OpenCC's phrase-aware s2t) or "simplified" characters."""
    if script == "traditional":
        return str(_to_traditional().convert(question))
    if script == "simplified":
        return simplified(question)
    raise ValueError(f"unknown script {script!r}: use traditional or simplified")


def summarize(rows: list[dict[str, Any]], mode: str, settings: Settings, file: str,
              split: str | None) -> dict[str, Any]:
    n = len(rows) or 1
    answered = [r for r in rows if r["status"] == "answered"]
    ms = sorted(r["ms"] for r in rows) or [0.0]
    m: dict[str, Any] = {"file": file, "split": split or "all", "mode": mode, "questions": len(rows),
                         "no_answer_threshold": settings.no_answer_threshold}
    for method in rows[0]["ranks"] if rows else []:
        ranks = [r["ranks"][method] for r in rows]
        m[f"{method}_R@1"] = sum(1 for r in ranks if r and r <= 1) / n
        m[f"{method}_R@5"] = sum(1 for r in ranks if r and r <= 5) / n
    if mode != "unanswerable":
        m["sentence_hit@1"] = sum(r["sentence_hit"] for r in rows) / n
        m["EM"] = 100 * sum(r["em"] for r in rows) / n
        m["F1"] = 100 * sum(r["f1"] for r in rows) / n
        m["answered_F1"] = 100 * sum(r["f1"] for r in answered) / max(1, len(answered))
        m["answered_precision"] = sum(r["sentence_hit"] for r in answered) / max(1, len(answered))
    m["refusal_rate"] = 1 - len(answered) / n
    m["refused_by_entity_check"] = sum(bool(r["missing"]) for r in rows) / n
    m["passages_read_mean"] = statistics.fmean(r["passages_read"] for r in rows) if rows else 0.0
    m["latency_ms_p50"] = ms[len(ms) // 2]
    m["latency_ms_p95"] = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in m.items()}


def print_table(m: dict[str, Any]) -> None:
    width = max(map(len, m))
    print("| metric | value |\n|---|---|")
    for k, v in m.items():
        print(f"| {k.ljust(width)} | {v} |")
