"""Human durations (`30s`, `5m`, `1h30m`, `2d`) parsed into `timedelta`, for config and rules."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_BARE = re.compile(r"^\d+(\.\d+)?$")
DURATION_PATTERN = r"^(\d+(\.\d+)?(ms|s|m|h|d|w))+$"
ZERO_PATTERN = r"^(0+(\.0+)?(ms|s|m|h|d|w))+$"
"""A duration of nothing (`0s`, `0m0s`): what a PositiveDuration's schema refuses."""


FORMS = "like 5m, 30s, 1h30m or 2d (a number and a unit: ms, s, m, h, d or w)"
"""The accepted forms, as error messages state them."""


def parse_duration(value: Any) -> timedelta:
    """Return the timedelta for `value` (`30s`, `5m`, `1h30m`, `2d`, or a timedelta).

    A bare number is refused: `5` could mean seconds or minutes, and a wrong guess polls a
    feed 60 times too often or evaluates rules 60 times too rarely. Raises ValueError naming
    the accepted forms.
    """
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str) and _BARE.match(value.strip()):
        value = float(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"expected a duration {FORMS}, got {value:g} (never negative)")
        example = f"{value:g}"
        raise ValueError(
            f"expected a duration {FORMS}, got the bare number {example}; "
            f"write {example}s or {example}m"
        )
    if not isinstance(value, str):
        raise ValueError(f"expected a duration {FORMS}, got {value!r}")
    text = value.strip().replace(" ", "")
    if not text or _PART.sub("", text) != "":
        clock = " (a unit after each number, never a clock form like 1:30)" if ":" in text else ""
        raise ValueError(f"expected a duration {FORMS}, got {value!r}{clock}")
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
"""A pydantic field type: accepts `5m`-style strings (never a bare number), holds a timedelta."""


def require_positive(delta: timedelta) -> timedelta:
    """`delta` when longer than nothing; ValueError for 0s (a period of zero spins or divides)."""
    if delta <= timedelta(0):
        raise ValueError(f"must be longer than 0s, got {format_duration(delta)} ({FORMS})")
    return delta


PositiveDuration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    AfterValidator(require_positive),
    PlainSerializer(format_duration, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "not": {"pattern": ZERO_PATTERN},
            "examples": ["30s", "5m", "1h30m"],
        }
    ),
]
"""A Duration that must be longer than 0s (periods, timeouts, windows); the schema says so."""
