"""Lines with their position on a page (from a PDF's text layer or from OCR) made into
paragraphs, the way a reader sees them.

Chinese has no spaces between words, so a PDF line break inside a sentence must simply vanish;
a real paragraph ends with a line that stops short of its column's right edge, or is followed
by an indented line, a heading (第X章, 一、, （一）, 1.2) or a wider gap. Running headers and
footers are the lines at the top or bottom of a page that repeat (numbers aside) on at least
half of the pages; page-number lines go wherever they stand at the top or bottom.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

HEADING = re.compile(r"^(?:第[一二三四五六七八九十百零〇\d]+[章节条部分篇编]|[一二三四五六七八九十]+、|"
                     r"[（(][一二三四五六七八九十]+[）)]|\d+(?:\.\d+)*[、.．]\s*\S)")
PAGE_NUMBER = re.compile(r"^[\s\-—–－·]*(?:第\s*\d+\s*页(?:\s*[/／,，]?\s*共\s*\d+\s*页)?|\d+\s*(?:[/／]\s*\d+)?|"
                         r"[Pp]age\s*\d+(?:\s*of\s*\d+)?|[-—–－]\s*\d+\s*[-—–－])[\s\-—–－·]*$")
TERMINAL = set("。！？!?；;…”」』）)")
EDGE_LINES = 2  # lines looked at for running heads and feet at each end of a page
MARGIN = 0.12  # ... when they stand within this fraction of the page height from its edge


@dataclass
class Line:
    text: str
    x0: float  # left
    x1: float  # right
    y0: float  # top, growing downwards
    y1: float  # bottom
    page: int  # 1-based
    alone: bool = False  # a paragraph by itself (a table row made a sentence)

    @property
    def height(self) -> float:
        return max(1e-6, self.y1 - self.y0)


def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", "", text))


def drop_running(pages: list[list[Line]], heights: list[float]) -> list[list[Line]]:
    """Every page without its running header, footer and page-number lines: those among the
    first and last lines of a page that stand in its top or bottom ``MARGIN`` of the height."""
    def edges(lines: list[Line], height: float) -> list[Line]:
        by_y = sorted(lines, key=lambda ln: ln.y0)
        return [ln for ln in by_y[:EDGE_LINES] if ln.y1 <= MARGIN * height] + \
            [ln for ln in by_y[-EDGE_LINES:] if ln.y0 >= (1 - MARGIN) * height]

    counts: dict[str, int] = {}
    for lines, height in zip(pages, heights):
        for key in {_key(ln.text) for ln in edges(lines, height)}:
            counts[key] = counts.get(key, 0) + 1
    need = max(2, (len(pages) + 1) // 2)
    out = []
    for lines, height in zip(pages, heights):
        edge = {id(ln) for ln in edges(lines, height)}
        out.append([ln for ln in lines if id(ln) not in edge or not (
            PAGE_NUMBER.match(ln.text) or (len(pages) >= 2 and counts[_key(ln.text)] >= need))])
    return out


def _joiner(left: str, right: str) -> str:
    return " " if left[-1:].isascii() and right[:1].isascii() and left[-1:].isalnum() and right[:1].isalnum() else ""


def _columns(lines: list[Line]) -> list[tuple[float, float]]:
    """For each line, the left and right edges of the text beside and under it on its page
    (the lines it overlaps horizontally): its column, in one- or two-column layouts alike."""
    bounds: list[tuple[float, float]] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and lines[j].page == lines[i].page:
            j += 1
        page = lines[i:j]
        for ln in page:
            col = [o for o in page if o.x0 < ln.x1 and ln.x0 < o.x1]
            bounds.append((min(o.x0 for o in col), max(o.x1 for o in col)))
        i = j
    return bounds


def paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Lines (in reading order, page by page) grouped into paragraphs; a paragraph goes on
    across a page or column break when the line before the break runs to its column's edge."""
    if not lines:
        return []
    em = statistics.median(ln.height for ln in lines)
    cols = _columns(lines)
    out: list[list[Line]] = []
    for i, ln in enumerate(lines):
        left = cols[i][0]
        starts = i == 0 or ln.alone or lines[i - 1].alone or bool(HEADING.match(ln.text)) or ln.x0 >= left + 0.9 * em
        if not starts:
            prev = lines[i - 1]
            prev_full = prev.x1 >= cols[i - 1][1] - 1.5 * em
            gap = ln.y0 - prev.y1 if ln.page == prev.page else 0.0
            starts = not prev_full or bool(HEADING.match(prev.text)) or gap > 0.9 * em
        if starts:
            out.append([ln])
        else:
            out[-1].append(ln)
    return out


def join(par: list[Line]) -> tuple[str, list[int]]:
    """A paragraph's text, and where each of its lines begins in it."""
    text, starts = "", []
    for ln in par:
        t = ln.text.strip()
        text += _joiner(text, t) if text else ""
        starts.append(len(text))
        text += t
    return text, starts
