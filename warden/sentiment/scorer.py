"""The sentiment scorer: cache look-up, tokenisation, length-sorted batches, label normalisation.

`SentimentScorer.score_texts` is the one entry point. Identical texts (reposts, copy-paste
storms) are inferred once per call and remembered in an LRU cache keyed by the normalised text,
so the same post seen again later costs nothing. Inference itself is delegated to an
`InferenceBackend` (torch or ONNX Runtime) that maps padded token arrays to logits.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import structlog

from warden.sentiment.labels import LabelScheme, SentimentResult

log = structlog.get_logger(__name__)

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


class InferenceBackend(Protocol):
    """Runs the classifier: padded token arrays in, one row of logits per text out."""

    name: str

    def logits(self, features: Mapping[str, IntArray]) -> FloatArray: ...


def text_cache_key(text: str) -> str:
    """sha256 of the text with runs of whitespace collapsed: the in-memory cache key."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def softmax(logits: FloatArray) -> FloatArray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    result: FloatArray = exp / exp.sum(axis=-1, keepdims=True)
    return result


class _LRUCache:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._items: OrderedDict[str, SentimentResult] = OrderedDict()

    def get(self, key: str) -> SentimentResult | None:
        result = self._items.get(key)
        if result is not None:
            self._items.move_to_end(key)
        return result

    def put(self, key: str, result: SentimentResult) -> None:
        if self.capacity <= 0:
            return
        self._items[key] = result
        self._items.move_to_end(key)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


class SentimentScorer:
    """Scores texts with one loaded model; safe to call from several threads (one at a time)."""

    def __init__(
        self,
        *,
        tokenizer: Any,
        backend: InferenceBackend,
        scheme: LabelScheme,
        model_ref: str,
        batch_size: int = 32,
        max_length: int = 128,
        cache_size: int = 20_000,
    ) -> None:
        self.tokenizer = tokenizer
        self.backend = backend
        self.scheme = scheme
        self.model_ref = model_ref
        self.batch_size = batch_size
        self.max_length = max_length
        self._input_names = [
            name
            for name in ("input_ids", "attention_mask", "token_type_ids")
            if name in getattr(tokenizer, "model_input_names", ("input_ids", "attention_mask"))
        ]
        self._pad_id = int(getattr(tokenizer, "pad_token_id", None) or 0)
        self._cache = _LRUCache(cache_size)
        self._lock = threading.Lock()
        self.texts_inferred = 0
        """How many texts went through the model (cache misses), for logs and tests."""

    @property
    def model_name(self) -> str:
        """What produced the scores, as recorded in Score.model: model id or path, and backend."""
        return f"{self.model_ref} ({self.backend.name})"

    @property
    def cached_texts(self) -> int:
        return len(self._cache)

    def score_texts(
        self, texts: Sequence[str], keys: Sequence[str] | None = None
    ) -> list[SentimentResult]:
        """Score each text; `keys` (e.g. Mention.text_key) replace the default cache keys."""
        if keys is None:
            keys = [text_cache_key(text) for text in texts]
        if len(keys) != len(texts):
            raise ValueError("texts and keys must have the same length")
        with self._lock:
            results: list[SentimentResult | None] = [None] * len(texts)
            waiting: dict[str, list[int]] = {}
            for i, key in enumerate(keys):
                cached = self._cache.get(key)
                if cached is not None:
                    results[i] = cached
                else:
                    waiting.setdefault(key, []).append(i)
            if waiting:
                unique_keys = list(waiting)
                fresh = self._infer([texts[waiting[key][0]] for key in unique_keys])
                for key, result in zip(unique_keys, fresh, strict=True):
                    self._cache.put(key, result)
                    for i in waiting[key]:
                        results[i] = result
        return [r for r in results if r is not None]

    def _infer(self, texts: list[str]) -> list[SentimentResult]:
        started = time.perf_counter()
        encoded = self.tokenizer(texts, truncation=True, max_length=self.max_length, padding=False)
        columns = {name: encoded[name] for name in self._input_names if name in encoded}
        lengths = [len(ids) for ids in columns["input_ids"]]
        columns.setdefault("attention_mask", [[1] * n for n in lengths])
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        results: list[SentimentResult | None] = [None] * len(texts)
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            features = self._pad(columns, chunk, max(lengths[i] for i in chunk))
            probabilities = softmax(self.backend.logits(features).astype(np.float32))
            for i, row in zip(chunk, probabilities, strict=True):
                results[i] = self.scheme.interpret(row.tolist())
        self.texts_inferred += len(texts)
        log.debug(
            "sentiment.inferred",
            count=len(texts),
            batches=-(-len(texts) // self.batch_size),
            seconds=round(time.perf_counter() - started, 3),
        )
        return [r for r in results if r is not None]

    def _pad(
        self, columns: Mapping[str, list[list[int]]], rows: list[int], width: int
    ) -> dict[str, IntArray]:
        features: dict[str, IntArray] = {}
        for name, values in columns.items():
            fill = self._pad_id if name == "input_ids" else 0
            array = np.full((len(rows), width), fill, dtype=np.int64)
            for r, i in enumerate(rows):
                array[r, : len(values[i])] = values[i]
            features[name] = array
        return features
