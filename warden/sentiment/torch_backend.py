"""The PyTorch inference backend: a transformers classification model run under inference_mode."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from warden.sentiment.scorer import FloatArray, IntArray


class TorchBackend:
    """Runs a loaded `AutoModelForSequenceClassification` on the CPU."""

    name = "torch"

    def __init__(self, model: Any) -> None:
        self.model = model.eval()

    def logits(self, features: Mapping[str, IntArray]) -> FloatArray:
        inputs = {name: torch.from_numpy(values) for name, values in features.items()}
        with torch.inference_mode():
            output = self.model(**inputs).logits
        result: FloatArray = output.float().cpu().numpy()
        return result
