"""Vectors a build has embedded so far, on disk, so that a build killed halfway and run again
re-embeds only what it had not finished.

Vectors are keyed by a hash of the exact text embedded, prompt included, in parts written
atomically every ``BLOCK`` texts; the folder is tied to the model and runtime that made them
and is removed once the build it served is published.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np

BLOCK = 1024  # texts per part: at most this much work is lost to a kill (about 12 s on 2 cores)


def text_key(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).digest()


class EmbeddingCheckpoint:
    def __init__(self, folder: Path, identity: dict[str, object]) -> None:
        self.folder = folder
        self.identity = identity
        self.vectors: dict[bytes, np.ndarray] = {}
        meta = folder / "identity.json"
        if folder.is_dir() and (not meta.exists() or json.loads(meta.read_text() or "{}") != identity):
            shutil.rmtree(folder, ignore_errors=True)  # made by another model or runtime: useless
        if folder.is_dir():
            for part in sorted(folder.glob("part-*.npz")):
                try:
                    with np.load(part) as data:
                        keys, vecs = data["keys"], data["vectors"]
                except (OSError, ValueError, KeyError, EOFError):
                    continue  # written atomically, so only a foreign file gets here
                self.vectors.update((k.tobytes(), v) for k, v in zip(keys, vecs))
        self._parts = len(list(folder.glob("part-*.npz"))) if folder.is_dir() else 0

    def get(self, text: str) -> np.ndarray | None:
        return self.vectors.get(text_key(text))

    def add(self, texts: list[str], vectors: np.ndarray) -> None:
        if not texts:
            return
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True)
            (self.folder / "identity.json").write_text(json.dumps(self.identity))
        # uint8 rows, not numpy bytes strings: those drop a digest's trailing zero bytes
        keys = np.frombuffer(b"".join(text_key(t) for t in texts), np.uint8).reshape(len(texts), -1)
        tmp = self.folder / f".part-{self._parts:06d}.tmp.npz"
        np.savez(tmp, keys=keys, vectors=np.asarray(vectors, np.float16))
        os.replace(tmp, self.folder / f"part-{self._parts:06d}.npz")
        self._parts += 1

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
