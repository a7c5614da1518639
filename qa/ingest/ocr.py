"""Text from pixels: scanned PDF pages and images, read by RapidOCR (Chinese PP-OCR models
shipped in its wheel, run offline on onnxruntime). An optional extra, ``pip install -e '.[ocr]'``:
without it, a file that needs OCR is reported as such and the build goes on.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from pathlib import Path
from typing import Any

from qa.ingest.extract import Extract, Mark, UnreadableFile
from qa.ingest.layout import Line, join, paragraphs

log = logging.getLogger(__name__)

NEEDS_OCR = "needs OCR: pip install -e '.[ocr]'"


def available() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr", "onnxruntime"))


@functools.lru_cache(maxsize=1)
def _engine() -> Any:
    """Loaded once per process, on the first page that needs it (about 1 s)."""
    from rapidocr import RapidOCR

    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    return RapidOCR()


def ocr_lines(image: Any, page: int) -> list[Line]:
    """The text lines of a PIL image, top to bottom; boxes that share a line are put together."""
    import numpy as np

    result = _engine()(np.asarray(image.convert("RGB")))
    if result.boxes is None or not result.txts:
        return []
    boxes = [(float(b[:, 0].min()), float(b[:, 0].max()), float(b[:, 1].min()), float(b[:, 1].max()), t)
             for b, t in zip(result.boxes, result.txts) if t.strip()]
    boxes.sort(key=lambda b: (b[2] + b[3]) / 2)
    rows: list[list[tuple[float, float, float, float, str]]] = []
    for b in boxes:
        if rows and abs((b[2] + b[3]) / 2 - (rows[-1][0][2] + rows[-1][0][3]) / 2) < 0.5 * (b[3] - b[2]):
            rows[-1].append(b)
        else:
            rows.append([b])
    lines = []
    for row in rows:
        row.sort(key=lambda b: b[0])
        lines.append(Line("".join(b[4] for b in row), row[0][0], max(b[1] for b in row),
                          min(b[2] for b in row), max(b[3] for b in row), page))
    return lines


def read_image(path: Path) -> Extract:
    if not available():
        raise UnreadableFile(NEEDS_OCR)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            frames = []
            for n in range(getattr(img, "n_frames", 1)):  # a multi-page TIFF is a scanned document
                img.seek(n)
                frames.append(ocr_lines(img, n + 1))
    except (UnidentifiedImageError, OSError) as exc:
        raise UnreadableFile(f"not a readable image: {exc}") from exc
    raw, marks = "", []
    for n, lines in enumerate(frames, 1):
        if len(frames) > 1:
            marks.append(Mark(len(raw), n, f"第{n}页"))
        for par in paragraphs(lines):
            raw += join(par)[0] + "\n\n"
    if not raw.strip():
        raise UnreadableFile("OCR found no text in the image")
    return Extract(raw=raw, marks=marks, encoding="ocr", notes=[f"OCR of {len(frames)} page(s)"])
