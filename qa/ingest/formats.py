"""Which reader reads which file, by its suffix. Readers import their libraries when first used,
so a corpus of text files never loads a PDF or Office library."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qa.ingest.epub import read_epub
from qa.ingest.extract import Extract
from qa.ingest.html import read_html
from qa.ingest.ocr import read_image
from qa.ingest.pdf import read_pdf
from qa.ingest.sheets import read_delimited, read_workbook
from qa.ingest.slides import read_pptx
from qa.ingest.text import read_markdown, read_text
from qa.ingest.word import read_docx

READERS: dict[str, Callable[[Path], Extract]] = {
    ".txt": read_text, ".md": read_markdown, ".markdown": read_markdown, ".html": read_html, ".htm": read_html,
    ".pdf": read_pdf, ".docx": read_docx, ".xlsx": read_workbook, ".xlsm": read_workbook, ".xls": read_workbook,
    ".ods": read_workbook, ".csv": read_delimited, ".tsv": read_delimited, ".pptx": read_pptx, ".epub": read_epub,
    ".png": read_image, ".jpg": read_image, ".jpeg": read_image, ".tif": read_image, ".tiff": read_image,
}
SUFFIXES = frozenset(READERS)
