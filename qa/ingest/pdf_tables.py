"""Ruled tables on PDF pages, found by pdfplumber, each row made a sentence with its column
names (``rows``). pdfplumber (pdfminer underneath) is far slower than pdfium, so it only
looks at pages that draw lines: a table without rulings stays as text lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qa.ingest.layout import Line
from qa.ingest.rows import table_parts

MIN_RULINGS = 4  # path objects a page draws before it is searched for tables


def has_rulings(page: Any) -> bool:
    import pypdfium2.raw as pdfium_c

    found = 0
    for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2):
        found += 1
        if found >= MIN_RULINGS:
            return True
    return False


def with_tables(path: Path, number: int, lines: list[Line]) -> list[Line]:
    """The page's lines with those inside a table replaced by one line per table row, standing
    alone, where the table was."""
    import pdfplumber

    try:
        with pdfplumber.open(path, pages=[number]) as doc:
            tables = [(t.bbox, t.extract()) for t in doc.pages[0].find_tables()]
    except Exception:  # pdfminer fails on some files pdfium reads; their text lines stay
        return lines
    for (x0, top, x1, bottom), rows in tables:
        inside = [i for i, ln in enumerate(lines)
                  if x0 - 1 <= (ln.x0 + ln.x1) / 2 <= x1 + 1 and top - 1 <= (ln.y0 + ln.y1) / 2 <= bottom + 1]
        sentences = table_parts(rows)
        if not inside or not sentences:
            continue
        step = (bottom - top) / max(1, len(sentences))
        rows_as_lines = [Line(s, x0, x1, top + k * step, top + (k + 1) * step, number, alone=True)
                         for k, (_, s) in enumerate(sentences)]
        first = inside[0]
        lines = lines[:first] + rows_as_lines + [ln for i, ln in enumerate(lines) if i > first and i not in inside]
    return lines
