"""A table row as a sentence that stands alone: "城市：辽阳；年份：2021；地区生产总值：…。", so a
question about one cell finds the row, and the answer is cited by sheet and row."""

from __future__ import annotations

from qa.ingest.extract import tidy


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return tidy(str(value))


def row_sentence(header: list[object], row: list[object]) -> str:
    pairs = []
    for n, value in enumerate(row):
        v = cell_text(value)
        if not v:
            continue
        name = cell_text(header[n]) if n < len(header) else ""
        pairs.append(f"{name}：{v}" if name and name != v else v)
    return "；".join(pairs) + "。" if pairs else ""


def table_parts(rows: list[list[object]]):  # type: ignore[no-untyped-def]
    """(row number from 1, sentence) for each row under the header (the first non-empty row)."""
    rows_n = [(n, r) for n, r in enumerate(rows, 1) if any(cell_text(v) for v in r)]
    if not rows_n:
        return []
    header = rows_n[0][1]
    return [(n, row_sentence(header, r)) for n, r in rows_n[1:]]
