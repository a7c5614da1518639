"""Plain text as Chinese files really arrive: decoding (UTF-8 with or without BOM, GB18030/GBK,
UTF-16) and Markdown reduced to its words."""

from __future__ import annotations

import re
from pathlib import Path

from qa.ingest.extract import Extract, UnreadableFile


def decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name), trying encodings in the order Chinese files need."""
    if not data.strip():
        raise UnreadableFile("empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"broken UTF-16: {exc.reason}") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        names: tuple[str, ...] = ("utf-8",)
    else:
        names = ("utf-8", "gb18030")
    if b"\x00" in data[:8192]:
        raise UnreadableFile("binary file (NUL bytes)")
    for name in names:
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, name
    raise UnreadableFile("not UTF-8, GB18030/GBK or UTF-16 text")


def _looks_like_text(text: str) -> bool:
    sample = text[:20000]
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\t\n\r\f") or 0xE000 <= ord(c) <= 0xF8FF)
    return bad <= max(2, len(sample) // 100)


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_MD_MARKUP = re.compile(r"^\s{0,3}(?:[-*+]\s+|>\s?|\d+\.\s+)|\*\*|__|`{1,3}|^\s{0,3}(?:-{3,}|\*{3,})\s*$", re.M)
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")


def markdown_to_text(md: str) -> str:
    """Markdown reduced to its words; headings are kept as their own lines."""
    md = _MD_LINK.sub(r"\1", md)
    md = _MD_HEADING.sub(lambda m: "\n", md)
    return _MD_MARKUP.sub("", md)


def read_text(path: Path) -> Extract:
    raw, encoding = decode(path.read_bytes())
    return Extract(raw=raw, encoding=encoding)


def read_markdown(path: Path) -> Extract:
    raw, encoding = decode(path.read_bytes())
    return Extract(raw=markdown_to_text(raw), encoding=encoding)
