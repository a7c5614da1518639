"""Reading passages on CPU: the question and several passages in one batch, the best span of
each window, scored against the window's "no answer".

The runtime was chosen by measurement (``bench/bench_reader.py``, docs/answers.md): bfloat16
autocast where the CPU computes bfloat16 natively (AVX512-BF16 or AMX) keeps the scores of
float32 and halves its time; torch's dynamic int8 is as fast but moves the span-versus-no-answer
scores by several points, which the refusal threshold depends on. Elsewhere float32.
One ``Reader`` is loaded per process; ``read`` holds a lock because torch modules are not
documented as safe to call from several threads at once.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa.reader.history import history_question, load_history
from qa.reader.model import WEIGHTS, ReaderError, base_model, load_weights
from qa.reader.windows import Windows, encode, token_span

log = logging.getLogger(__name__)

EDGE = set(" \t\r\n\u3000，。；：、！？,.;:!?")  # never begins or ends an answer


@dataclass(frozen=True)
class SpanScore:
    passage: int  # index into the passages read
    start: int  # character offsets in that passage
    end: int
    score: float  # start + end logit minus the window's no-answer logits: > 0 prefers the span
    text: str


class Reader:
    def __init__(self, e5_folder: Path, weights: Path = WEIGHTS, max_len: int = 192, stride: int = 64,
                 max_answer_tokens: int = 32, runtime: str = "auto", device: str = "cpu") -> None:
        """``runtime``: "auto" (bf16 where native, else fp32), "bf16", "fp32" or "int8" (CPU only);
        ``device``: "cpu" or a torch CUDA device."""
        import torch
        from transformers import AutoTokenizer

        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        model = base_model(e5_folder)
        self.info = load_weights(model, weights)
        history = load_history(model, weights)  # None: no history layers fit these weights
        model.eval()
        self.device = device
        if runtime == "auto":
            native = torch.cuda.is_bf16_supported() if device != "cpu" else torch.ops.mkldnn._is_mkldnn_bf16_supported()
            runtime = "bf16" if native else "fp32"
        if runtime == "int8" and device != "cpu":
            raise ValueError("the int8 reader runtime is for CPU; on a GPU use auto, bf16 or fp32")
        if runtime == "int8":
            with warnings.catch_warnings():  # torch marks its quantized tensors deprecated, not yet removed
                warnings.simplefilter("ignore", UserWarning)
                for m in [m for m in (model, history) if m is not None]:
                    m.encoder = torch.ao.quantization.quantize_dynamic(
                        m.encoder, {torch.nn.Linear: torch.ao.quantization.per_channel_dynamic_qconfig})
        elif runtime not in ("bf16", "fp32"):
            raise ValueError(f"unknown reader runtime {runtime!r}: use auto, bf16, fp32 or int8")
        self.runtime = runtime
        self.model = model.to(device)
        self.history = history.eval().to(device) if history is not None else None
        self.tokenizer = AutoTokenizer.from_pretrained(e5_folder)
        self.max_len, self.stride, self.max_answer_tokens = max_len, stride, max_answer_tokens
        self.weights = weights
        self._lock = threading.Lock()

    def logits(self, win: Windows, model=None) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
        import torch

        kind = "cpu" if self.device == "cpu" else "cuda"
        with self._lock, torch.inference_mode(), torch.autocast(kind, torch.bfloat16, enabled=self.runtime == "bf16"):
            start, end = (model or self.model)(torch.from_numpy(win.input_ids).to(self.device),
                                    torch.from_numpy(win.attention).to(self.device))
        return start.float().cpu().numpy(), end.float().cpu().numpy()

    def read(self, question: str, passages: list[str]) -> list[SpanScore]:
        """The best span of each passage (of all its windows), best first."""
        if not passages:
            return []
        win = encode(self.tokenizer, question, passages, self.max_len, self.stride)
        start, end = self.logits(win)
        best: dict[int, SpanScore] = {}
        for w in range(len(win)):
            found = self._best_span(win, w, start[w], end[w], passages[int(win.passage[w])])
            if found and (found.passage not in best or found.score > best[found.passage].score):
                best[found.passage] = found
        return sorted(best.values(), key=lambda s: -s.score)

    def score_span(self, question: str, passage: str, start: int, end: int,
                   earlier: list[str] | None = None) -> float | None:
        """The score of ``passage[start:end]`` as the answer to ``question`` (in the window that
        scores it best), on the scale of ``SpanScore.score``; None when no window holds it whole.
        Two questions' answers can so be weighed by one question. ``earlier``: the conversation's
        earlier questions, oldest first, read by the history layers (``qa.reader.history``);
        None when there are none to read them."""
        if earlier is not None:
            if self.history is None:
                return None
            question = history_question(question, earlier)
        win = encode(self.tokenizer, question, [passage], self.max_len, self.stride)
        start_logits, end_logits = self.logits(win, self.history if earlier is not None else None)
        scores = [float(start_logits[w, t[0]] + end_logits[w, t[1]] - start_logits[w, 0] - end_logits[w, 0])
                  for w in range(len(win)) if (t := token_span(win, w, start, end)) is not None]
        return max(scores, default=None)

    def _best_span(self, win: Windows, w: int, start: np.ndarray, end: np.ndarray, passage: str) -> SpanScore | None:
        inside = np.nonzero(win.starts[w] >= 0)[0]
        if not len(inside):
            return None
        s, e = start[inside], end[inside]
        pair = s[:, None] + e[None, :]
        n = len(inside)
        i, j = np.indices((n, n))
        pair[(j < i) | (j - i >= self.max_answer_tokens)] = -np.inf
        a, b = np.unravel_index(int(np.argmax(pair)), pair.shape)
        null = float(start[0] + end[0])
        lo, hi = int(win.starts[w][inside[a]]), int(win.ends[w][inside[b]])
        while lo < hi and passage[lo] in EDGE:
            lo += 1
        while hi > lo and passage[hi - 1] in EDGE:
            hi -= 1
        if hi <= lo:
            return None
        return SpanScore(int(win.passage[w]), lo, hi, float(pair[a, b]) - null, passage[lo:hi])


def load_reader(e5_folder: Path, weights: Path | None = None, runtime: str = "auto", device: str = "cpu") -> Reader:
    """The reader, with a clear error naming the weights file when it cannot be used."""
    path = weights or WEIGHTS
    try:
        return Reader(e5_folder, path, runtime=runtime, device=device)
    except ReaderError:
        raise
    except Exception as exc:  # transformers/torch errors from a damaged file
        raise ReaderError(f"could not load the reader from {path}: {exc}") from exc
