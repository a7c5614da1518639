"""Word (.docx): paragraphs and tables in document order, headings kept as headings (their
style, or an outline level). Images, text boxes, headers and footers are not read."""

from __future__ import annotations

import zipfile
from pathlib import Path

from qa.ingest.extract import Extract, Part, UnreadableFile
from qa.ingest.rows import table_parts


def _is_heading(paragraph) -> bool:  # type: ignore[no-untyped-def]
    style = paragraph.style.name.lower() if paragraph.style is not None else ""
    return style.startswith(("heading", "title", "标题")) or style in ("title", "标题")


def read_docx(path: Path) -> Extract:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    if not zipfile.is_zipfile(path):
        raise UnreadableFile("not a .docx file (not a zip archive); old binary .doc files are not read")
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises KeyError/ValueError/lxml errors on damaged files
        raise UnreadableFile(f"damaged .docx: {type(exc).__name__}: {exc}") from exc
    parts: list[Part] = []
    headings: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Paragraph):
            text = item.text
            if not text.strip():
                continue
            if _is_heading(item):
                headings = [text.strip()]
                parts.append(Part("heading", text, None, text.strip()))
            else:
                parts.append(Part("paragraph", text, None, headings[-1] if headings else ""))
        elif isinstance(item, Table):
            rows = [[cell.text for cell in row.cells] for row in item.rows]
            label = headings[-1] if headings else "表格"
            parts += [Part("paragraph", sentence, None, f"{label} 表格第{n}行") for n, sentence in table_parts(rows)]
    title = (document.core_properties.title or "").strip()
    return Extract(parts=parts, title=title, encoding="docx", notes=_lost(document))


def _lost(document) -> list[str]:  # type: ignore[no-untyped-def]
    images = sum(1 for rel in document.part.rels.values() if "image" in rel.reltype)
    return [f"{images} image(s) not read"] if images else []
