"""Embedding on CPU with the int8 ONNX graph (``qa.embedding.onnx_export``).

One text per call, one thread per call, as many calls at once as there are cores: measured
faster than batching on two cores (no padding, and each text's activations quantized on
their own range, which also keeps it closest to float32; docs/scale-out.md). ONNX Runtime
sessions may be run from several threads at once, so neither the server's worker threads
nor the build's pool need a lock.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class OnnxEncoder:
    def __init__(self, model_file: Path, tokenizer_file: Path, threads: int = 0, max_tokens: int = 512) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.no_padding()
        self.dim = int(self.session.get_outputs()[0].shape[-1])
        self.threads = threads or cpu_count()
        self._pool = ThreadPoolExecutor(self.threads, thread_name_prefix="embed")

    def one(self, text: str) -> np.ndarray:
        ids = np.array([self.tokenizer.encode(text).ids], np.int64)
        return self.session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0][0]

    def encode(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        out = np.empty((len(texts), self.dim), np.float32)
        for i, vec in enumerate(self._pool.map(self.one, texts)):
            out[i] = vec
            if progress:
                progress(1)
        return out
