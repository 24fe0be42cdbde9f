"""Saving a hub model (weights and tokenizer) to a folder, for machines without network."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warden.errors import ModelLoadError
from warden.sentiment.labels import UnknownLabelScheme, scheme_from_id2label
from warden.sentiment.loader import caused_by, hub_offline_from_env, quiet_transformers


def _download_error(model: str, exc: BaseException) -> str:
    if hub_offline_from_env():
        return (
            f"cannot download sentiment model {model!r}: HF_HUB_OFFLINE is set and the model is "
            "not in the local Hugging Face cache. Run `warden model pull` on a machine with "
            "network (HF_HUB_OFFLINE unset), then copy the folder here."
        )
    if caused_by(exc, "RepositoryNotFoundError", "RevisionNotFoundError", "GatedRepoError"):
        return f"cannot download sentiment model {model!r}: no such model on the Hugging Face hub."
    if caused_by(exc, "LocalEntryNotFoundError", "ConnectError", "ConnectionError", "gaierror"):
        return (
            f"cannot download sentiment model {model!r}: no network (the Hugging Face hub cannot "
            "be reached from this machine). Run this command on a machine with network access, "
            "then copy the folder here and set sentiment.model (or WARDEN_SENTIMENT_MODEL) to it."
        )
    return f"cannot download sentiment model {model!r}: {exc}"


def pull_model(model: str, target: Path, revision: str | None = None) -> str:
    """Save `model` to `target`; return a one-line summary. Raise ModelLoadError on failure."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    quiet_transformers()
    kwargs: dict[str, Any] = {"local_files_only": hub_offline_from_env()}
    if revision:
        kwargs["revision"] = revision
    try:
        tokenizer = AutoTokenizer.from_pretrained(model, **kwargs)
        classifier = AutoModelForSequenceClassification.from_pretrained(model, **kwargs)
    except (OSError, ValueError) as exc:
        raise ModelLoadError(_download_error(model, exc)) from None
    try:
        scheme = scheme_from_id2label(classifier.config.id2label)
        labels = f"labels read as {scheme.kind}: {', '.join(scheme.class_labels)}"
    except UnknownLabelScheme as exc:
        labels = f"warning: Warden cannot use these labels ({exc})"
    target.mkdir(parents=True, exist_ok=True)
    classifier.save_pretrained(target)
    tokenizer.save_pretrained(target)
    return f"saved {model} to {target} ({labels}); set sentiment.model: {target.resolve()}"
