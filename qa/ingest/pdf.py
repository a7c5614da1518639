"""PDF: the text layer read with pypdfium2, laid out into paragraphs (``layout``); pages with no
text layer (scans) go to OCR when the extra is installed. Every page is a place ("第3页").
The title is the first heading: the metadata title of real PDFs is too often "Microsoft Word -
报告.doc" or "(anonymous)"."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from qa.ingest import ocr
from qa.ingest.extract import Extract, Mark, UnreadableFile
from qa.ingest.layout import Line, drop_running, join, paragraphs
from qa.ingest.pdf_tables import has_rulings, with_tables

log = logging.getLogger(__name__)

OCR_SCALE = 200 / 72  # render scans at 200 dpi for OCR


def open_pdf(path: Path) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise UnreadableFile("encrypted PDF: it needs a password") from exc
        raise UnreadableFile(f"corrupt or not a PDF ({exc})") from exc


def text_lines(page: Any, number: int) -> list[Line]:
    """The page's text-layer lines with their boxes, in the order the PDF draws them."""
    tp = page.get_textpage()
    try:
        text = tp.get_text_range()
        height = page.get_height()
        exact = len(text) == tp.count_chars()  # one character per char box: boxes can be used
        lines, pos = [], 0
        for raw in text.replace("\r\n", "\n").split("\n") if not exact else text.split("\r\n"):
            idx = range(pos, pos + len(raw))
            pos += len(raw) + 2
            if not raw.strip():
                continue
            if exact:
                boxes = [tp.get_charbox(i) for i, c in zip(idx, raw) if not c.isspace()]
                x0, x1 = min(b[0] for b in boxes), max(b[2] for b in boxes)
                top, bottom = max(b[3] for b in boxes), min(b[1] for b in boxes)
                lines.append(Line(raw, x0, x1, height - top, height - bottom, number))
            else:  # no geometry: every line taken as running to its column's edge
                y = float(len(lines))
                lines.append(Line(raw, 0.0, 1.0, y, y + 0.8, number))
        return lines
    finally:
        tp.close()


def read_pdf(path: Path) -> Extract:
    pdf = open_pdf(path)
    try:
        pages, heights, scans = [], [], []
        for n in range(len(pdf)):
            page = pdf[n]
            lines = text_lines(page, n + 1)
            if lines and has_rulings(page):
                lines = with_tables(path, n + 1, lines)
            if not lines:
                scans.append(n + 1)
                if ocr.available():  # pixels back to points, as the text pages' lines are
                    lines = [replace(ln, x0=ln.x0 / OCR_SCALE, x1=ln.x1 / OCR_SCALE, y0=ln.y0 / OCR_SCALE,
                                     y1=ln.y1 / OCR_SCALE)
                             for ln in ocr.ocr_lines(page.render(scale=OCR_SCALE).to_pil(), n + 1)]
            pages.append(lines)
            heights.append(page.get_height())
            page.close()
    finally:
        pdf.close()
    if scans and not ocr.available():
        if len(scans) == len(pages):
            raise UnreadableFile(ocr.NEEDS_OCR)
        log.warning("%s: pages %s have no text layer and were left out (%s)", path.name, scans, ocr.NEEDS_OCR)
    raw, marks = "", []
    page_seen = 0
    for par in paragraphs([ln for lines in drop_running(pages, heights) for ln in lines]):
        text, starts = join(par)
        for ln, at in zip(par, starts):
            if ln.page != page_seen:  # a page begins here, maybe inside a paragraph
                marks.append(Mark(len(raw) + at, ln.page, f"第{ln.page}页"))
                page_seen = ln.page
        raw += text + "\n\n"
    notes = [f"OCR of pages {scans}"] if scans and ocr.available() else []
    return Extract(raw=raw, marks=marks, encoding="pdf", notes=notes)


def render_page(path: Path, page: int, scale: float = 1.5) -> bytes:
    """Page ``page`` (1-based) as a PNG, for the document view."""
    import io

    pdf = open_pdf(path)
    try:
        if not 1 <= page <= len(pdf):
            raise UnreadableFile(f"the PDF has {len(pdf)} pages, not {page}")
        buf = io.BytesIO()
        pdf[page - 1].render(scale=scale).to_pil().save(buf, "PNG")
        return buf.getvalue()
    finally:
        pdf.close()


Box = tuple[float, float, float, float]  # left, top, width, height as fractions of the page


def find_boxes(path: Path, page: int, needles: list[str]) -> tuple[int, list[list[Box]]]:
    """The PDF's page count, and boxes around each needle in page ``page``'s text layer, one per
    line it runs over (none when the page is out of range); white space and line breaks are
    ignored on both sides, since the document text re-flowed them. A needle not on the page
    whole (it runs onto the next) is boxed by whichever half is there. Scanned pages have no text
    layer and get no boxes."""
    pdf = open_pdf(path)
    try:
        pages = len(pdf)
        if not 1 <= page <= pages:
            return pages, [[] for _ in needles]
        pg = pdf[page - 1]
        width, height = pg.get_size()
        tp = pg.get_textpage()
        try:
            text = tp.get_text_range()
            if len(text) != tp.count_chars():
                return pages, [[] for _ in needles]
            idx = [i for i, c in enumerate(text) if not c.isspace()]
            flat = "".join(text[i] for i in idx)
            out = []
            for needle in needles:
                boxes = _line_boxes(tp, idx, _spans(flat, "".join(needle.split())))
                out.append([(x0 / width, 1 - y1 / height, (x1 - x0) / width, (y1 - y0) / height)
                            for x0, y0, x1, y1 in boxes])
            return pages, out
        finally:
            tp.close()
    finally:
        pdf.close()


def _spans(flat: str, target: str) -> list[tuple[int, int]]:
    if not target:
        return []
    at = flat.find(target)
    if at >= 0:
        return [(at, at + len(target))]
    spans = []
    for part in (target[: len(target) // 2], target[len(target) // 2:]):
        at = flat.find(part) if len(part) >= 4 else -1
        if at >= 0:
            spans.append((at, at + len(part)))
    return spans


def _line_boxes(tp: Any, idx: list[int], spans: list[tuple[int, int]]) -> list[list[float]]:
    """Character boxes of the spans (indexes into ``idx``), merged line by line (PDF points)."""
    boxes: list[list[float]] = []
    for a, b in spans:
        for i in idx[a:b]:
            x0, y0, x1, y1 = tp.get_charbox(i)
            if boxes and boxes[-1][1] <= (y0 + y1) / 2 <= boxes[-1][3]:  # same line: widen the box
                box = boxes[-1]
                box[0], box[1], box[2], box[3] = min(box[0], x0), min(box[1], y0), max(box[2], x1), max(box[3], y1)
            else:
                boxes.append([x0, y0, x1, y1])
    return boxes
