"""Loading a sentiment model (hub id or local folder) into a ready `SentimentScorer`.

`load_scorer` is what the daemon calls at start. It refuses, with a `ModelLoadError` that says
how to fix things, a model it cannot find (no network, wrong path), one that is not a
sequence classifier, and one whose labels it cannot map to negative/neutral/positive: Warden
never runs silently without sentiment.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from warden.errors import ModelLoadError
from warden.sentiment.labels import LabelScheme, UnknownLabelScheme, scheme_from_id2label
from warden.sentiment.scorer import InferenceBackend, SentimentScorer
from warden.sentiment.settings import SentimentSettings

log = structlog.get_logger(__name__)

MODEL_ENV = "WARDEN_SENTIMENT_MODEL"
"""Environment variable that overrides `sentiment.model` (e.g. on an offline machine)."""

_TRUE = {"1", "true", "yes", "on"}


def hub_offline_from_env() -> bool:
    """True when HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) asks the hub client to stay offline."""
    return any(
        os.environ.get(name, "").strip().lower() in _TRUE
        for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def with_environment(settings: SentimentSettings) -> SentimentSettings:
    """`settings` with WARDEN_SENTIMENT_MODEL applied, when it is set."""
    override = os.environ.get(MODEL_ENV, "").strip()
    if override and override != settings.model:
        return settings.model_copy(update={"model": override})
    return settings


def looks_like_path(model: str) -> bool:
    """A model reference that can only be a folder, not a hub id (`name` or `org/name`, never
    starting with a dot): it starts with `/`, `.` or `~`, holds a backslash or more than one
    `/`, ends with `/`, exists, or its first part is a folder here (`models/demo-sentimnt`,
    a typo inside `models/`). Such a value that does not exist is a missing folder, reported
    at once instead of being looked up on the hub."""
    if model.startswith(("/", ".", "~")) or "\\" in model or model.endswith("/"):
        return True
    if model.count("/") > 1 or Path(model).expanduser().exists():
        return True
    first = model.split("/", 1)[0]
    return "/" in model and Path(first).is_dir()


DEMO_MODEL_HINT = (
    "For the demo, `make demo-model` trains a small offline model (models/demo-sentiment) "
    f"without the hub; then run `{MODEL_ENV}=models/demo-sentiment make demo`."
)


def pull_command_hint(model: str) -> str:
    name = model.rstrip("/").rsplit("/", 1)[-1] or "model"
    return (
        f"On a machine with network run `warden model pull {model} --to /srv/models/{name}`, "
        f"copy the folder here, and set sentiment.model (or {MODEL_ENV}) to that folder."
    )


def caused_by(exc: BaseException, *names: str) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__name__ in names:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def explain_unavailable(model: str, exc: BaseException, *, offline: bool) -> str:
    """An operator-facing message for a model that could not be read, saying how to fix it."""
    folder = Path(model).expanduser()
    if looks_like_path(model):
        if not folder.exists():
            return (
                f"cannot load sentiment model {model!r}: the folder {folder} does not exist. "
                "Set sentiment.model to a folder written by `warden model pull` or "
                "`warden model train`, or to a Hugging Face hub id."
            )
        return (
            f"cannot load sentiment model {model!r}: {_first_line(exc)}. The folder must hold a "
            "transformers model saved with save_pretrained (config.json, weights and tokenizer "
            "files), such as one written by `warden model pull` or `warden model train`."
        )
    if offline:
        why = "HF_HUB_OFFLINE is set" if hub_offline_from_env() else "sentiment.offline is true"
        return (
            f"cannot load sentiment model {model!r}: offline ({why}) and no local copy in the "
            f"Hugging Face cache. {pull_command_hint(model)} {DEMO_MODEL_HINT}"
        )
    if caused_by(exc, "RepositoryNotFoundError", "RevisionNotFoundError", "GatedRepoError"):
        return (
            f"cannot load sentiment model {model!r}: no such model on the Hugging Face hub "
            f"({_first_line(exc)}). Check the name (e.g. "
            "cardiffnlp/twitter-xlm-roberta-base-sentiment), or give the path of a model folder."
        )
    if caused_by(exc, "LocalEntryNotFoundError", "ConnectError", "ConnectionError", "gaierror"):
        return (
            f"cannot load sentiment model {model!r}: no network and no local copy. "
            f"{pull_command_hint(model)} {DEMO_MODEL_HINT}"
        )
    return f"cannot load sentiment model {model!r}: {_first_line(exc)}. {pull_command_hint(model)}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def quiet_transformers() -> None:
    """No progress bars or load reports on the operator's terminal; errors still raise."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]


def load_scorer(settings: SentimentSettings, *, environment: bool = True) -> SentimentScorer:
    """Load settings.model with settings.backend; raise ModelLoadError saying how to fix it.

    With `environment`, WARDEN_SENTIMENT_MODEL (when set) replaces settings.model. With the
    onnx backend and an export already cached, the torch weights are not loaded at all.
    """
    if environment:
        settings = with_environment(settings)
    started = time.perf_counter()
    files = open_model_files(settings)
    scheme = scheme_from_model(settings.model, files.config)
    if settings.threads:
        import torch

        torch.set_num_threads(settings.threads)
    backend: InferenceBackend
    if settings.backend == "onnx":
        from warden.sentiment.onnx_backend import OnnxBackend, export_path

        cached = export_path(files.source, files.config, settings)
        if cached.exists():
            tokenizer = files.load_tokenizer()
            backend = OnnxBackend(cached, threads=settings.threads)
        else:
            model, tokenizer = files.load_model()
            backend = OnnxBackend.from_model(
                model, tokenizer, source=files.source, settings=settings
            )
            del model
    else:
        from warden.sentiment.torch_backend import TorchBackend

        model, tokenizer = files.load_model()
        backend = TorchBackend(model)
    model_ref = settings.model if not settings.revision else f"{settings.model}@{settings.revision}"
    scorer = SentimentScorer(
        tokenizer=tokenizer,
        backend=backend,
        scheme=scheme,
        model_ref=model_ref,
        batch_size=settings.batch_size,
        max_length=settings.max_length,
        cache_size=settings.cache_size,
    )
    log.info(
        "sentiment.model_loaded",
        model=scorer.model_name,
        labels=scheme.kind,
        classes=scheme.num_classes,
        seconds=round(time.perf_counter() - started, 2),
    )
    return scorer


def scheme_from_model(model_ref: str, config: Any) -> LabelScheme:
    try:
        return scheme_from_id2label(config.id2label)
    except UnknownLabelScheme as exc:
        raise ModelLoadError(
            f"sentiment model {model_ref!r} has labels Warden cannot map to "
            f"negative/neutral/positive: {exc}"
        ) from None


@dataclass(frozen=True)
class ModelFiles:
    """A model located and its config read and checked; weights and tokenizer load on demand."""

    model_ref: str
    source: str
    """The local folder, or the hub id."""
    config: Any
    from_pretrained_kwargs: dict[str, Any]
    offline: bool

    @property
    def not_a_classifier(self) -> str:
        architectures = list(getattr(self.config, "architectures", None) or [])
        return (
            f"sentiment model {self.model_ref!r} is not a sequence-classification model "
            f"(its config declares {', '.join(architectures) or 'no architecture'}). Use a model "
            "fine-tuned for sentiment, or train a classification head on it with "
            f"`warden model train --base {self.model_ref} --data labelled.csv --out DIR`."
        )

    def load_tokenizer(self) -> Any:
        from transformers import AutoTokenizer

        try:
            return AutoTokenizer.from_pretrained(self.source, **self.from_pretrained_kwargs)
        except (OSError, ValueError) as exc:
            message = explain_unavailable(self.model_ref, exc, offline=self.offline)
            raise ModelLoadError(message) from None

    def load_model(self) -> tuple[Any, Any]:
        """(classification model in eval mode, tokenizer)."""
        from transformers import AutoModelForSequenceClassification

        tokenizer = self.load_tokenizer()
        try:
            model, loading_info = AutoModelForSequenceClassification.from_pretrained(
                self.source, output_loading_info=True, **self.from_pretrained_kwargs
            )
        except ValueError as exc:
            if "Unrecognized configuration class" in str(exc):
                raise ModelLoadError(self.not_a_classifier) from None
            message = explain_unavailable(self.model_ref, exc, offline=self.offline)
            raise ModelLoadError(message) from None
        except OSError as exc:
            message = explain_unavailable(self.model_ref, exc, offline=self.offline)
            raise ModelLoadError(message) from None
        if loading_info.get("missing_keys"):
            missing = ", ".join(sorted(loading_info["missing_keys"])[:4])
            raise ModelLoadError(
                f"{self.not_a_classifier} Weights missing from the checkpoint: {missing}."
            )
        return model.eval(), tokenizer


def open_model_files(settings: SentimentSettings) -> ModelFiles:
    """Locate settings.model and read its config; refuse non-classifiers and unknown labels."""
    from transformers import AutoConfig

    quiet_transformers()
    model_ref = settings.model
    offline = settings.offline or hub_offline_from_env()
    folder = Path(model_ref).expanduser()
    is_folder = folder.is_dir()
    if looks_like_path(model_ref) and not is_folder:
        raise ModelLoadError(
            explain_unavailable(model_ref, FileNotFoundError(model_ref), offline=offline)
        )
    source = str(folder) if is_folder else model_ref
    kwargs: dict[str, Any] = {"local_files_only": offline or is_folder}
    if settings.revision and not is_folder:
        kwargs["revision"] = settings.revision
    try:
        config = AutoConfig.from_pretrained(source, **kwargs)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(explain_unavailable(model_ref, exc, offline=offline)) from None
    files = ModelFiles(model_ref, source, config, kwargs, offline)
    architectures = list(getattr(config, "architectures", None) or [])
    if architectures and not any(a.endswith("ForSequenceClassification") for a in architectures):
        raise ModelLoadError(files.not_a_classifier)
    scheme_from_model(model_ref, config)
    return files
