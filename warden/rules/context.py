"""What judging a condition reads and gives: the context of one group at one instant, the
judgement, and the memo that makes an unchanged cycle free."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from warden.detect.decision import Decision
from warden.detect.reason import Reason
from warden.store.series import Group, SeriesCache

BASELINE_SAMPLE = 2_000
"""Most posts read for a baseline of posts (sentiment shift, new terms); refreshed hourly."""
RECENT_LIMIT = 10_000
"""Most posts of one group read for the recent window in one cycle."""
HOUR_SECONDS = 3_600


@dataclass
class Judgement:
    """A condition's decision, the figures a message shows, and where its evidence is."""

    decision: Decision
    values: dict[str, Any] = field(default_factory=dict)
    evidence: list[int] | None = None
    evidence_since: datetime | None = None
    prefer_negative: bool = False


@dataclass
class JudgeContext:
    """Everything a condition may read: the store, the series, the time and the memo."""

    session: Session
    cache: SeriesCache
    now: datetime
    group: Group
    started_at: datetime
    memo: dict[Any, Any]
    recent_span: timedelta = timedelta(hours=1)
    """The longest recent window of the rule set's post-based conditions."""
    term_sets: dict[Any, frozenset[str]] = field(default_factory=dict)
    """Terms of each post already counted (new-term detection), kept across cycles."""
    histories: dict[Any, Any] = field(default_factory=dict)
    """Series read for the detectors (large lists: the evaluator bounds how many are kept)."""
    cycle: dict[Any, Any] = field(default_factory=dict)
    """What is shared within one cycle only (the recent posts of each group)."""
    timezone: str = "UTC"
    """IANA time zone of the group's entity: the local clock of its volume profiles."""


def remembered(
    ctx: JudgeContext, key: Any, stop: int, compute: Any, memo: dict[Any, Any] | None = None
) -> Any:
    """`compute()`, memoised while no bucket of the group before index `stop` changes."""
    store = ctx.memo if memo is None else memo
    version = ctx.cache.version(ctx.group)
    key = (ctx.cache.generation, key)
    found = store.get(key)
    if found is not None and (
        found[0] == version or ctx.cache.unchanged_before(ctx.group, found[0], stop)
    ):
        store[key] = (version, found[1])
        return found[1]
    value = compute()
    store[key] = (version, value)
    return value


def plain_number(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 3)


def no_data(detector: str) -> Decision:
    return Decision(
        fired=False,
        reason="warming up: no mention seen yet",
        detector=detector,
        warming_up=True,
        why=Reason("no_data"),
    )
