"""JSON-lines tables read one record at a time through a memory map.

A million chunks parsed into Python objects take gigabytes; a request needs a handful of
them. Each table is a ``.jsonl`` file plus a ``.idx.npy`` of line offsets, so record ``i`` is
one slice of the mapped file and one ``json.loads``.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np


def write_table(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write ``records`` to ``path`` (and its offsets beside it); returns the record count."""
    offsets = [0]
    with open(path, "wb") as f:
        for rec in records:
            line = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
            f.write(line)
            offsets.append(offsets[-1] + len(line))
    np.save(offsets_path(path), np.array(offsets, np.int64))
    return len(offsets) - 1


def load_array(path: Path, mmap: bool = True) -> np.ndarray:
    """A ``.npy`` file, memory-mapped but seen as a plain array: ``np.memmap``'s per-item
    indexing costs several times a plain array's, and requests index these arrays item by item."""
    arr = np.load(path, mmap_mode="r" if mmap else None)
    return arr.view(np.ndarray) if isinstance(arr, np.memmap) else arr


def offsets_path(path: Path) -> Path:
    return path.with_suffix(".idx.npy")


class Table:
    """Read-only random access to a table written by :func:`write_table`."""

    def __init__(self, path: Path) -> None:
        self.offsets = load_array(offsets_path(path))
        size = path.stat().st_size
        if int(self.offsets[-1]) != size:
            raise ValueError(f"{path.name} has {size} bytes, its offsets say {int(self.offsets[-1])}")
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if size else b""

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> dict[str, Any]:
        if not 0 <= i < len(self):
            raise IndexError(i)
        return json.loads(self._map[int(self.offsets[i]):int(self.offsets[i + 1])])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self[i] for i in range(len(self)))
