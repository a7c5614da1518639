"""The weights of the learned follow-up model (``weights.json`` beside this module, written by
``python -m qa.followup.learn``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

WEIGHTS = Path(__file__).with_name("weights.json")


def load_model(part: str, features: tuple[str, ...]) -> np.ndarray:
    """The weights of a model in ``weights.json``, checked against the features it expects."""
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))[part]
    if tuple(data["features"]) != features:
        raise ValueError(f"the {part} model in {WEIGHTS} was trained on other features: "
                         "retrain it (python -m qa.followup.learn)")
    return np.array(data["weights"], dtype=np.float64)
