"""Follow-up questions measured on conversations built from CMRC 2018 dev and DRCD dev.

Usage: python bench/bench_conversation.py FILE.json [--split val] [--work DIR] [--out R.json]
       python bench/bench_conversation.py bench/data/followups_seed.json  (hand-written, bundled corpus)
       [--own 0.5,1.0 --margin 0,0.1]  (tuning: every pair of OWN_TOPIC_SALIENCE, FOLLOWUP_MARGIN)
       --split train --topic-dump T.jsonl  (the topic model's training rows; no reads at all)
       --split train --skip 200  (the training conversations after the 200 the choice was made on)
       --question-script traditional|simplified  (asked in the other script than the documents')

Each paragraph's questions, in order, are one conversation; each paragraph is a document of the
index with its article's title as first line, as real documents have titles (``--untitled``:
without). From the second question on, the subject it repeats from the article title or an
earlier question (the longest common stretch of two or more characters that touches no
question word, cuts no number and is no function word; found by plain string matching,
independently of qa.followup's phrase finder) is replaced by a pronoun (他 for a person's name,
else 它), or dropped when it opens the question, as people do. Every turn is scored against the
original gold answers, open-domain over all paragraphs of the file:

- naive: the rewritten question alone;
- history: the rewritten question with the earlier turns (their rewritten questions and the
  answers the service gave), as /ask gets them;
- ceiling: the original question alone.

Turns whose question was left whole ("complete") show what history costs a question that
needs none; "topic switch" asks each conversation's first question with the previous
conversation (another paragraph) as history.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa import answering, followup  # noqa: E402
from qa.answering import Answer, answer_question  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.embedding import Embedder, e5_folder  # noqa: E402
from qa.evaluation import convert, open_index, paragraph_id, prepare  # noqa: E402
from qa.folding import fold  # noqa: E402
from qa.followup import rules, topics  # noqa: E402
from qa.followup.focus import conversation_chunk, document_text  # noqa: E402
from qa.metrics import f1_score  # noqa: E402
from qa.reader.conversations import rewrite, subject_of  # noqa: E402
from qa.reader.runtime import load_reader  # noqa: E402


def article_titles(file: Path) -> dict[str, str]:
    """Each paragraph's document, mapped to the title of its article."""
    data = json.loads(file.read_text(encoding="utf-8"))["data"]
    return {paragraph_id(a, p): art.get("title", "") for a, art in enumerate(data)
            for p in range(len(art["paragraphs"]))}


def conversations(questions):  # type: ignore[no-untyped-def]
    """The questions of each paragraph, in order, where it has two or more."""
    by_doc: dict[str, list] = {}  # type: ignore[type-arg]
    for q in questions:
        by_doc.setdefault(q.doc_id, []).append(q)
    return [qs for qs in by_doc.values() if len(qs) >= 2]


def score(answers: list[str], a) -> tuple[float, bool]:  # type: ignore[no-untyped-def]
    pred = a.answer or ""
    return f1_score(answers, pred), bool(a.sentence) and any(x in (a.sentence or "") for x in answers)


def seed_set(path: Path) -> None:
    """The hand-written conversations about the bundled corpus, asked against its index."""
    from qa.store.index_store import load_index

    settings = Settings.from_env()
    embedder = Embedder(settings)
    reader = load_reader(e5_folder(settings), settings.reader_weights, settings.reader_runtime)
    index = load_index(settings)
    rows = []
    for conv in json.loads(path.read_text(encoding="utf-8"))["conversations"]:
        history: list[followup.Turn] = []
        for n, t in enumerate(conv):
            got = {mode: answer_question(index, embedder, reader, q, settings, history=h)
                   for mode, q, h in (("naive", t["question"], None), ("history", t["question"], history),
                                      ("ceiling", t["standalone"], None))}
            rows.append({"n": n, **t, "resolved": got["history"].resolved_question,
                         **{m: {"answer": a.answer, "right": bool(a.answer) and t["answer"] in (a.answer or ""),
                                "hit": bool(a.sentence) and t["answer"] in (a.sentence or ""),
                                "f1": f1_score([t["answer"]], a.answer or ""),
                                "ms": a.timings_ms["total"]} for m, a in got.items()}})
            history.append(followup.Turn(t["question"], got["history"].answer))
    follow = [r for r in rows if r["n"] > 0]
    print(f"\n{path.name}: {len(rows)} turns, {len(follow)} follow-ups (the bundled corpus)")
    print("| turns | questions | naive right / F1 / hit@1 | with history | ceiling (written out) |")
    print("|---|---|---|---|---|")
    for name, part in (("follow-ups", follow), ("first turns", [r for r in rows if r["n"] == 0])):
        cells = [f"{sum(r[m]['right'] for r in part)} / {_mean([r[m]['f1'] for r in part])} / "
                 f"{_mean([float(r[m]['hit']) for r in part])}" for m in ("naive", "history", "ceiling")]
        print(f"| {name} | {len(part)} | " + " | ".join(cells) + " |")
    times = {m: statistics.median(r[m]["ms"] for r in follow) for m in ("naive", "history", "ceiling")}
    print("follow-ups, median ms per question (the reads of both forms, and their weighing, with history): "
          + ", ".join(f"{m} {v:.0f}" for m, v in times.items()))
    for r in follow:
        mark = "✓" if r["history"]["right"] else "✗"
        print(f"- {r['question']} → {r['resolved']} → {r['history']['answer']} ({mark})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", type=Path)
    ap.add_argument("--split", default="val")
    ap.add_argument("--work", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--own", help="comma-separated OWN_TOPIC_SALIENCE values to compare (tuning)")
    ap.add_argument("--margin", help="comma-separated FOLLOWUP_MARGIN values to compare (tuning)")
    ap.add_argument("--topic-dump", type=Path, help="write each follow-up's candidate topics here, and stop")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--skip", type=int, default=0, help="leave out the first N conversations (chosen on)")
    ap.add_argument("--untitled", action="store_true", help="documents without their article's title as first line")
    ap.add_argument("--question-script", choices=["traditional", "simplified"],
                    help="every question (as built, and the original) converted to this script")
    args = ap.parse_args()
    if args.file.name == "followups_seed.json":
        seed_set(args.file)
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="qa-conv-"))
    titles = article_titles(args.file)
    settings, questions, _, _ = prepare(args.file, Settings.from_env(), work, None if args.untitled else titles)
    questions = [q for q in questions if q.split == args.split]
    convs = conversations(questions)[args.skip:]
    if args.limit:
        convs = convs[:args.limit]
    embedder = Embedder(settings)
    reader = load_reader(e5_folder(settings), settings.reader_weights, settings.reader_runtime)
    index = open_index(settings, embedder)
    turns = []
    for conv in convs:
        earlier = [titles.get(conv[0].doc_id, "")]
        for n, q in enumerate(conv):
            subj = subject_of(q.question, earlier) if n else None
            turns.append({"conv": conv[0].doc_id, "n": n, "original": q.question, "answers": q.answers,
                          "asked": rewrite(q.question, subj) if subj else q.question, "subject": subj})
            earlier.append(q.question)
    if args.question_script:
        for t in turns:
            t["original"], t["asked"] = (convert(t[k], args.question_script) for k in ("original", "asked"))
    print(f"{args.file.name} {args.split}: {len(convs)} conversations, {len(turns)} turns, "
          f"{sum(t['subject'] is not None for t in turns)} rewritten", file=sys.stderr)
    if args.topic_dump:
        topic_rows(turns, index, settings, args.topic_dump)
        return
    grid = [(float(o), float(m)) for o in (args.own or str(rules.OWN_TOPIC_SALIENCE)).split(",")
            for m in (args.margin or str(answering.FOLLOWUP_MARGIN)).split(",")]
    memo: dict[tuple[str, tuple[tuple[str, str | None], ...]], Answer] = {}

    def ask(text: str, history: list[followup.Turn] | None = None) -> Answer:
        """An answer depends only on the question and the history: each asked once."""
        key = (text, tuple((t.question, t.answer) for t in history or []))
        if key not in memo:
            memo[key] = answer_question(index, embedder, reader, text, settings, history=history)
        return memo[key]

    results: dict[str, dict[str, float]] = {}
    rows: list[dict] = []  # type: ignore[type-arg]
    for own, margin in grid:
        rules.OWN_TOPIC_SALIENCE, answering.FOLLOWUP_MARGIN = own, margin
        memo.clear()
        rows = []
        history: list[followup.Turn] = []
        prev_conv: list[followup.Turn] = []
        for t in turns:
            if t["n"] == 0:
                prev_conv, history = history, []
            row = dict(t)
            for mode, text, hist in (("naive", t["asked"], None), ("history", t["asked"], history),
                                     ("ceiling", t["original"], None)):
                a = ask(text, hist)
                row[mode], row[mode + "_hit"] = score(t["answers"], a)
                if mode == "history":
                    row["resolved"] = a.resolved_question
            history = history + [followup.Turn(t["asked"], ask(t["asked"], history).answer)]
            if t["n"] == 0 and prev_conv:
                sw = ask(t["original"], prev_conv)
                row["switch_resolved"] = sw.resolved_question
                row["switch"], row["switch_hit"] = score(t["answers"], sw)
            rows.append(row)
        key = f"own={own} margin={margin}"
        results[key] = summarize(rows)
        print(json.dumps({"setting": key, **results[key]}, ensure_ascii=False), file=sys.stderr)
    print_table(args.file.name, args.split, results)
    if args.out:
        args.out.write_text(json.dumps({"results": results, "turns": rows}, ensure_ascii=False, indent=1))


def overlap(candidate: str, subject: str) -> float:
    """1 for the subject itself, the share of it for a part of it ("武藏浦和" of "武藏浦和站") or
    for a phrase around it, else 0."""
    c, s = fold(candidate), fold(subject)
    if c in s or s in c:
        return round(min(len(c), len(s)) / max(len(c), len(s)), 4)
    return 0.0


def topic_rows(turns: list[dict], index, settings: Settings, path: Path) -> None:  # type: ignore[type-arg,no-untyped-def]
    """For each rewritten follow-up: the candidate topics of the turns before it (their questions
    as asked, their first gold answers standing for the service's) and of the title of the
    chunk the service finds from the last answer (``qa.followup.focus``), each labelled by how
    much of the subject taken out it is."""
    salience = followup.index_salience(index)
    with path.open("w", encoding="utf-8") as out:
        history: list[followup.Turn] = []
        for t in turns:
            if t["n"] == 0:
                history = []
            if t["subject"]:
                found = conversation_chunk(index, history, settings)
                cands = topics.candidates(history, [h.question for h in history], title=found.title if found else "",
                                          passage=found.text if found else "", document=document_text(index, found))
                cands = {k: c for k, c in cands.items() if k not in fold(t["asked"])}
                if cands:
                    texts, x = topics.features(cands, salience)
                    out.write(json.dumps({"asked": t["asked"], "subject": t["subject"], "candidates": texts,
                                          "labels": [overlap(c, t["subject"]) for c in texts],
                                          "features": x.round(4).tolist()}, ensure_ascii=False) + "\n")
            history.append(followup.Turn(t["asked"], t["answers"][0]))


def _mean(xs: list[float]) -> float:
    return round(100 * statistics.fmean(xs), 1) if xs else float("nan")


def summarize(rows: list[dict]) -> dict[str, float]:  # type: ignore[type-arg]
    rw = [r for r in rows if r["subject"]]
    whole = [r for r in rows if not r["subject"] and r["n"] > 0]
    sw = [r for r in rows if "switch" in r]
    out: dict[str, float] = {"turns": len(rows), "rewritten": len(rw), "complete_later": len(whole),
                             "switch": len(sw)}
    for mode in ("naive", "history", "ceiling"):
        out[f"rewritten_{mode}_f1"] = _mean([r[mode] for r in rw])
        out[f"rewritten_{mode}_hit"] = _mean([float(r[mode + "_hit"]) for r in rw])
        out[f"complete_{mode}_f1"] = _mean([r[mode] for r in whole])
    gap = out["rewritten_ceiling_f1"] - out["rewritten_naive_f1"]
    out["gap_closed"] = round((out["rewritten_history_f1"] - out["rewritten_naive_f1"]) / gap, 3) if gap else 0.0
    out["switch_f1"] = _mean([r["switch"] for r in sw])
    out["switch_alone_f1"] = _mean([r["ceiling"] for r in sw])
    out["switch_changed"] = sum(r["switch_resolved"] != r["original"] for r in sw)
    out["complete_changed"] = sum(r["resolved"] != r["asked"] for r in whole)
    return out


def print_table(name: str, split: str, results: dict[str, dict[str, float]]) -> None:
    for setting, m in results.items():
        print(f"\n{name}, {split} part, {setting}: {m['turns']} turns, {m['rewritten']} rewritten")
        print("| turns | questions | naive F1 / hit@1 | with history F1 / hit@1 | ceiling F1 / hit@1 |")
        print("|---|---|---|---|---|")
        print(f"| rewritten follow-ups | {m['rewritten']} | {m['rewritten_naive_f1']} / {m['rewritten_naive_hit']} | "
              f"{m['rewritten_history_f1']} / {m['rewritten_history_hit']} | "
              f"{m['rewritten_ceiling_f1']} / {m['rewritten_ceiling_hit']} |")
        print(f"| complete later turns | {m['complete_later']} | {m['complete_naive_f1']} | "
              f"{m['complete_history_f1']} ({m['complete_changed']} changed) | {m['complete_ceiling_f1']} |")
        print(f"| topic switch (first turns) | {m['switch']} | {m['switch_alone_f1']} | "
              f"{m['switch_f1']} ({m['switch_changed']} changed) | {m['switch_alone_f1']} |")
        print(f"gap closed: {m['gap_closed']:.1%}")


if __name__ == "__main__":
    main()
