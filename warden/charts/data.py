"""What a chart shows, read from the store: volume per bucket, its baseline and the firing spans.

A chart covers ``hours`` hours of buckets (an hour each by default) ending at ``now``: per
bucket its start (UTC), the mentions counted by the rollup (``series_buckets``) and how many
of them were negative, the count the volume detector expected and the range it would have
called normal variation, and the periods an alert was firing.

The expectation is not re-derived here: each bucket is judged by
:func:`warden.detect.volume.detect_volume_spike`, the function the volume rules run, on the
history before that bucket (read from the entity's first mention, at most
:func:`~warden.detect.volume.history_span` back, as the rules read it), with a one-bucket
window. ``expected`` is its decision's expectation (seasonal profile on the entity's local
clock times the level of the ordinary hours before, see :mod:`warden.detect.level`), and
``low``..``high`` the counts it does not fire on at ``sensitivity`` in either direction, found
by asking the same function about other counts. While the detector is warming up (less than
its ``warm_up`` of history) the three are None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warden.detect.baseline import BaselineParams
from warden.detect.sensitivity import Sensitivity
from warden.detect.series import Series
from warden.detect.volume import VolumeParams, detect_volume_spike, history_span
from warden.store.models import Alert, SeriesBucket
from warden.store.rollup import BUCKET_SECONDS

HOUR = timedelta(hours=1)
_LARGEST = 10**9  # no count model fires nowhere below this: the band's open top
Span = tuple[datetime, datetime | None]
"""A firing period: from ``fired_at`` to ``resolved_at`` (None while still firing)."""


@dataclass(frozen=True, slots=True)
class ChartData:
    """One entity's volume over a window of equal buckets, with baseline and firing spans.

    ``times``: start of each bucket (aware UTC), oldest first, ``step`` apart; the window ends
    at ``end``, and when ``partial`` is True the last bucket is still filling (it started
    before ``end`` and ends after it). ``counts`` and ``negatives``: mentions and negative
    mentions per bucket. ``expected``, ``low`` and ``high``: the baseline's expected count and
    the range of counts within normal variation (None while warming up). ``firing``: the
    firing periods overlapping the window, oldest first. ``timezone``: IANA name of the local
    clock the baseline learnt its daily profile on (the entity's).
    """

    entity: str
    step: timedelta
    end: datetime
    times: tuple[datetime, ...]
    counts: tuple[float, ...]
    negatives: tuple[float, ...]
    expected: tuple[float | None, ...]
    low: tuple[float | None, ...]
    high: tuple[float | None, ...]
    firing: tuple[Span, ...]
    partial: bool = False
    timezone: str = "UTC"

    @property
    def start(self) -> datetime:
        """Start of the window (of its first bucket)."""
        return self.times[0] if self.times else self.end


@dataclass(frozen=True, slots=True)
class AlertChartData:
    """The chart of one alert: its entity's window and what identifies the alert.

    ``chart.firing`` holds the alert's own firing span only. ``labels`` are the alert's labels
    (``entity``, and ``source`` / ``lang`` when the rule splits by them).
    """

    alert_id: int
    rule: str
    severity: str
    state: str
    labels: dict[str, str]
    chart: ChartData


def _aligned(moment: datetime, step: timedelta) -> int:
    """Index of the ``step`` bucket (aligned on the epoch) holding ``moment``."""
    return int(moment.timestamp() // step.total_seconds())


def _bucket_time(index: int, step: timedelta) -> datetime:
    return datetime.fromtimestamp(index * step.total_seconds(), UTC)


def _read(
    session: Session, entity: str, first: int, stop: int, step: timedelta
) -> tuple[list[float], list[float]]:
    """Counts and negatives of buckets ``first .. stop - 1`` (``step`` indexes), gaps as 0."""
    sb = SeriesBucket
    rows = session.execute(
        select(sb.bucket_start, func.sum(sb.count), func.sum(sb.negative))
        .where(
            sb.entity == entity,
            sb.bucket_start >= _bucket_time(first, step),
            sb.bucket_start < _bucket_time(stop, step),
        )
        .group_by(sb.bucket_start)
    )
    counts = [0.0] * max(0, stop - first)
    negatives = [0.0] * max(0, stop - first)
    for start, count, negative in rows:
        i = _aligned(start, step) - first
        if 0 <= i < len(counts):
            counts[i] += float(count or 0)
            negatives[i] += float(negative or 0)
    return counts, negatives


def _first_data(session: Session, entity: str) -> datetime | None:
    """Start of the entity's first 5-minute bucket with a counted mention."""
    sb = SeriesBucket
    found: datetime | None = session.scalar(
        select(func.min(sb.bucket_start)).where(sb.entity == entity, sb.count > 0)
    )
    return found


def _top(fires: Callable[[int], bool], calm: int) -> int | None:
    """The largest count above ``calm`` (which does not fire) that does not fire.

    ``fires`` must be monotone above ``calm``. Exponential then binary search: O(log count)
    calls. None when nothing up to ``_LARGEST`` fires (the range is open).
    """
    step = 1
    while not fires(calm + step):
        calm += step
        step *= 2
        if calm + step > _LARGEST:
            return None
    hot = calm + step
    while hot - calm > 1:
        mid = (calm + hot) // 2
        if fires(mid):
            hot = mid
        else:
            calm = mid
    return calm


def _bottom(fires: Callable[[int], bool], calm: int) -> int:
    """The smallest count at or below ``calm`` (which does not fire) that does not fire.

    ``fires`` must be monotone below ``calm``; binary search: O(log calm) calls.
    """
    if not fires(0):
        return 0
    hot = 0
    while calm - hot > 1:
        mid = (calm + hot) // 2
        if fires(mid):
            hot = mid
        else:
            calm = mid
    return calm


def _judged(
    history: Series, current: float, params: VolumeParams
) -> tuple[float | None, float | None, float | None]:
    """Expected count of the bucket after ``history`` and its normal range (low, high)."""
    decision = detect_volume_spike(history, current, params)
    if decision.warming_up or decision.expected is None:
        return None, None, None
    expected = decision.expected

    def fires(count: int) -> bool:
        return detect_volume_spike(history, float(count), params).fired

    middle = int(expected)
    if fires(middle):  # a fraction below an expectation may already be a drop: start above
        middle += 1
    high = _top(fires, middle)
    return expected, float(_bottom(fires, middle)), None if high is None else float(high)


def chart_params(sensitivity: Sensitivity = "medium", timezone: str = "UTC") -> VolumeParams:
    """The volume detector's settings the charts judge each bucket with (one-bucket window,
    both directions, no ``min_count``), on the entity's local clock ``timezone``."""
    return VolumeParams(
        sensitivity=sensitivity,
        min_count=0.0,
        direction="both",
        windows=(1,),
        baseline=BaselineParams(timezone=timezone),
    )


def _window(
    session: Session,
    entity: str,
    end: datetime,
    hours: float,
    step: timedelta,
    sensitivity: Sensitivity,
    timezone: str,
    firing: tuple[Span, ...],
) -> ChartData:
    if end.tzinfo is None:
        raise ValueError("chart window end must be an aware datetime")
    if step.total_seconds() % BUCKET_SECONDS or step <= timedelta(0):
        raise ValueError(f"a chart step must be a multiple of 5 minutes, got {step}")
    if hours <= 0:
        raise ValueError(f"a chart covers a positive number of hours, got {hours}")
    partial = end.timestamp() % step.total_seconds() != 0
    stop = _aligned(end, step) + (1 if partial else 0)
    first = stop - max(1, int(timedelta(hours=hours) / step))
    params = chart_params(sensitivity, timezone)
    span = int(history_span(params) / step) + 1
    seen = _first_data(session, entity)
    origin = first if seen is None else min(first, max(_aligned(seen, step), first - span))
    counts, negatives = _read(session, entity, origin, stop, step)
    expected: list[float | None] = []
    low: list[float | None] = []
    high: list[float | None] = []
    for i in range(first, stop):
        known = i - origin
        if seen is None or _aligned(seen, step) >= i:
            e = lo = hi = None
        else:
            lo_index = max(_aligned(seen, step), i - span) - origin
            history = Series(_bucket_time(origin + lo_index, step), step, counts[lo_index:known])
            e, lo, hi = _judged(history, counts[known], params)
        expected.append(e)
        low.append(lo)
        high.append(hi)
    shown = slice(first - origin, stop - origin)
    start = _bucket_time(first, step)
    return ChartData(
        entity=entity,
        step=step,
        end=end,
        times=tuple(_bucket_time(i, step) for i in range(first, stop)),
        counts=tuple(counts[shown]),
        negatives=tuple(negatives[shown]),
        expected=tuple(expected),
        low=tuple(low),
        high=tuple(high),
        firing=tuple(s for s in firing if s[1] is None or s[1] > start),
        partial=partial,
        timezone=timezone,
    )


def entity_window(
    session: Session,
    entity: str,
    now: datetime,
    hours: float = 48,
    *,
    step: timedelta = HOUR,
    sensitivity: Sensitivity = "medium",
    timezone: str = "UTC",
) -> ChartData:
    """The last ``hours`` hours of ``entity`` up to ``now`` (aware), in buckets of ``step``.

    ``firing`` holds the spans of every alert labelled with the entity that fired in the
    window. ``timezone``: the entity's IANA zone (``Config.timezone_of``), the clock of its
    baseline. An entity with no data gives zero counts and no baseline. Raises ValueError
    for a naive ``now``, a ``step`` that is not a multiple of 5 minutes or ``hours <= 0``.
    """
    start = now - timedelta(hours=hours)
    rows = session.scalars(
        select(Alert)
        .where(Alert.fired_at.is_not(None), Alert.fired_at < now)
        .where((Alert.resolved_at.is_(None)) | (Alert.resolved_at > start))
        .order_by(Alert.fired_at, Alert.id)
    )
    spans = tuple(
        (a.fired_at, a.resolved_at)
        for a in rows
        if a.fired_at is not None and (a.labels or {}).get("entity") == entity
    )
    return _window(session, entity, now, hours, step, sensitivity, timezone, spans)


def alert_window(
    session: Session,
    alert_id: int,
    now: datetime,
    hours: float = 48,
    *,
    step: timedelta = HOUR,
    sensitivity: Sensitivity = "medium",
    timezone: str = "UTC",
) -> AlertChartData | None:
    """The chart of alert ``alert_id``: its entity's ``hours`` hours up to ``now``.

    For a resolved alert the window ends a quarter of the window after ``resolved_at`` (or
    at ``now`` if sooner), so its whole episode stays in view whenever the chart is drawn.
    ``chart.firing`` is the alert's own span (empty while it is only pending). None when no
    such alert exists or it has no ``entity`` label. Other arguments as `entity_window`.
    """
    alert = session.get(Alert, alert_id)
    if alert is None:
        return None
    labels = dict(alert.labels or {})
    entity = labels.get("entity")
    if not entity:
        return None
    end = now
    if alert.resolved_at is not None:
        end = min(now, alert.resolved_at + timedelta(hours=hours) / 4)
    spans: tuple[Span, ...] = ()
    if alert.fired_at is not None and alert.fired_at < end:
        resolved = alert.resolved_at if alert.resolved_at and alert.resolved_at <= end else None
        spans = ((alert.fired_at, resolved),)
    chart = _window(session, entity, end, hours, step, sensitivity, timezone, spans)
    return AlertChartData(alert.id, alert.rule, alert.severity, alert.state, labels, chart)
