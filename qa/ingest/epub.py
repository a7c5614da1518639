"""EPUB: the XHTML chapters in the order of the book's spine, read by the HTML reader."""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from qa.ingest.extract import Extract, Mark, UnreadableFile
from qa.ingest.html import html_to_text
from qa.ingest.text import decode

_NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container", "o": "http://www.idpf.org/2007/opf",
       "dc": "http://purl.org/dc/elements/1.1/"}


def read_epub(path: Path) -> Extract:
    try:
        with zipfile.ZipFile(path) as z:
            root = ElementTree.fromstring(z.read("META-INF/container.xml"))
            el = root.find(".//c:rootfile", _NS)
            if el is None:
                raise UnreadableFile("EPUB without a package document")
            opf_path = el.get("full-path", "")
            opf = ElementTree.fromstring(z.read(opf_path))
            base = posixpath.dirname(opf_path)
            items = {i.get("id"): i.get("href", "") for i in opf.iterfind(".//o:manifest/o:item", _NS)}
            spine = [r.get("idref") for r in opf.iterfind(".//o:spine/o:itemref", _NS)]
            order = [items[i] for i in spine if i in items]
            if any(name.startswith("META-INF/encryption.xml") for name in z.namelist()):
                raise UnreadableFile("EPUB with encrypted (DRM) content")
            title = (opf.findtext(".//dc:title", "", _NS) or "").strip()
            raw, marks = "", []
            for n, href in enumerate(order, 1):
                text, chapter = html_to_text(decode(z.read(posixpath.normpath(posixpath.join(base, href))))[0])
                if text.strip():
                    marks.append(Mark(len(raw), None, chapter or f"第{n}部分"))
                    raw += text + "\n\n"
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise UnreadableFile(f"damaged EPUB: {exc}") from exc
    return Extract(raw=raw, marks=marks, title=title, encoding="epub")
