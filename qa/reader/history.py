"""The reader's top layers fine-tuned to read a question with the conversation before it.

A follow-up is read twice, as asked and made standalone (``qa.answering``), and when the two
reads give different answers, something must say which one the conversation asked for. The
reader that gave them judges each only by one form of the question; these layers read the
question as asked followed by the earlier questions ("…？ 上文：<last> <the one before>…"), as
conversational readers since CoQA's baselines do, and were trained (``python -m
qa.reader.train_history``) on conversations built from the reader's training part, follow-ups,
complete questions and changes of topic alike, so they learn when the history matters.

Only the top ``LAYERS`` layers and the span head are trained; the embeddings and the layers
below are the reader's own, shared in memory, so the file is about 7 MB and loading it costs a
copy of four layers. The file records the digest of the reader weights it was trained over:
over any other reader it does not fit, and is not used.
"""

from __future__ import annotations

import copy
from pathlib import Path

from qa.reader.model import SpanModel, file_sha256, load_weights

LAYERS = 4
TURNS = 3  # the earlier questions read, the latest first (the window's question holds 64 tokens)
FORMAT = "qa-reader-history-1"


def history_question(question: str, earlier: list[str]) -> str:
    """What the history layers read as the question: the question, then the latest earlier ones."""
    return question + " 上文：" + " ".join(reversed(earlier[-TURNS:]))


def history_path(reader_weights: Path) -> Path:
    """The history layers' file, beside the reader weights they were trained over."""
    return reader_weights.with_suffix(".history.safetensors")


def trained_names(model: SpanModel) -> set[str]:
    """The names of what the history layers change: the top ``LAYERS`` layers and the head."""
    top = len(model.encoder.encoder.layer) - LAYERS
    keep = tuple(f"encoder.encoder.layer.{i}." for i in range(top, top + LAYERS)) + ("span.",)
    return {k for k in model.state_dict() if k.startswith(keep)}


def share_lower(model: SpanModel) -> SpanModel:
    """A copy of ``model`` whose embeddings and lower layers are ``model``'s own modules (only
    the top ``LAYERS`` are copied)."""
    from torch import nn

    encoder = model.encoder
    layers = encoder.encoder.layer
    lower = list(layers[:len(layers) - LAYERS])
    embeddings, encoder.embeddings = encoder.embeddings, None
    encoder.encoder.layer = nn.ModuleList(layers[len(lower):])
    try:
        twin = copy.deepcopy(model)
    finally:
        encoder.embeddings, encoder.encoder.layer = embeddings, layers
    twin.encoder.embeddings = embeddings
    twin.encoder.encoder.layer = nn.ModuleList(lower + list(twin.encoder.encoder.layer))
    return twin


def load_history(model: SpanModel, reader_weights: Path) -> SpanModel | None:
    """The history model over ``model`` (already holding ``reader_weights``), or None when no
    history file lies beside those weights or it was trained over other reader weights."""
    path = history_path(reader_weights)
    if not path.is_file():
        return None
    twin = share_lower(model)
    info = load_weights(twin, path, trained_names(twin), FORMAT)
    if info.get("reader_sha256") != file_sha256(reader_weights):
        return None
    return twin

