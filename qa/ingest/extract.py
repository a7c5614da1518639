"""What a format reader hands over, and how it becomes a cleaned ``Document``.

Readers come in two kinds. Flowing text (plain text, Markdown, HTML, EPUB, PDF, OCR) has no
reliable paragraph structure: lines broken mid-sentence, pages cut inside a paragraph. It goes
through ``clean`` whole, so a sentence that a page break split is joined again, and the places
(pages) the reader marked are carried over through the cleaner's offset map. Structured formats
(Word, spreadsheets, slides) know their paragraphs and headings: each ``Part`` becomes one block
as it is, because guessing there would only lose what the file states.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from qa.ingest.cleaning import DROP_CHARS, clean
from qa.records import Block, Document, Place


class UnreadableFile(ValueError):
    """The file cannot be read: binary, empty, encrypted, corrupt, or in no encoding we decode."""


@dataclass
class Mark:
    """Raw text from ``start`` on belongs to this page or place (flowing text)."""

    start: int
    page: int | None
    label: str


@dataclass
class Part:
    """One paragraph or heading of a structured format, with its place in the file."""

    kind: str  # "heading" or "paragraph"
    text: str
    page: int | None = None
    label: str = ""


@dataclass
class Extract:
    """A reader's output: flowing ``raw`` text with ``marks``, or structured ``parts``."""

    raw: str = ""
    marks: list[Mark] = field(default_factory=list)
    parts: list[Part] | None = None
    title: str = ""
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)  # what was lost or done (OCR pages, skipped images)


_SPACES = re.compile(r"[ \t\r\n\u3000\xa0\x0b\x0c]+")


def tidy(text: str) -> str:
    """One line of a structured part: control and zero-width characters dropped, runs of white
    space made one space (none between CJK characters, as Chinese text is written)."""
    text = "".join(c for c in text if c not in DROP_CHARS and (unicodedata.category(c) != "Cc" or c in "\t\n\r"))
    text = _SPACES.sub(" ", text).strip()
    return re.sub(r"(?<=[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]) (?=[\u3400-\u9fff\uff00-\uffef\u3000-\u303f])",
                  "", text)


def assemble(doc_id: str, ex: Extract, fallback_title: str) -> Document:
    if ex.parts is not None:
        text, blocks, places = _structured(ex.parts)
    else:
        text, blocks, offsets = clean(ex.raw)
        places = _carry_marks(ex.marks, offsets)
    if not text.strip():
        raise UnreadableFile("no text after cleaning")
    title = ex.title
    if not title:
        first = blocks[0] if blocks else None
        title = text[first.start:first.end] if first and first.kind == "heading" else fallback_title
    return Document(doc_id=doc_id, title=title[:120], text=text,
                    sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                    blocks=blocks, source_offsets=[] if ex.parts is not None else offsets,
                    encoding=ex.encoding, places=places)


def _structured(parts: list[Part]) -> tuple[str, list[Block], list[Place]]:
    out: list[str] = []
    blocks: list[Block] = []
    places: list[Place] = []
    pos = 0
    for part in parts:
        body = tidy(part.text)
        if not body:
            continue
        if out:
            out.append("\n")
            pos += 1
        if part.label and (not places or places[-1].label != part.label):
            places.append(Place(pos, part.page, part.label))
        blocks.append(Block(part.kind, pos, pos + len(body)))
        out.append(body)
        pos += len(body)
    return "".join(out), blocks, places


def _carry_marks(marks: list[Mark], offsets: list[int]) -> list[Place]:
    """Marks at raw offsets, moved to the first cleaned character at or after each one."""
    places: list[Place] = []
    for m in marks:
        i = bisect.bisect_left(offsets, m.start)
        if i >= len(offsets):
            break
        if places and places[-1].start == i:
            places[-1] = Place(i, m.page, m.label)  # an earlier page left nothing after cleaning
        else:
            places.append(Place(i, m.page, m.label))
    return places
