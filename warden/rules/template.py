"""`{{ name }}` placeholders in rule annotations: checked at load time, filled when firing."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

FALLBACK_LANGUAGE = "en"
"""The language whose text readers get when an annotation has none in theirs."""

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def placeholders(template: str) -> list[str]:
    return PLACEHOLDER.findall(template)


def unknown_placeholders(template: str, known: Iterable[str]) -> list[str]:
    allowed = set(known)
    return [name for name in placeholders(template) if name not in allowed]


def text_for(annotation: str | Mapping[str, str], language: str) -> str:
    """The text of an annotation for a reader of `language`: its own text if the annotation
    has one per language and one in `language`, else the `en` text; a plain string as is."""
    if isinstance(annotation, str):
        return annotation
    return annotation.get(language) or annotation[FALLBACK_LANGUAGE]


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def render(
    template: str,
    values: Mapping[str, Any],
    show: Callable[[str, Any], str] | None = None,
) -> str:
    """Fill the placeholders; one that has no value renders as `?` (never an exception).

    `show(name, value)` writes a value (messages pass the receiver's number formats).
    """

    def fill(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in values:
            return "?"
        return show(name, values[name]) if show is not None else _show(values[name])

    return PLACEHOLDER.sub(fill, template)
