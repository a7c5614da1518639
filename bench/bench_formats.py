"""Reading speed per format, and answer accuracy on a mixed-format question set.

Usage: python bench/bench_formats.py [--pages 40] [--out bench/results/formats.json]

The documents are the samples of ``tests/samples.py`` (written with reportlab, python-docx,
openpyxl, python-pptx and Pillow, about made-up facts). Speed: a PDF of ``--pages`` text pages
(the sample report repeated), a scanned PDF of 5 pages (OCR), and a workbook and CSV of 5,000
rows, each read through ``read_document`` (reader + clean-up). Accuracy: every file indexed into
one corpus beside the bundled seed documents and asked ``samples.QUESTIONS`` through the real
answer stage; a question counts when the answer holds the expected phrase, and its citation
when it names the expected file and, where one is given, the expected location.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import samples  # noqa: E402

from qa.answering import answer_question  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.embedding import Embedder, e5_folder  # noqa: E402
from qa.ingest import ocr  # noqa: E402
from qa.ingest.corpus import read_document  # noqa: E402
from qa.reader.runtime import load_reader  # noqa: E402
from qa.store.index_build import build_index  # noqa: E402
from qa.store.index_store import load_index  # noqa: E402


def timed(path: Path, units: int, unit: str) -> dict[str, object]:
    t = time.perf_counter()
    doc = read_document(path, path.name)
    s = time.perf_counter() - t
    return {"file": path.name, "units": units, "unit": unit, "seconds": round(s, 3),
            "per_second": round(units / s, 1), "chars": len(doc.text)}


def speed(work: Path, pages: int) -> list[dict[str, object]]:
    out = []
    repeat = max(1, round(pages / 1.3))  # the report's content fills about 1.3 A5 pages
    samples.write_report_pdf(work / "long.pdf", repeat=repeat)
    import pypdfium2 as pdfium

    n = len(pdfium.PdfDocument(work / "long.pdf"))
    out.append(timed(work / "long.pdf", n, "pages"))
    samples.write_table_pdf(work / "table.pdf")
    out.append(timed(work / "table.pdf", 1, "pages"))
    if ocr.available():
        imgs = [samples.scan_image([f"{line}（{k}）" for line in samples.SCAN_LINES]) for k in range(5)]
        imgs[0].save(work / "scan5.pdf", "PDF", resolution=150, save_all=True, append_images=imgs[1:])
        read_document(work / "scan5.pdf", "warm-up")  # the OCR engine loads on first use: time it apart
        out.append(timed(work / "scan5.pdf", 5, "pages (OCR)"))
    rows = [["乡镇", "年份", "常住人口（人）", "耕地面积（亩）"]] + [[f"第{i}镇", 2024, 1000 + i, 2000 + i]
                                                              for i in range(5000)]
    import openpyxl

    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(work / "big.xlsx")
    out.append(timed(work / "big.xlsx", 5000, "rows"))
    with open(work / "big.csv", "w", encoding="gb18030", newline="") as f:
        csv.writer(f).writerows(rows)
    out.append(timed(work / "big.csv", 5000, "rows"))
    samples.write_docx(work / "notes.docx")
    out.append(timed(work / "notes.docx", 1, "files"))
    samples.write_pptx(work / "deck.pptx")
    out.append(timed(work / "deck.pptx", len(samples.SLIDES), "slides"))
    return out


def accuracy(work: Path) -> tuple[list[dict[str, object]], dict[str, object]]:
    corpus = work / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    samples.write_all(corpus)
    settings = Settings.from_env(corpus_dir=corpus, index_dir=work / "idx")
    embedder = Embedder(settings)
    report = build_index(settings, embedder, show_progress=False)
    index = load_index(settings)
    reader = load_reader(e5_folder(settings), settings.reader_weights, settings.reader_runtime)
    rows = []
    for question, phrase, name, location in samples.QUESTIONS:
        a = answer_question(index, embedder, reader, question, settings)
        cite = a.citations[0] if a.citations else None
        rows.append({"question": question, "expected": phrase, "file": name, "answer": a.answer,
                     "confidence": a.confidence, "cited": cite.doc_id if cite else None,
                     "location": cite.location if cite else None, "page": cite.page if cite else None,
                     "correct": bool(a.answer and phrase in a.answer),
                     "cited_right": bool(cite and cite.doc_id == name
                                         and (location is None or cite.location == location))})
    return rows, {"documents": report.documents, "skipped": [vars(s) for s in report.skipped]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, OCR extra: {ocr.available()}")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sp = speed(work, args.pages)
        print("\n| file | size | time (s) | per second | characters |\n|---|---|---|---|---|")
        for r in sp:
            print(f"| {r['file']} | {r['units']} {r['unit']} | {r['seconds']} | {r['per_second']} {r['unit']} "
                  f"| {r['chars']} |")
        rows, build = accuracy(work)
    print(f"\nindexed {build['documents']} documents; skipped: {build['skipped']}")
    print("\n| question | expected | answer | cited | location | ok |\n|---|---|---|---|---|---|")
    for r in rows:
        ok = ("✓" if r["correct"] else "✗") + (" ✓" if r["cited_right"] else " ✗")
        print(f"| {r['question']} | {r['expected']} | {r['answer']} | {r['cited']} | {r['location']} | {ok} |")
    n = len(rows)
    print(f"\nanswers right: {sum(r['correct'] for r in rows)}/{n}; "
          f"first citation right (file and location): {sum(r['cited_right'] for r in rows)}/{n}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"speed": sp, "questions": rows, "build": build}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
