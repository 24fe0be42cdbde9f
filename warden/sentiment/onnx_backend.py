"""The ONNX Runtime backend: the torch model exported once, quantised to int8, cached on disk.

The export (`torch.onnx.export`) and dynamic int8 quantisation (`quantize_dynamic`: int8
weights with one scale per output channel, activations quantised on the fly, no calibration
data) run the first time a model is used with `backend: onnx`; the settings are `QUANTISATION`.
The result is kept in a cache folder keyed by the model (and, for a local folder, its files'
sizes and dates), the revision, max_length and the quantisation settings, so later starts load
it in a second without the torch weights. A retrained model in the same folder, or a change of
quantisation settings, gets a fresh export.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import tempfile
import time
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import structlog

from warden.errors import ModelLoadError
from warden.sentiment.scorer import FloatArray, IntArray
from warden.sentiment.settings import SentimentSettings

log = structlog.get_logger(__name__)

EXPORT_FORMAT = 4
"""Bumped when the export recipe changes, so older cached files are not reused."""
OPSET = 17
_INPUT_ORDER = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True)
class Quantisation:
    """The `quantize_dynamic` settings; all of them are part of the export's cache key."""

    op_types: tuple[str, ...] = ("MatMul", "Gemm")
    """Operators whose weights become int8 (ONNX Runtime's dynamic mode leaves Gemm, here the
    pooler and the classifier, in float anyway). Embeddings (Gather) stay float: quantising
    them cost more macro-F1 than it saved time."""
    per_channel: bool = True
    """One weight scale per output channel; one per tensor cost 2.2 points of English macro-F1."""
    reduce_range: bool = True
    """Weights on 7 bits instead of 8. On x86 CPUs without VNNI (AVX2 only) the int8 kernels
    add pairs of uint8 x int8 products in int16, which can saturate with full-range weights;
    7-bit weights cannot. Without it the trained MiniLM lost 1.4 points of French macro-F1,
    with it none (within noise), for a few per cent of speed."""
    float_nodes: str = ""
    """Regular expression over the exported MatMul/Gemm node names to keep in float; empty:
    quantise every one. `r"/layer\\.\\d+/output/dense/"` keeps the feed-forward output
    projections of BERT-family encoders in float (their input, straight out of GELU, has the
    widest range): closest to torch, but it gives up about half of the int8 speed-up."""


QUANTISATION = Quantisation()
"""The backend's settings; how they were chosen is in docs/benchmarks.md, section Sentiment."""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "warden" / "onnx"


def _fingerprint(source: str, config: Any) -> str:
    folder = Path(source)
    if folder.is_dir():
        files = [p for p in folder.iterdir() if p.is_file()]
        entries = sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in files)
        return json.dumps(entries)
    return str(getattr(config, "_commit_hash", None) or "")


def export_path(
    source: str,
    config: Any,
    settings: SentimentSettings,
    quantisation: Quantisation = QUANTISATION,
) -> Path:
    """Where the int8 export of this model lives in the cache (it may not exist yet)."""
    import torch

    key_fields = {
        "source": str(Path(source).resolve()) if Path(source).is_dir() else source,
        "revision": settings.revision,
        "max_length": settings.max_length,
        "files": _fingerprint(source, config),
        "torch": torch.__version__,
        "format": EXPORT_FORMAT,
        "quantisation": asdict(quantisation),
    }
    key = hashlib.sha256(json.dumps(key_fields, sort_keys=True).encode()).hexdigest()[:16]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", source.rstrip("/").rsplit("/", 1)[-1])[:60]
    cache_dir = settings.onnx_cache_dir or default_cache_dir()
    return cache_dir / f"{stem}-ml{settings.max_length}-{key}" / "model.int8.onnx"


def _input_names(tokenizer: Any) -> list[str]:
    declared = getattr(tokenizer, "model_input_names", None) or ["input_ids", "attention_mask"]
    names = [name for name in _INPUT_ORDER if name in declared]
    if "attention_mask" not in names:
        names.insert(1, "attention_mask")
    return names


def float_node_names(fp32_path: Path, quantisation: Quantisation = QUANTISATION) -> list[str]:
    """Names of the MatMul/Gemm nodes of the float export that `quantisation` keeps in float."""
    import onnx

    if not quantisation.float_nodes:
        return []
    pattern = re.compile(quantisation.float_nodes)
    graph = onnx.load(str(fp32_path), load_external_data=False).graph
    return [
        node.name
        for node in graph.node
        if node.op_type in quantisation.op_types and pattern.search(node.name)
    ]


def export_int8(
    model: Any, tokenizer: Any, target: Path, quantisation: Quantisation = QUANTISATION
) -> None:
    """Export `model` to ONNX (dynamic batch and length) and quantise it to int8 at `target`."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    names = _input_names(tokenizer)

    class LogitsOnly(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.inner(**dict(zip(names, tensors, strict=True))).logits  # type: ignore[no-any-return]

    sample = tokenizer(["a short sample text", "another one"], padding=True, return_tensors="pt")
    args = tuple(
        sample[name] if name in sample else torch.ones_like(sample["input_ids"]) for name in names
    )
    axes = {name: {0: "batch", 1: "tokens"} for name in names}
    axes["logits"] = {0: "batch"}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        fp32 = Path(tmp) / "model.fp32.onnx"
        int8 = Path(tmp) / "model.int8.onnx"
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                LogitsOnly().eval(),
                args,
                str(fp32),
                input_names=names,
                output_names=["logits"],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
        logging.disable(logging.WARNING)  # onnxruntime suggests pre-processing on the root logger
        try:
            quantize_dynamic(
                str(fp32),
                str(int8),
                weight_type=QuantType.QInt8,
                per_channel=quantisation.per_channel,
                reduce_range=quantisation.reduce_range,
                op_types_to_quantize=list(quantisation.op_types),
                nodes_to_exclude=float_node_names(fp32, quantisation),
            )
        finally:
            logging.disable(logging.NOTSET)
        os.replace(int8, target)


class OnnxBackend:
    """Runs an int8 ONNX export of the classifier with ONNX Runtime on the CPU."""

    name = "onnx-int8"

    def __init__(self, path: Path, threads: int | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        self.path = path
        self.session = ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input_names = [i.name for i in self.session.get_inputs()]

    @classmethod
    def from_model(
        cls, model: Any, tokenizer: Any, *, source: str, settings: SentimentSettings
    ) -> OnnxBackend:
        """The cached export of `model`, made first if missing."""
        path = export_path(source, model.config, settings)
        if not path.exists():
            started = time.perf_counter()
            try:
                export_int8(model, tokenizer, path)
            except Exception as exc:
                raise ModelLoadError(
                    f"cannot export sentiment model {settings.model!r} to ONNX: {exc}. "
                    "Set sentiment.backend to torch to run it without ONNX Runtime."
                ) from exc
            log.info(
                "sentiment.onnx_exported",
                model=settings.model,
                path=str(path),
                seconds=round(time.perf_counter() - started, 1),
            )
        return cls(path, threads=settings.threads)

    def logits(self, features: Mapping[str, IntArray]) -> FloatArray:
        feed = {name: features[name] for name in self._input_names}
        (output,) = self.session.run(["logits"], feed)
        result: FloatArray = np.asarray(output, dtype=np.float32)
        return result
