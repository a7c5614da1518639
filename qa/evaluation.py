"""``qa eval``: retrieval and answer quality on any SQuAD-style file (CMRC 2018 dev, say).

Every paragraph becomes a document of a temporary corpus, indexed by the normal pipeline.
Open-domain mode asks each question against the whole index; ``--gold-context`` asks it
against its own paragraph only, so the selector can be compared with published readers.
Span EM/F1 follow the CMRC 2018 official script: punctuation removed, F1 over characters
(English words and numbers whole) through the longest common substring, max over answers.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qa.answering import answer_question
from qa.config import Settings
from qa.documents import read_document
from qa.embedding import Embedder
from qa.index_build import build_index
from qa.index_store import IndexUnavailable, load_index
from qa.retrieval import retrieve

PUNCT = set("-:_*^/\\~`+=，。：？！“”；’《》……·、「」（）－～『』")
METHODS = ("hybrid", "dense", "lexical")


@dataclass
class Question:
    qid: str
    question: str
    answers: list[str]
    doc_id: str
    answer_starts: list[int]  # offsets in the raw paragraph


def load_squad(path: Path) -> tuple[list[tuple[str, str]], list[Question]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    paragraphs: list[tuple[str, str]] = []
    questions: list[Question] = []
    for a_no, article in enumerate(data["data"]):
        for p_no, par in enumerate(article["paragraphs"]):
            doc_id = f"{a_no:04d}_{p_no:02d}.txt"
            paragraphs.append((doc_id, par["context"]))
            for qa in par["qas"]:
                answers = [a["text"] for a in qa.get("answers", []) if a["text"].strip()]
                if answers:
                    questions.append(Question(qa["id"], qa["question"], answers, doc_id,
                                              [a["answer_start"] for a in qa["answers"]]))
    return paragraphs, questions


def _segments(text: str) -> list[str]:
    out: list[str] = []
    word = ""
    for ch in text:
        if ch in PUNCT or ch.isspace() or ("\u4e00" <= ch <= "\u9fff") or not ch.isascii():
            if word:
                out.append(word)
                word = ""
            if not (ch in PUNCT or ch.isspace()):
                out.append(ch)
        elif ch.isalnum():
            word += ch
        elif word:
            out.append(word)
            word = ""
    if word:
        out.append(word)
    return out


def _lcs(a: list[str], b: list[str]) -> int:
    best = 0
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


def f1_score(answers: list[str], prediction: str) -> float:
    best = 0.0
    pred = _segments(prediction)
    for ans in answers:
        gold = _segments(ans)
        n = _lcs(gold, pred)
        if n:
            p, r = n / len(pred), n / len(gold)
            best = max(best, 2 * p * r / (p + r))
    return best


def em_score(answers: list[str], prediction: str) -> float:
    def strip(s: str) -> str:
        return "".join(c for c in s if c not in PUNCT and not c.isspace())
    return float(any(strip(a) == strip(prediction) for a in answers))


def _prepare(file: Path, settings: Settings, work: Path) -> tuple[Settings, list[Question], dict[str, np.ndarray]]:
    paragraphs, questions = load_squad(file)
    corpus = work / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for doc_id, text in paragraphs:
        path = corpus / doc_id
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    settings = settings.replace(corpus_dir=corpus, index_dir=work / "index")
    # Gold answer starts, mapped from raw paragraph offsets to cleaned document offsets.
    starts: dict[str, np.ndarray] = {}
    for doc_id, text in paragraphs:
        doc = read_document(corpus / doc_id, doc_id)
        offs = np.asarray(doc.source_offsets)
        starts[doc_id] = np.searchsorted(offs, np.arange(len(text)), side="left")
    return settings, questions, starts


def run_eval(file: Path, settings: Settings, gold_context: bool = False, limit: int | None = None,
             out: Path | None = None, methods: str = "hybrid,dense,lexical", work: Path | None = None) -> int:
    from tqdm.auto import tqdm

    tmp = None
    if work is None:
        tmp = tempfile.TemporaryDirectory(prefix="qa-eval-")
        work = Path(tmp.name)
    settings, questions, starts = _prepare(file, settings, work)
    if limit:
        questions = questions[:limit]
    embedder = Embedder(settings)
    try:
        previous = load_index(settings)
    except IndexUnavailable:
        previous = None
    t0 = time.perf_counter()
    report = build_index(settings, embedder, previous)
    index = load_index(settings)
    print(f"indexed {report.documents} paragraphs: {report.chunks} chunks, {report.sentences} sentences "
          f"in {time.perf_counter() - t0:.0f} s (chunk size {settings.chunk_chars})", file=sys.stderr)
    spans: dict[int, tuple[int, int]] = {}
    by_doc: dict[str, list[int]] = {}
    for c in index.iter_chunks():
        by_doc.setdefault(c.doc_id, []).append(c.chunk_id)
        spans[c.chunk_id] = (c.start, c.end)
    wanted = [m for m in methods.split(",") if m in METHODS] if not gold_context else []
    ranks: dict[str, list[int | None]] = {m: [] for m in wanted}
    rows: list[dict[str, Any]] = []
    latencies: list[float] = []
    interval = 0.1 if sys.stderr.isatty() else 30.0
    for q in tqdm(questions, desc="questions", leave=False, mininterval=interval):
        gold = {int(starts[q.doc_id][s]) for s in q.answer_starts if 0 <= s < len(starts[q.doc_id])}
        gold_chunks = {c for c in by_doc.get(q.doc_id, [])
                       if any(spans[c][0] <= g < spans[c][1] for g in gold)}
        t = time.perf_counter()
        qvec = embedder.query(q.question)
        within = np.array(by_doc.get(q.doc_id, []), np.int64) if gold_context else None
        ans = answer_question(index, embedder, q.question, settings, top_k=10, within=within, qvec=qvec)
        latencies.append((time.perf_counter() - t) * 1000)
        for m in wanted:
            hits = retrieve(index, q.question, qvec, settings, 10, methods=m)
            ranks[m].append(next((r for r, h in enumerate(hits, 1) if h.chunk in gold_chunks), None))
        pred = ans.answer or ""
        rows.append({"id": q.qid, "question": q.question, "answers": q.answers, "status": ans.status,
                     "answer": ans.answer, "sentence": ans.sentence, "confidence": ans.confidence,
                     "sentence_hit": bool(ans.sentence) and any(a in (ans.sentence or "") for a in q.answers),
                     "em": em_score(q.answers, pred), "f1": f1_score(q.answers, pred), "qtype": ans.question_type})
    metrics = _metrics(rows, ranks, latencies, settings, gold_context, report)
    _print_table(metrics)
    if out:
        out.write_text(json.dumps({"metrics": metrics, "questions": rows}, ensure_ascii=False, indent=1))
    if tmp:
        tmp.cleanup()
    return 0


def _metrics(rows: list[dict[str, Any]], ranks: dict[str, list[int | None]], latencies: list[float],
             settings: Settings, gold_context: bool, report: Any) -> dict[str, Any]:
    n = len(rows) or 1
    m: dict[str, Any] = {"mode": "gold-context" if gold_context else "open-domain", "questions": len(rows),
                         "chunk_chars": settings.chunk_chars, "chunks": report.chunks,
                         "fusion": settings.fusion, "lexical_tokenizer": settings.lexical_tokenizer}
    for method, rs in ranks.items():
        m[f"{method}_R@1"] = sum(1 for r in rs if r and r <= 1) / n
        m[f"{method}_R@5"] = sum(1 for r in rs if r and r <= 5) / n
        m[f"{method}_R@10"] = sum(1 for r in rs if r and r <= 10) / n
        m[f"{method}_MRR@10"] = sum(1 / r for r in rs if r) / n
    m["sentence_hit@1"] = sum(r["sentence_hit"] for r in rows) / n
    m["EM"] = 100 * sum(r["em"] for r in rows) / n
    m["F1"] = 100 * sum(r["f1"] for r in rows) / n
    m["refusals"] = sum(r["status"] == "no_answer" for r in rows)
    m["latency_ms_mean"] = statistics.fmean(latencies) if latencies else 0.0
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in m.items()}


def _print_table(m: dict[str, Any]) -> None:
    width = max(map(len, m))
    print("| metric | value |\n|---|---|")
    for k, v in m.items():
        print(f"| {k.ljust(width)} | {v} |")
