"""How an alert's stored values are written for a reader, by what each one is.

Rules store their figures under plain keys (`warden.rules.judge_series`, `judge_posts`, and
each condition's `VALUES` in `warden.rules.conditions`): a count of mentions, a share (0..1),
a probability, a duration as written in the config (`15m`), a name. Some keys mean different
things per rule, told apart by the other keys the alert holds:

- `threshold` is a probability for the statistical rules (they store `probability`, or
  `terms` for `new_term`), a share for `negative_share` (it stores `share` and no
  probability), a duration for `flatline` (a text like `2h`), a count otherwise;
- `observed` and `peak` are a share for `negative_share`, a sentiment score for
  `sentiment_shift` (it stores `mean`), a count otherwise.

Internal keys (`reason`, `why`, `warming_up`, `resolved_*`, anything not a plain figure or
name) are not values a reader is shown: the reason is written by `Words.reason`.
`write` is used by the messages' `{{ placeholders }}` and by the status page's Values table,
so both say the same thing. Counts are over different spans per condition (a spike's 5 min,
a share's 15 min); `window_of` tells which, from the `windows` the rules store.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Literal

from warden.durations import parse_duration
from warden.notify.words import Words

Kind = Literal["count", "share", "odds", "duration", "score", "text"]

INTERNAL = frozenset(
    {"reason", "why", "warming_up", "resolved_why", "resolved_reason", "detector", "windows"}
)
"""Keys that carry the machinery's data, never shown as a value."""

SHARES = frozenset({"share", "usual_share", "negative_share", "positive_share", "now_share"})
DURATIONS = frozenset({"window", "step", "silent_for"})
TEXTS = frozenset({"author", "source", "terms", "entity", "rule"})

ORDER = (
    "observed",
    "count",
    "negative",
    "scored",
    "share",
    "expected",
    "usual_share",
    "mean",
    "peak",
    "probability",
    "threshold",
    "author",
    "followers",
    "reach",
    "engagement",
    "matches",
    "terms",
    "source",
    "silent_for",
    "window",
    "step",
)
"""The order of the page's Values table (other keys follow, sorted)."""


def _statistical(values: Mapping[str, Any]) -> bool:
    return "probability" in values or "terms" in values


def _share_rule(values: Mapping[str, Any]) -> bool:
    return "share" in values and not _statistical(values)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def kind_of(key: str, value: Any, values: Mapping[str, Any]) -> Kind | None:
    """What `values[key]` is (None: internal, not shown to a reader)."""
    if key in INTERNAL or isinstance(value, dict | list | tuple | bool) or value is None:
        return None
    if key in SHARES or key.endswith("_share"):
        return "share"
    if key == "probability":
        return "odds"
    if key in DURATIONS:
        return "duration"
    if key == "threshold":
        if isinstance(value, str):
            return "duration"
        if _statistical(values):
            return "odds"
        return "share" if _share_rule(values) else "count"
    if key in ("observed", "peak", "expected", "baseline"):
        if _share_rule(values) and key in ("observed", "peak"):
            return "share"
        if "mean" in values:
            return "score"
        return "count"
    if key == "mean":
        return "score"
    if key in TEXTS or not _is_number(value):
        return "text"
    return "count"


def write(words: Words, key: str, value: Any, values: Mapping[str, Any]) -> str:
    """`values[key]` written in `words`' language and formats: `85%`, `1 in 2,000`,
    `1 h 30 min`, `152,000`, `-0.42`. Text that is not of its kind is returned as is."""
    kind = kind_of(key, value, values)
    if kind == "share" and _is_number(value):
        return words.percent(value)
    if kind == "odds" and _is_number(value):
        return words.odds(value)
    if kind == "duration":
        try:
            return words.duration(parse_duration(str(value)))
        except ValueError:
            return str(value)
    if kind == "score" and _is_number(value):
        text = f"{float(value):.2f}"
        return text.replace(".", ",") if words.language == "fr" else text
    if kind == "count" and _is_number(value):
        return words.number(value)
    return str(value)


def shown(values: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The (key, value) pairs a reader is shown, in `ORDER`: internal keys left out, and
    `observed` / `baseline` too when they repeat a figure already shown under its own name."""
    pairs = [(k, v) for k, v in values.items() if kind_of(k, v, values) is not None]
    keep: list[tuple[str, Any]] = []
    for key, value in pairs:
        if key == "baseline" and "expected" in values:
            continue
        if key == "observed" and any(
            values.get(other) == value for other in ("count", "negative", "share", "mean")
        ):
            continue
        keep.append((key, value))
    rank = {k: i for i, k in enumerate(ORDER)}
    return sorted(keep, key=lambda kv: (rank.get(kv[0], len(ORDER)), kv[0]))


def window_of(key: str, values: Mapping[str, Any]) -> timedelta | None:
    """The span the count `values[key]` was counted over (`values["windows"]`, seconds), or
    None when the rule did not say (older alerts, figures that are not counts)."""
    windows = values.get("windows")
    seconds = windows.get(key) if isinstance(windows, Mapping) else None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds <= 0:
        return None
    return timedelta(seconds=seconds)
