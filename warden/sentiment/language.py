"""Language identification for texts that arrive without one (e.g. `warden score "..."`).

Mentions from sources already carry `lang`; this is for ad-hoc text. py3langid is restricted to
the languages Warden's default model was trained on, and a guess it is not sure of is "und".
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "ar")
"""Candidate languages: those of the default multilingual model, plus Dutch."""
UNDETERMINED = "und"
MIN_PROBABILITY = 0.5

_lock = threading.Lock()


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> tuple[str, float]:
    """(ISO 639-1 code or "und", probability) for `text`."""
    if not any(ch.isalpha() for ch in text):
        return UNDETERMINED, 0.0
    with _lock:
        code, probability = _identifier().classify(text)
    if probability < MIN_PROBABILITY:
        return UNDETERMINED, float(probability)
    return str(code), float(probability)
