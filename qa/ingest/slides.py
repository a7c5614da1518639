"""Slide decks (.pptx) with python-pptx: one place per slide ("第2张幻灯片"), its title a heading,
then the text of its shapes and tables, then its speaker notes. Pictures and charts are not read."""

from __future__ import annotations

import zipfile
from pathlib import Path

from qa.ingest.extract import Extract, Part, UnreadableFile
from qa.ingest.rows import table_parts


def read_pptx(path: Path) -> Extract:
    from pptx import Presentation

    if not zipfile.is_zipfile(path):
        raise UnreadableFile("not a .pptx file (not a zip archive); old binary .ppt files are not read")
    try:
        deck = Presentation(str(path))
    except Exception as exc:
        raise UnreadableFile(f"damaged .pptx: {type(exc).__name__}: {exc}") from exc
    parts: list[Part] = []
    for n, slide in enumerate(deck.slides, 1):
        label = f"第{n}张幻灯片"
        title_shape = slide.shapes.title
        title_id = title_shape.shape_id if title_shape is not None else None
        if title_shape is not None and title_shape.text_frame.text.strip():
            parts.append(Part("heading", title_shape.text_frame.text, n, label))
        for shape in slide.shapes:
            if shape.shape_id == title_id:
                continue
            if shape.has_text_frame:
                for para in shape.text_frame.paragraphs:
                    text = "".join(run.text for run in para.runs)
                    if text.strip():
                        parts.append(Part("paragraph", text, n, label))
            elif getattr(shape, "has_table", False) and shape.has_table:
                rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
                parts += [Part("paragraph", s, n, label) for _, s in table_parts(rows)]
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame.text if slide.notes_slide.notes_text_frame else ""
            if notes.strip():
                parts.append(Part("paragraph", "备注：" + notes, n, label))
    if not parts:
        raise UnreadableFile("no text on any slide")
    return Extract(parts=parts, encoding="pptx")
