"""Dotted paths into decoded JSON (`data.children`, `user.public_metrics.followers_count`,
`media.0.url`), used by the declarative field mappings of `http_json`, `jsonl` and `webhook`."""

from __future__ import annotations

from typing import Any


def lookup(document: Any, path: str | None) -> Any:
    """The value at `path` in `document`, or None when any step is missing ('' is the document)."""
    if path is None:
        return None
    value = document
    for step in path.split(".") if path else []:
        if isinstance(value, dict):
            value = value.get(step)
        elif isinstance(value, list) and step.lstrip("-").isdigit():
            index = int(step)
            value = value[index] if -len(value) <= index < len(value) else None
        else:
            return None
        if value is None:
            return None
    return value


def as_object(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one (for optional nested objects)."""
    return value if isinstance(value, dict) else {}
