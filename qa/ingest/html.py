"""Visible text of an HTML page (also the chapters of an EPUB)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from qa.ingest.extract import Extract
from qa.ingest.text import decode


class _VisibleText(HTMLParser):
    """Visible text of an HTML page; block elements become line breaks, headings their own lines."""

    SKIP = {"script", "style", "head", "noscript", "template", "svg"}
    BLOCK = {"p", "div", "br", "li", "tr", "section", "article", "blockquote", "pre", "table",
             "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer", "title", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data.strip()
        if not self.skip:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data) if "\n" in data else data)


def html_to_text(html: str) -> tuple[str, str]:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]*\n[ \t\n]*\n[ \t]*", "\n\n", text)
    return text.strip("\n"), parser.title


def read_html(path: Path) -> Extract:
    raw, encoding = decode(path.read_bytes())
    text, title = html_to_text(raw)
    return Extract(raw=text, title=title, encoding=encoding)
