"""Spreadsheets (.xlsx, .xlsm, .xls, .ods) with python-calamine, and CSV/TSV with the standard
library: each row one sentence with its column names, placed as "Sheet1 第12行"."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from qa.ingest.extract import Extract, Part, UnreadableFile
from qa.ingest.rows import table_parts
from qa.ingest.text import decode


def _parts(rows: list[list[object]], sheet: str | None) -> list[Part]:
    found = table_parts(rows)
    if not found:
        return []
    parts = [Part("heading", sheet, None, sheet)] if sheet else []
    for n, sentence in found:
        parts.append(Part("paragraph", sentence, None, f"{sheet} 第{n}行" if sheet else f"第{n}行"))
    return parts


def read_workbook(path: Path) -> Extract:
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own errors for damaged or encrypted files
        raise UnreadableFile(f"cannot open the workbook: {exc}") from exc
    parts: list[Part] = []
    empty = []
    for name in book.sheet_names:
        try:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise UnreadableFile(f"cannot read sheet {name!r}: {exc}") from exc
        got = _parts(rows, name)
        if not got:
            empty.append(name)
        parts += got
    if not parts:
        raise UnreadableFile("every sheet is empty")
    return Extract(parts=parts, encoding=path.suffix.lower().lstrip("."),
                   notes=[f"empty sheets: {', '.join(empty)}"] if empty else [])


def read_delimited(path: Path) -> Extract:
    text, encoding = decode(path.read_bytes())
    if path.suffix.lower() == ".tsv":
        dialect: type[csv.Dialect] | csv.Dialect = csv.excel_tab
    else:
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;|")
        except csv.Error:
            dialect = csv.excel
    rows = [list(r) for r in csv.reader(io.StringIO(text), dialect)]
    parts = _parts(rows, None)  # type: ignore[arg-type]
    if not parts:
        raise UnreadableFile("no rows under the header")
    return Extract(parts=parts, encoding=encoding)
