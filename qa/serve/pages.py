"""What the pages need beyond the answer itself: highlighted text segments and example questions.

Segments are (text, css class) pairs that the templates render with autoescaping, so
document text is never inserted into a page as markup.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

from qa.ingest.extract import UnreadableFile
from qa.ingest.pdf import find_boxes
from qa.records import Block, Document
from qa.store.index import Index

Segment = tuple[str, str]


def doc_url(doc_id: str, start: int | None = None, end: int | None = None, page: int | None = None,
            sentence: list[int] | None = None, answer: list[int] | None = None) -> str:
    """The document view at an excerpt, with the cited sentence and answer (excerpt offsets);
    with ``page`` (a PDF's), at that page, the sentence and answer boxed on its image."""
    url = "/documents/" + quote(doc_id)
    if start is not None and end is not None:
        url += f"?start={start}&end={end}"
        if page is not None:
            url += f"&page={page}"
        for name, span in (("sentence", sentence), ("answer", answer)):
            if span:
                url += f"&{name}={start + span[0]}-{start + span[1]}"
        url += "#hl"
    return url


def excerpt_segments(excerpt: str, highlight: list[int] | None, answer: list[int] | None) -> list[Segment]:
    """Split an excerpt into plain, sentence-highlighted and answer-highlighted parts."""
    cuts = {0, len(excerpt)}
    for span in (highlight, answer):
        if span:
            cuts.update(max(0, min(len(excerpt), x)) for x in span)
    bounds = sorted(cuts)
    out: list[Segment] = []
    for a, b in zip(bounds, bounds[1:]):
        cls = ""
        if highlight and highlight[0] <= a and b <= highlight[1]:
            cls = "hl"
        if answer and answer[0] <= a and b <= answer[1]:
            cls = "ans"
        out.append((excerpt[a:b], cls))
    return out


def _local(span: tuple[int, int] | None, block: Block) -> list[int] | None:
    """``span`` (document offsets) in the block's own offsets, where they overlap."""
    if span is None or not (span[0] < block.end and span[1] > block.start):
        return None
    return [max(span[0], block.start) - block.start, min(span[1], block.end) - block.start]


def document_blocks(index: Index, doc_id: str, start: int | None, end: int | None,
                    answer: tuple[int, int] | None = None) -> list[dict[str, object]]:
    """Blocks of a document as segments, the cited passage [start, end) marked, and the answer
    (document offsets) marked within it."""
    doc = index.documents[doc_id]
    blocks = []
    for b in doc.blocks:
        cited = _local((start, end), b) if start is not None and end is not None else None
        segs = excerpt_segments(doc.text[b.start:b.end], cited, _local(answer, b) if cited else None)
        blocks.append({"kind": b.kind, "segments": [x for x in segs if x[0]], "anchor": False})
    # The anchor goes on the first block that holds highlighted text.
    for blk in blocks:
        if any(cls for _, cls in blk["segments"]):  # type: ignore[union-attr]
            blk["anchor"] = True
            break
    return blocks


def source_file(corpus: Path, doc_id: str) -> Path | None:
    """The document's file in the corpus folder, if it is still there (and inside the folder)."""
    root = corpus.resolve()
    path = (root / doc_id).resolve()
    return path if root in path.parents and path.is_file() else None


def page_image_url(doc_id: str, page: int) -> str:
    return f"/page-images/{page}/{quote(doc_id)}"


def span_of(value: str | None, limit: int) -> tuple[int, int] | None:
    m = re.fullmatch(r"(\d+)-(\d+)", value or "")
    if not m:
        return None
    a, b = int(m.group(1)), int(m.group(2))
    return (a, b) if 0 <= a < b <= limit else None


def pdf_page(corpus: Path, doc: Document, page: int | None, start: int | None,
             sentence: str | None, answer: str | None) -> dict[str, object] | None:
    """What the view of a PDF shows beside its text: one page as an image, the cited sentence
    and answer boxed on it. None for other formats, or when the file is gone or unreadable."""
    path = source_file(corpus, doc.doc_id) if doc.encoding == "pdf" else None
    if path is None:
        return None
    place = doc.place_at(start) if start is not None else None
    default = place.page if place is not None and place.page else 1
    n = len(doc.text)
    spans = [("sentence", span_of(sentence, n)), ("answer", span_of(answer, n))]
    spans = [(cls, span) for cls, span in spans if span]
    needles = [doc.text[a:b] for _, (a, b) in spans]
    try:
        pages, found = find_boxes(path, page or default, needles)
        if not 1 <= (page or default) <= pages:  # a page number past the end: the cited page instead
            page = None
            pages, found = find_boxes(path, default, needles)
    except UnreadableFile:
        return None
    page = page or default
    boxes = [{"cls": cls, "style": f"left:{x * 100:.2f}%;top:{y * 100:.2f}%;width:{w * 100:.2f}%;height:{h * 100:.2f}%"}
             for (cls, _), boxes_of in zip(spans, found) for x, y, w, h in boxes_of]
    return {"page": page, "pages": pages, "image": page_image_url(doc.doc_id, page), "boxes": boxes,
            "prev": page - 1 if page > 1 else None, "next": page + 1 if page < pages else None}


def location_label(doc: Document, offset: int | None, sentence: str | None = None) -> str | None:
    """The label of the cited sentence's place (else the excerpt's)."""
    span = span_of(sentence, len(doc.text))
    offset = span[0] if span else offset
    place = doc.place_at(offset) if offset is not None else None
    return place.label if place is not None else None


# A number with what follows it ("77.6亿元", "48.6%"): the example question asks for it.
_NUMBER = re.compile(r"(?:约|近|超过|达)?\d+(?:[.,]\d+)*\s*(?:%|％|[万亿千百]*[\u4e00-\u9fff]?)")
_CLAUSE = re.compile(r"[^，。；;,！？!?\n]+")


def example_questions(index: Index, limit: int = 4) -> list[str]:
    """Cloze questions made from the corpus: a clause with its number replaced by 多少.

    Drawn from different documents, so the examples show the breadth of what is indexed.
    """
    picked: list[str] = []
    seen_docs: set[str] = set()
    for rounds in range(2):
        for chunk in index.iter_chunks():
            if len(picked) >= limit:
                return picked
            if rounds == 0 and chunk.doc_id in seen_docs:
                continue
            for a, b in chunk.sentences:
                q = cloze_question(index.documents[chunk.doc_id].text[a:b])
                if q and q not in picked:
                    picked.append(q)
                    seen_docs.add(chunk.doc_id)
                    break
    return picked


_QUOTES = set("“”‘’\"'「」『』《》()（）【】[]")


def cloze_question(sentence: str) -> str | None:
    """A clause of a complete sentence, its number replaced by 多少; clauses with quotes or
    brackets are passed over, since cutting at the number can leave one of them dangling or
    turn a quoted name ("十四五", “5G”) into the thing asked for."""
    if not sentence.endswith(tuple("。！；;!")):  # headings and fragments make poor questions
        return None
    for m in _CLAUSE.finditer(sentence):
        clause = m.group().strip()
        if _QUOTES & set(clause):
            continue
        num = _NUMBER.search(clause)
        if not num or "年" in num.group()[-1:]:
            continue
        head = clause[:num.start()].strip()
        if 6 <= len(head) <= 24 and re.search(r"[\u4e00-\u9fff]{4}", head):
            return head + "多少？"
    return None
