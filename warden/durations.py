"""Human durations (`30s`, `5m`, `1h30m`, `2d`) parsed into `timedelta`, for config and rules."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
DURATION_PATTERN = r"^(\d+(\.\d+)?(ms|s|m|h|d|w))+$"


def parse_duration(value: Any) -> timedelta:
    """Return the timedelta for `value`; raise ValueError with the expected form otherwise."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration like 5m")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("expected a duration like 5m (no negative durations)")
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError("expected a duration like 5m")
    text = value.strip().replace(" ", "")
    if not text or _PART.sub("", text) != "":
        raise ValueError(f"expected a duration like 5m, 1h30m or 2d, got {value!r}")
    seconds = sum(float(n) * _UNITS[u] for n, u in _PART.findall(text))
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """Render a timedelta back in the short form operators write (`1h30m`)."""
    total = int(delta.total_seconds())
    if total == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, total = divmod(total, size)
        if n:
            parts.append(f"{n}{unit}")
    return "".join(parts)


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": DURATION_PATTERN, "examples": ["30s", "5m", "1h30m"]}
    ),
]
"""A pydantic field type: accepts `5m`-style strings (or seconds), holds a timedelta."""
