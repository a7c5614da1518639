"""Turning raw article text into clean paragraphs and headings, keeping the document's own
characters and a map back to where each came from.

The rules come from how Chinese documents really arrive: PDF column text hard-wrapped
mid-word, paragraphs marked only by full-width indentation inside one long line, page
breaks in the middle of a sentence, English running heads, photo credits and section marks.
Width folding (NFKC) is *not* applied here: citations must quote the original characters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from qa.records import Block

TERMINAL = set("。！？!?…；;")
CLOSERS = set("”’」』）)】》\"'")
CONTINUES = set("，、,：:—–-（(“‘「《【")
DROP_CHARS = set("\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad")
SECTION_MARKS = "■□▲△●○◆◇★☆▶►"
HEADING_MAX = 64  # display width; longer unterminated text is a paragraph missing its stop

_PHOTO_CREDIT = re.compile(r"\s*(?:（|\()?(?:本报)?(?:记者|通讯员)[\s\u3000]*[\u4e00-\u9fff·]{2,4}"
                           r"(?:[\s\u3000]+[\u4e00-\u9fff·]{2,4})*[\s\u3000]*摄(?:）|\))?\s*$")
_PHOTO_NOTE = re.compile(r"^(?:本版|本期)?(?:照片|图片|图)(?:均?为|来源[:：]?)\S{0,8}$")
_INNER_INDENT = re.compile(r"\u3000{2,}")


@dataclass
class _Line:
    text: str
    offs: list[int]
    indent: bool = False

    @property
    def width(self) -> float:
        return display_width(self.text)


@dataclass
class _Unit:
    lines: list[_Line] = field(default_factory=list)
    text: str = ""
    offs: list[int] = field(default_factory=list)

    def add(self, line: _Line) -> None:
        if self.text and line.text:
            joiner = _joiner(self.text[-1], line.text[0])
            if joiner:
                self.text += joiner
                self.offs.append(self.offs[-1] + 1)
        self.text += line.text
        self.offs.extend(line.offs)
        self.lines.append(line)

    @property
    def terminated(self) -> bool:
        t = self.text.rstrip()
        while t and t[-1] in CLOSERS:
            t = t[:-1]
        return bool(t) and t[-1] in TERMINAL


def display_width(s: str) -> float:
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in s)


def is_cjk(c: str) -> bool:
    return "\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" or "\uf900" <= c <= "\ufaff"


def _joiner(left: str, right: str) -> str:
    """Re-joining a hard-wrapped line: nothing between CJK, a space between Latin words."""
    return " " if left.isascii() and right.isascii() and left.isalnum() and right.isalnum() else ""


def _strip(line: _Line) -> _Line:
    text, offs = line.text, line.offs
    i, j = 0, len(text)
    while i < j and text[i].isspace():
        i += 1
    while j > i and text[j - 1].isspace():
        j -= 1
    return _Line(text[i:j], offs[i:j], indent=line.indent or i > 0)


def _sanitize(raw: str) -> tuple[str, list[int]]:
    """Drop control and zero-width characters; tabs become spaces; all newlines become \\n."""
    chars: list[str] = []
    offs: list[int] = []
    for i, c in enumerate(raw):
        if c == "\r":
            if i + 1 < len(raw) and raw[i + 1] == "\n":
                continue
            c = "\n"
        elif c in "\t\x0b\x0c\xa0":
            c = " "
        elif c in "\u2028\u2029\x85":
            c = "\n"
        elif c in DROP_CHARS or (unicodedata.category(c) == "Cc" and c != "\n"):
            continue
        chars.append(c)
        offs.append(i)
    return "".join(chars), offs


def _lines(text: str, offs: list[int], cjk_doc: bool) -> list[_Line | None]:
    """Split into lines (None for a blank line) and apply line-level removals."""
    out: list[_Line | None] = []
    pos = 0
    for raw_line in text.split("\n"):
        line = _Line(raw_line, offs[pos:pos + len(raw_line)])
        pos += len(raw_line) + 1
        # Paragraphs marked only by full-width indentation inside one line.
        pieces: list[_Line] = []
        last = 0
        for m in _INNER_INDENT.finditer(line.text):
            pieces.append(_Line(line.text[last:m.start()], line.offs[last:m.start()], indent=bool(pieces)))
            last = m.start()
        pieces.append(_Line(line.text[last:], line.offs[last:], indent=bool(pieces)))
        kept = [p for p in (_clean_line(_strip(p), cjk_doc) for p in pieces) if p is not None]
        if not kept:
            out.append(None)
        out.extend(kept)
    return out


def _clean_line(line: _Line, cjk_doc: bool) -> _Line | None:
    text = line.text
    if not text:
        return None
    if text[0] in SECTION_MARKS:  # "■ 龙城时讯" — the mark goes, the heading stays
        n = len(text) - len(text.lstrip(SECTION_MARKS + " \u3000"))
        return _clean_line(_Line(text[n:], line.offs[n:], indent=True), cjk_doc)
    if _PHOTO_NOTE.match(text):
        return None
    m = _PHOTO_CREDIT.search(text)
    if m:
        if m.start() == 0:
            return None
        return _Line(text[:m.start()], line.offs[:m.start()], line.indent)
    if cjk_doc and not any(is_cjk(c) for c in text) and re.fullmatch(r"[A-Za-z][A-Za-z0-9 ,.'&:-]*", text):
        return None  # an English running head in a Chinese document
    return line


def _hard_wrapped(lines: list[_Line | None]) -> bool:
    """True for PDF column text: many lines stop mid-sentence and the next line goes on."""
    filled = [ln for ln in lines if ln is not None]
    if len(filled) < 8:
        return False
    wrapped = 0
    for a, b in zip(lines, lines[1:]):
        if a is not None and b is not None and not b.indent and len(a.text) >= 6:
            u = _Unit()
            u.add(a)
            wrapped += not u.terminated
    return wrapped >= 5 and wrapped >= 0.25 * len(filled)


def _units(lines: list[_Line | None], wrapped: bool) -> list[_Unit]:
    units: list[_Unit] = []
    cur: _Unit | None = None
    for line in lines:
        if line is None:
            cur = None
            continue
        if cur is None or not wrapped or line.indent:
            cur = _Unit()
            units.append(cur)
        cur.add(line)
    return units


def _is_continued(u: _Unit, column: float) -> bool:
    """Whether an unterminated unit was cut by a page or column break rather than being a heading.

    ``column`` is the typical line width of hard-wrapped text, 0 when the text is not wrapped.
    """
    if u.terminated:
        return False
    if u.text[-1] in CONTINUES or any(c in TERMINAL for c in u.text):
        return True
    if column:
        if len(u.lines) >= 2:
            return u.lines[-1].width >= 0.85 * max(ln.width for ln in u.lines)
        return u.lines[0].width >= 0.85 * column and any(c in "，,、；;：:" for c in u.text)
    width = display_width(u.text)
    return width > HEADING_MAX or (width > 16 and any(c in "，,：:" for c in u.text))


def _looks_like_heading(u: _Unit, column: float) -> bool:
    return not u.terminated and not _is_continued(u, column) and display_width(u.text) <= HEADING_MAX


def _column_width(units: list[_Unit]) -> float:
    widths = sorted(ln.width for u in units if len(u.lines) >= 2 for ln in u.lines[:-1])
    return widths[len(widths) // 2] if widths else 0.0


def _merge(units: list[_Unit], column: float) -> list[_Unit]:
    out: list[_Unit] = []
    for u in units:
        if out and _is_continued(out[-1], column) and not _looks_like_heading(u, column):
            for line in u.lines:
                out[-1].add(line)
        else:
            out.append(u)
    return out


def clean(raw: str) -> tuple[str, list[Block], list[int]]:
    """Return (clean text, its blocks, and for each clean character its offset in ``raw``).

    Blocks are separated by one newline. A block is a heading when it is short and has no
    closing punctuation; everything else is a paragraph.
    """
    text, offs = _sanitize(raw)
    sample = text[:5000]
    cjk_doc = sum(map(is_cjk, sample)) > 0.3 * max(1, sum(not c.isspace() for c in sample))
    lines = _lines(text, offs, cjk_doc)
    wrapped = _hard_wrapped(lines)
    units = _units(lines, wrapped)
    column = _column_width(units) if wrapped else 0.0
    units = _merge(units, column)
    out: list[str] = []
    out_offs: list[int] = []
    blocks: list[Block] = []
    pos = 0
    for u in units:
        if out:
            out.append("\n")
            out_offs.append(out_offs[-1] + 1)
            pos += 1
        kind = "heading" if _looks_like_heading(u, column) else "paragraph"
        blocks.append(Block(kind, pos, pos + len(u.text)))
        out.append(u.text)
        out_offs.extend(u.offs)
        pos += len(u.text)
    return "".join(out), blocks, out_offs
