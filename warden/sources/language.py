"""Language identification for mentions whose platform does not say which language they are in."""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_identifier: Any = None


def detect_language(text: str, min_chars: int = 12) -> str | None:
    """ISO 639-1 code of `text` ('fr', 'en', ...), or None when the text is too short to tell."""
    if len(text.strip()) < min_chars:
        return None
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        lang, prob = _identifier.classify(text)
    return str(lang) if prob >= 0.5 else None
