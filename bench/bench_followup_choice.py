"""How ``qa.answering._choose`` picks between the two reads of a follow-up, measured: every
follow-up of the conversations ``bench_conversation.py`` builds is read as asked and in its
standalone form (for a question that names a subject or holds a salient phrase of its own, with
the topic in front), and each way of choosing is scored from those reads (docs/conversation.md,
"How the choice was made"). Run it on the tune and training parts only, never on val: the
choice is fitted on what it prints.

Usage: python bench/bench_followup_choice.py FILE.json --split tune --work DIR [--rows R.jsonl] [--limit N]
       python bench/bench_followup_choice.py --score R.jsonl [R2.jsonl]   (no reads: the table again)

The history each turn gets holds the answers the shipped choice gave, as /ask would.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_conversation import article_titles, conversations  # noqa: E402

from qa import followup  # noqa: E402
from qa.answering import Answer, _answer, _choose, _weigh  # noqa: E402
from qa.answering import _score as _span_score  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.embedding import Embedder, e5_folder  # noqa: E402
from qa.evaluation import open_index, prepare  # noqa: E402
from qa.folding import fold  # noqa: E402
from qa.followup.focus import conversation_chunk, document_text  # noqa: E402
from qa.metrics import f1_score  # noqa: E402
from qa.reader.conversations import rewrite, subject_of  # noqa: E402
from qa.reader.runtime import load_reader  # noqa: E402


def _read(a: Answer, gold: list[str], conversation_doc: str | None) -> dict:  # type: ignore[type-arg]
    doc = a.citations[0].doc_id if a.citations else None
    return {"answer": a.answer, "score": a.span_score, "doc": doc,
            "in_conversation_doc": doc is not None and doc == conversation_doc, "f1": f1_score(gold, a.answer or "")}


def read_both(file: Path, split: str, work: Path, out: Path, limit: int | None = None) -> None:
    titles = article_titles(file)
    settings, questions, _, _ = prepare(file, Settings.from_env(), work, titles)
    embedder = Embedder(settings)
    reader = load_reader(e5_folder(settings), settings.reader_weights, settings.reader_runtime)
    index = open_index(settings, embedder)
    salience = followup.index_salience(index)

    def ask(question: str, asked: str, focus=None) -> Answer:  # type: ignore[no-untyped-def]
        return _answer(index, embedder, reader, question, asked, settings, None, None, None, None, focus)

    previous: list[followup.Turn] = []
    with out.open("w", encoding="utf-8") as rows:
        for conv in conversations([q for q in questions if q.split == split])[:limit]:
            earlier, history = [titles.get(conv[0].doc_id, "")], []
            for n, q in enumerate(conv):
                subject = subject_of(q.question, earlier) if n else None
                asked = rewrite(q.question, subject) if subject else q.question
                earlier.append(q.question)
                if n == 0:
                    cases = [("switch", q.question, previous)] if previous else []
                else:
                    cases = [("rewritten" if subject else "complete", asked, history)]
                for kind, text, hist in cases:
                    found = conversation_chunk(index, hist, settings)
                    doc = found.doc_id if found else None
                    res = followup.resolve(text, hist, salience, found.title if found else "",
                                           found.text if found else "", document_text(index, found))
                    tried = res.question if res.question != text else res.topic_first
                    alone = ask(text, text)
                    row = {"kind": kind, "asked": text, "original": q.question, "rule": res.rule, "tried": tried,
                           "alone": _read(alone, q.answers, doc)}
                    best = alone
                    if tried:
                        carried = ask(text, tried, index.doc_chunks(doc) if doc else None)
                        row["carried"] = _read(carried, q.answers, doc)
                        weighed = _weigh(reader, text, tried, alone, carried)
                        best = _choose(alone, carried, res.rule, doc, weighed)
                        if weighed:  # each answer's score as the answer to the other form of the question
                            row["cross"] = {"alone_under_tried": round(weighed[0] - _span_score(alone), 4),
                                            "carried_under_asked": round(weighed[1] - _span_score(carried), 4)}
                    rows.write(json.dumps(row, ensure_ascii=False) + "\n")
                answer = best.answer if n else ask(asked, asked).answer
                history = history + [followup.Turn(asked, answer)]
            previous = history


def _score(read: dict) -> float:  # type: ignore[type-arg]
    return read["score"] if read["score"] is not None else float("-inf")


def pick(row: dict, named_margin: float | None, prefer_conversation_doc: bool,  # type: ignore[type-arg]
         referent: bool = False, pointer_margin: float = 0.0, own_margin: float | None = None,
         weigh: bool = False, answer_first: bool = False) -> dict:  # type: ignore[type-arg]
    """One way of choosing (``named_margin`` None: a named question keeps its own answer;
    ``referent``: the question as asked loses when its answer is what the standalone form names;
    ``pointer_margin``: how much surer the question as asked must read when it points back;
    ``own_margin``: how much surer the form with the topic must read for a question with a
    salient phrase of its own, None: it is not read that way; ``weigh``: two different answers
    are compared by their scores under both forms of the question, as ``answering._weigh``;
    ``answer_first``: a form that gave an answer wins over one that gave none)."""
    alone, carried = row["alone"], row.get("carried")
    if carried is None or (row["rule"] == "own" and own_margin is None):
        return alone  # (a question with a salient phrase of its own had no second read before)
    if answer_first and (alone["answer"] is None) != (carried["answer"] is None):
        return carried if alone["answer"] is None else alone
    if referent and carried["answer"] and _in(alone["answer"], row["tried"]) and not _in(alone["answer"], row["asked"]):
        return carried
    sure_alone, sure_carried = _score(alone), _score(carried)
    cross = row.get("cross") or {}
    there = cross.get("alone_under_tried"), cross.get("carried_under_asked")
    if weigh and alone["answer"] and carried["answer"] and alone["answer"] != carried["answer"] and None not in there:
        sure_alone, sure_carried = sure_alone + there[0], sure_carried + there[1]
    if row["rule"] == "own":
        return carried if sure_carried > sure_alone + own_margin else alone  # type: ignore[operator]
    if row["rule"] == "named":
        if named_margin is None:
            return alone
        return carried if sure_carried > sure_alone + named_margin else alone
    if prefer_conversation_doc and carried["in_conversation_doc"] and not alone["in_conversation_doc"]:
        return carried
    margin = pointer_margin if row["rule"] == "pronoun" and carried["answer"] else 0.0
    return alone if sure_alone > sure_carried + margin else carried


def _in(answer: str | None, question: str) -> bool:
    return answer is not None and fold(answer) in fold(question)


WAYS = [("span score, named kept", (None, False)), ("span score, named by margin 1", (1.0, False))] + \
    [(f"conversation's document first, named {n}", (m, True)) for n, m in
     (("kept", None), ("by margin 0", 0.0), ("by margin 1", 1.0), ("by margin 2", 2.0))] + \
    [(f"… named by margin 1, own phrase by margin {o:g}", (1.0, True, False, 0.0, o)) for o in (0, 1, 2)] + \
    [("… own phrase by margin 0, + the referent rule (tried)", (1.0, True, True, 0.0, 0.0))] + \
    [(f"… + the referent rule, pointer margin {p:g} (tried)", (1.0, True, True, p, 0.0)) for p in (1, 3, 5)] + \
    [("… own phrase by margin 0, different answers weighed by both forms of the question",
      (1.0, True, False, 0.0, 0.0, True))] + \
    [("… weighed, and an answer wins over none", (1.0, True, False, 0.0, 0.0, True, True))]


def score(paths: list[Path]) -> None:
    for path in paths:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        kinds = ("rewritten", "complete", "switch")
        print(f"\n{path.name}: " + ", ".join(f"{sum(r['kind'] == k for r in rows)} {k}" for k in kinds))
        print("| choice | rewritten follow-ups F1 | complete later turns F1 | topic switch F1 |")
        print("|---|---|---|---|")
        cells = []
        for k in kinds:
            part = [r for r in rows if r["kind"] == k]
            best = [max(r["alone"]["f1"], r.get("carried", r["alone"])["f1"]) for r in part]
            cells.append(f"{_pct([r['alone']['f1'] for r in part])} / {_pct(best)}")
        print("| (question as asked / the better read of the two, at best) | " + " | ".join(cells) + " |")
        for name, way in WAYS:
            cells = []
            for k in kinds:
                part = [r for r in rows if r["kind"] == k]
                chosen = [pick(r, *way) for r in part]  # type: ignore[arg-type]
                changed = sum(c is not r["alone"] for c, r in zip(chosen, part))
                cells.append(f"{_pct([c['f1'] for c in chosen])} ({changed} standalone)")
            print(f"| {name} | " + " | ".join(cells) + " |")


def _pct(xs: list[float]) -> str:
    return f"{100 * sum(xs) / len(xs):.1f}" if xs else "—"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", type=Path, nargs="?")
    ap.add_argument("--split", default="tune")
    ap.add_argument("--work", type=Path)
    ap.add_argument("--rows", type=Path, help="where to write both reads of each follow-up")
    ap.add_argument("--limit", type=int, help="the first N conversations only")
    ap.add_argument("--score", type=Path, nargs="+", help="score rows written before; no reads")
    args = ap.parse_args()
    if args.score:
        score(args.score)
        return
    if not args.file or not args.work:
        ap.error("FILE and --work, or --score")
    rows = args.rows or args.work / f"choice-{args.split}.jsonl"
    read_both(args.file, args.split, args.work, rows, args.limit)
    score([rows])


if __name__ == "__main__":
    main()
