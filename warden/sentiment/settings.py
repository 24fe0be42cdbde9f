"""Typed `sentiment:` section of config.yaml."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from warden.durations import PositiveDuration

DEFAULT_MODEL = "cardiffnlp/twitter-xlm-roberta-base-sentiment"
"""Multilingual (incl. French and English) tweet sentiment model, XLM-RoBERTa base, ~1.1 GB."""


class SentimentSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())

    model: str = Field(
        default=DEFAULT_MODEL,
        description="Hugging Face hub id or local directory of a sequence-classification model.",
    )
    revision: str | None = Field(default=None, description="Hub revision (branch, tag or commit).")
    offline: bool = Field(
        default=False, description="Never contact the hub; load only from disk or the local cache."
    )
    batch_size: int = Field(default=32, ge=1, le=1024, description="Mentions per inference batch.")
    max_length: int = Field(
        default=128, ge=8, le=4096, description="Tokens kept per mention; longer text is truncated."
    )
    threads: int | None = Field(
        default=None, ge=1, description="CPU threads for inference (default: all cores)."
    )
    backend: Literal["torch", "onnx"] = Field(
        default="torch", description="torch, or onnx for ONNX Runtime with int8 quantisation."
    )
    cache_size: int = Field(
        default=20_000,
        ge=0,
        description="Texts whose score is kept in memory, so reposts are scored once (0: none).",
    )
    onnx_cache_dir: Path | None = Field(
        default=None,
        description="Where exported ONNX models are kept (default: ~/.cache/warden/onnx).",
    )
    interval: PositiveDuration = Field(
        default=timedelta(seconds=10), description="How often to score newly stored mentions."
    )
