"""Packing sentences into retrieval chunks.

A chunk is always a contiguous slice of the document text, so ``text[start:end]`` reproduces
it and the document view can highlight it. Headings never stand alone: a heading opens the
first chunk under it and names the section (``heading_path``) of every chunk that follows.
Repeated passages (a paragraph, or a long sentence, seen earlier in the same document) are
left out, so the index holds no duplicate chunk.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qa.folding import fold
from qa.records import Chunk, Document
from qa.sentences import split_sentences

DUP_SENTENCE_MIN = 12  # shorter sentences ("同比增长5%。") may repeat legitimately
# A "sentence" longer than this (a file without punctuation, a table flattened to one line) is cut
# at soft breaks: no chunk outgrows what the model reads (512 tokens) or a store's text field.
MAX_SENTENCE_CHARS = 1000
SOFT_BREAKS = "，、,;；:： \t"


@dataclass(frozen=True)
class ChunkerSettings:
    target_chars: int = 160
    overlap: int = 1

    def to_json(self) -> dict[str, int]:
        return {"target_chars": self.target_chars, "overlap": self.overlap}


@dataclass
class _Section:
    headings: list[tuple[int, int]]
    runs: list[list[tuple[int, int]]] = field(default_factory=list)  # runs of contiguous sentences


def _sections(doc: Document) -> list[_Section]:
    text = doc.text
    sections: list[_Section] = []
    pending: list[tuple[int, int]] = []
    seen_par: set[str] = set()
    seen_sent: set[str] = set()
    current: _Section | None = None
    for block in doc.blocks:
        if block.kind == "heading":
            pending.append((block.start, block.end))
            continue
        if pending or current is None:
            current = _Section(headings=pending, runs=[[]])
            sections.append(current)
            pending = []
        key = fold(text[block.start:block.end]).strip()
        if key in seen_par:
            current.runs.append([])  # a repeated paragraph breaks contiguity
            continue
        seen_par.add(key)
        for s in split_sentences(text, block.start, block.end):
            skey = fold(text[s.start:s.end])
            if len(skey) >= DUP_SENTENCE_MIN and skey in seen_sent:
                current.runs.append([])
                continue
            seen_sent.add(skey)
            current.runs[-1].extend(_pieces(text, s.start, s.end))
    return sections


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    out = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = max(text.rfind(c, start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS) for c in SOFT_BREAKS)
        cut = cut + 1 if cut >= start else start + MAX_SENTENCE_CHARS
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


def chunk_document(doc: Document, settings: ChunkerSettings, first_id: int = 0) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in _sections(doc):
        path = [doc.text[a:b] for a, b in section.headings]
        first_in_section = True
        for run in section.runs:
            if not run:
                continue
            for group in _pack(run, settings):
                if first_in_section and section.headings:
                    # Headings open the section's first chunk, and can hold answers ("市委书记 霍步刚").
                    group = section.headings + group
                first_in_section = False
                start = group[0][0]
                end = group[-1][1]
                chunks.append(Chunk(chunk_id=first_id + len(chunks), doc_id=doc.doc_id, title=doc.title,
                                    heading_path=path, start=start, end=end,
                                    text=doc.text[start:end], sentences=list(group)))
    return chunks


def _pack(run: list[tuple[int, int]], settings: ChunkerSettings) -> list[list[tuple[int, int]]]:
    """Greedy packing up to ``target_chars``, repeating ``overlap`` sentences between chunks."""
    groups: list[list[tuple[int, int]]] = []
    i = 0
    while i < len(run):
        j = i + 1
        while j < len(run) and run[j][1] - run[i][0] <= settings.target_chars:
            j += 1
        groups.append(run[i:j])
        if j >= len(run):
            break
        i = max(i + 1, j - settings.overlap)
    return groups


def passage_text(chunk: Chunk) -> str:
    """What gets embedded: the chunk, preceded by its section heading when the chunk lacks it."""
    if chunk.heading_path and not chunk.text.startswith(chunk.heading_path[0]):
        return chunk.heading_path[-1] + "\n" + chunk.text
    return chunk.text
