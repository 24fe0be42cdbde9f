"""Why a detector decided what it did, as data: a code and its figures, written out later.

A `Reason` says nothing in any language: the message words (`warden.notify.reasons`) write
it for each reader, in English or French, with numbers, shares and durations formatted the
reader's way. Parameter names say how a figure is written: `*_s` are seconds (a duration),
`*_share` a share of 1 (a percentage), `*_score` a sentiment score (signed, two decimals);
other numbers are counts or amounts, strings are shown as they are, and `parts` or `part`
hold nested reasons.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason: `code` names the sentence, `params` its figures (JSON-safe values)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """`{"code": ..., "params": {...}}`, nested reasons as the same shape; stored with an
        alert's values (`why`) so that any later message can write it in its reader's words."""
        return {"code": self.code, "params": {k: _json(v) for k, v in self.params.items()}}


def _json(value: Any) -> Any:
    if isinstance(value, Reason):
        return value.as_json()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    return value
