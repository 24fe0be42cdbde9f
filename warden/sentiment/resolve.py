"""Finding the configured sentiment model on disk without loading it, for `warden check`.

Loading a model takes seconds to minutes; `warden check` (and so `ExecStartPre=warden check`)
must still refuse a start that would fail for want of a model. `resolve_model` checks, in
milliseconds, what loading needs: a local folder with its config, weights and tokenizer files,
or a hub id whose files are in the Hugging Face cache. It reads `config.json` to check that the
model is a sequence classifier whose labels Warden can map. Only a hub id that is not cached,
while the hub may be used, costs one HEAD request (no retries, a few seconds at most): the
first start will download it, so the hub must be reachable and know the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from warden.sentiment.labels import UnknownLabelScheme, scheme_from_id2label
from warden.sentiment.loader import (
    MODEL_ENV,
    explain_unavailable,
    hub_offline_from_env,
    looks_like_path,
    pull_command_hint,
    with_environment,
)
from warden.sentiment.settings import DEFAULT_MODEL, SentimentSettings

HUB_PROBE_TIMEOUT = 5.0
"""Seconds the one request to the hub may take (a hub id that is not cached yet)."""
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
"""Files that hold (or index) a model's weights; one is enough."""
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer.model",
    "sentencepiece.bpe.model",
    "spiece.model",
    "vocab.txt",
    "vocab.json",
)
"""Files a tokenizer is built from; one is enough."""


@dataclass(frozen=True)
class ModelResolution:
    """Where the model was found, or why it cannot load; `note` is advice that is no error."""

    model: str
    from_env: bool
    found: str | None = None
    """The folder holding the model's files (a local folder or a hub cache snapshot)."""
    problem: str | None = None
    note: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _missing_files(folder: Path) -> list[str]:
    missing = []
    if not (folder / "config.json").is_file():
        missing.append("config.json")
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        missing.append("the weights (model.safetensors or pytorch_model.bin)")
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        missing.append("the tokenizer files (tokenizer.json, vocab.txt, ...)")
    return missing


def _config_problem(model: str, config_file: Path) -> str | None:
    """What in config.json stops Warden from using the model, if anything."""
    try:
        config: dict[str, Any] = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"cannot read {config_file}: {exc}"
    architectures = [str(a) for a in config.get("architectures") or []]
    if architectures and not any(a.endswith("ForSequenceClassification") for a in architectures):
        return (
            f"sentiment model {model!r} is not a sequence-classification model (its config "
            f"declares {', '.join(architectures)}); train a classification head on it with "
            f"`warden model train --base {model} --data labelled.csv --out DIR`"
        )
    try:
        scheme_from_id2label(config.get("id2label") or {})
    except UnknownLabelScheme as exc:
        return (
            f"sentiment model {model!r} has labels Warden cannot map to "
            f"negative/neutral/positive: {exc}"
        )
    return None


def _check_folder(model: str, folder: Path, what: str) -> str | None:
    missing = _missing_files(folder)
    if missing:
        return (
            f"cannot load sentiment model {model!r}: {what} {folder} lacks {', '.join(missing)}. "
            "A model folder is written by `warden model pull` or `warden model train` "
            "(a transformers save_pretrained folder)."
        )
    return _config_problem(model, folder / "config.json")


def _cached_snapshot(model: str, revision: str | None) -> Path | None:
    """The hub cache folder holding `model`'s config.json at `revision`, if it is cached."""
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(model, "config.json", revision=revision)
    return Path(found).parent if isinstance(found, str) else None


def resolve_model(settings: SentimentSettings, *, environment: bool = True) -> ModelResolution:
    """Check that `settings.model` (or WARDEN_SENTIMENT_MODEL) would load, without loading it.

    A value that looks like a path must be an existing folder with config.json, weights and
    tokenizer files. A hub id must be in the Hugging Face cache; when it is not and the hub
    may be used (neither `sentiment.offline` nor HF_HUB_OFFLINE), one HEAD request checks
    that the hub serves it, so the first start can download it (a note, not a problem).
    """
    resolved = with_environment(settings) if environment else settings
    model = resolved.model
    from_env = model != settings.model
    folder = Path(model).expanduser()
    offline = resolved.offline or hub_offline_from_env()
    if folder.is_dir():
        problem = _check_folder(model, folder, "the folder")
        return ModelResolution(model, from_env, str(folder), problem)
    if looks_like_path(model):
        problem = explain_unavailable(model, FileNotFoundError(model), offline=offline)
        return ModelResolution(model, from_env, problem=problem)
    snapshot = _cached_snapshot(model, resolved.revision)
    if snapshot is not None:
        problem = _check_folder(model, snapshot, "its copy in the Hugging Face cache,")
        return ModelResolution(model, from_env, str(snapshot), problem)
    if offline:
        problem = explain_unavailable(model, FileNotFoundError(model), offline=True)
        return ModelResolution(model, from_env, problem=problem)
    answer = _probe_hub(model, resolved.revision)
    if answer is not None:
        return ModelResolution(model, from_env, problem=answer)
    size = " (about 1.1 GB)" if model == DEFAULT_MODEL else ""
    note = (
        f"sentiment model {model!r} is not in the Hugging Face cache yet: the first start "
        f"downloads it{size} from the hub, which answers. Without network, set "
        f"sentiment.model (or {MODEL_ENV}) to a folder written by `warden model pull`."
    )
    return ModelResolution(model, from_env, note=note)


def _probe_hub(model: str, revision: str | None) -> str | None:
    """None when the hub serves `model`'s config.json; otherwise why the first start would
    fail to download it. One HEAD request, no retries."""
    import httpx
    from huggingface_hub import constants, get_token

    url = (
        f"{constants.ENDPOINT.rstrip('/')}/{model}/resolve/"
        f"{quote(revision or 'main', safe='')}/config.json"
    )
    token = get_token()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.head(url, headers=headers, timeout=HUB_PROBE_TIMEOUT)
    except httpx.HTTPError as exc:
        reason = f"the hub cannot be reached ({type(exc).__name__}: {exc})"
        return f"{explain_unavailable(model, exc, offline=False)} ({reason})"
    if response.status_code < 400:
        return None
    if response.status_code in (401, 403, 404):
        return (
            f"cannot load sentiment model {model!r}: the Hugging Face hub has no such model, or "
            f"it is private or gated (HTTP {response.status_code} for its config.json). Check "
            "the name (e.g. cardiffnlp/twitter-xlm-roberta-base-sentiment), or give the path "
            "of a model folder."
        )
    return (
        f"cannot load sentiment model {model!r}: it is not in the Hugging Face cache and the "
        f"hub answers HTTP {response.status_code}. {pull_command_hint(model)}"
    )
