"""What the pages need beyond the answer itself: highlighted text segments and example questions.

Segments are (text, css class) pairs that the templates render with autoescaping, so
document text is never inserted into a page as markup.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from qa.index import Index

Segment = tuple[str, str]


def doc_url(doc_id: str, start: int | None = None, end: int | None = None) -> str:
    url = "/documents/" + quote(doc_id)
    if start is not None and end is not None:
        url += f"?start={start}&end={end}#hl"
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


def document_blocks(index: Index, doc_id: str, start: int | None, end: int | None) -> list[dict[str, object]]:
    """Blocks of a document as segments, the cited passage [start, end) marked."""
    doc = index.documents[doc_id]
    blocks = []
    for b in doc.blocks:
        segs: list[Segment] = []
        if start is not None and end is not None and start < b.end and end > b.start:
            a, z = max(start, b.start), min(end, b.end)
            segs = [(doc.text[b.start:a], ""), (doc.text[a:z], "hl"), (doc.text[z:b.end], "")]
        else:
            segs = [(doc.text[b.start:b.end], "")]
        blocks.append({"kind": b.kind, "segments": [s for s in segs if s[0]], "anchor": False})
    # The anchor goes on the first block that holds highlighted text.
    for blk in blocks:
        if any(cls == "hl" for _, cls in blk["segments"]):  # type: ignore[union-attr]
            blk["anchor"] = True
            break
    return blocks


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


def cloze_question(sentence: str) -> str | None:
    if not sentence.endswith(tuple("。！；;!")):  # headings and fragments make poor questions
        return None
    for m in _CLAUSE.finditer(sentence):
        clause = m.group().strip()
        num = _NUMBER.search(clause)
        if not num or "年" in num.group()[-1:]:
            continue
        head = clause[:num.start()].strip()
        if 6 <= len(head) <= 24 and re.search(r"[\u4e00-\u9fff]{4}", head):
            return head + "多少？"
    return None
