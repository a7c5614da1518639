"""Plain records passed from one stage to the next (documents → chunks → index → answers).

Offsets are always character offsets into ``Document.text`` (the cleaned text that the
document view shows), so a citation can be checked with ``text[start:end]``.
"""

from __future__ import annotations

import bisect
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Block:
    """A paragraph or heading of a cleaned document."""

    kind: str  # "heading" or "paragraph"
    start: int
    end: int


@dataclass(frozen=True)
class Place:
    """Where the document text from ``start`` on (to the next place) sits in its file, so a
    citation can say "第3页" or "Sheet1 第12行" and a PDF view can open at the page."""

    start: int
    page: int | None  # 1-based page of a PDF, slide of a deck; None where a format has no pages
    label: str  # short Chinese label: "第3页", "第2张幻灯片", "Sheet1 第12行"


@dataclass
class Document:
    doc_id: str  # path relative to the corpus, with "/" separators
    title: str
    text: str  # cleaned text: the document's own characters, re-flowed
    sha256: str  # of ``text``
    blocks: list[Block] = field(default_factory=list)
    source_offsets: list[int] = field(default_factory=list)  # text index -> raw file index
    encoding: str = "utf-8"  # of a text file; the format ("pdf", "docx", …) for the others
    places: list[Place] = field(default_factory=list)  # sorted by start; empty for plain text

    def place_at(self, offset: int) -> Place | None:
        """The place that holds the character at ``offset``."""
        i = bisect.bisect_right([p.start for p in self.places], offset) - 1
        return self.places[i] if i >= 0 else None


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int


@dataclass
class Chunk:
    chunk_id: int
    doc_id: str
    title: str
    heading_path: list[str]
    start: int
    end: int
    text: str
    sentences: list[tuple[int, int]]  # document offsets of the body sentences in this chunk

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Chunk:
        data = dict(data)
        data["sentences"] = [tuple(s) for s in data["sentences"]]
        return cls(**data)


@dataclass
class SkippedFile:
    path: str
    reason: str


@dataclass(frozen=True)
class Span:
    """The answer phrase inside the supporting sentence, in the sentence's offsets."""
    start: int
    end: int
    confidence: float
