"""Seasonal robust baseline: a bucket's usual count for its local time of day and weekday.

The seasonal expectation of a bucket is ``slot(t) * weekday(t)``, both read on the local clock
of the entity's time zone (``BaselineParams.timezone``, an IANA name; see
:mod:`warden.detect.localtime`), so a daylight-saving change moves the profile with the
audience:

* ``slot`` is a time-of-day profile (hourly slots for buckets of an hour or less): for each
  slot, the interquartile mean over the last ``profile_days`` days of that slot's per-bucket
  count, each day first divided by its weekday factor. A spike or an outage on a few days is
  trimmed away, so a past crisis does not raise the bar for the next one. Each slot also
  gets ``prior_count`` pseudo-mentions at the overall rate (a Poisson-gamma prior), so that
  a sparse series (a few mentions a day) does not expect exactly zero while a busy slot is
  not pulled towards the day's average: the pull is worth ``prior_count`` mentions, not a day.
* ``weekday`` factors (Monday first) are the median daily total of each local weekday over the
  last ``weekday_days`` days against the median of all days, used once every weekday has been
  seen at least twice; before that they are all 1.

The recent *level* (how far the brand currently runs above or below its profile) is not learnt
here but by :mod:`warden.detect.level`, which keeps anomalous hours out of it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from warden.detect.localtime import DAY, check_zone, local_seconds, weekday
from warden.detect.robust import median, trimmed_mean
from warden.detect.series import Series

_DAY = DAY
_HOUR = 3_600


@dataclass(frozen=True, slots=True)
class BaselineParams:
    """How much history the baseline learns from, how robustly, and on which clock.

    ``timezone``: IANA name of the local clock profiles are read on. ``level_hours``: how many
    recent ordinary hours the level is the median of; ``outlier``: how many robust standard
    deviations (1.4826 MAD) of the hourly log-ratios make an hour anomalous (Hampel's
    identifier, 3 by convention); ``smoothing``: counts added to both sides of a ratio so that
    quiet hours do not swing it.
    """

    profile_days: int = 14
    weekday_days: int = 28
    level_hours: int = 6
    trim: float = 0.25
    prior_count: float = 1.0
    smoothing: float = 5.0
    outlier: float = 3.0
    episode_hours: int = 3
    episode_limit: int = 24
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        check_zone(self.timezone)
        if self.outlier <= 0:
            raise ValueError("outlier must be a positive number of robust deviations")


@dataclass(frozen=True, slots=True)
class Baseline:
    """A fitted seasonal profile (per local time-of-day slot) and local weekday factors."""

    step_seconds: int
    slot_seconds: int
    per_slot: tuple[float, ...]
    weekday: tuple[float, ...]
    days: float
    timezone: str = "UTC"

    def seasonal(self, t: datetime) -> float:
        """Expected count of the bucket starting at ``t`` (before any level adjustment)."""
        series = Series(t, timedelta(seconds=self.step_seconds), [])
        local = local_seconds(series, 0, 1, self.timezone)[0]
        return self.per_slot[(local % _DAY) // self.slot_seconds] * self.weekday[weekday(local)]


def slot_seconds(step_seconds: int) -> int:
    """Length of a time-of-day slot: an hour for buckets up to an hour, else the bucket, ≤ a day."""
    slot = min(_DAY, max(_HOUR, step_seconds))
    return slot if _DAY % slot == 0 else _DAY


def seasonal_path(series: Series, baseline: Baseline, first: int, stop: int) -> list[float]:
    """Seasonal expectations of buckets ``first`` .. ``stop - 1`` (may run past the series)."""
    per_slot, factors, slot = baseline.per_slot, baseline.weekday, baseline.slot_seconds
    return [
        per_slot[(s % _DAY) // slot] * factors[weekday(s)]
        for s in local_seconds(series, first, stop, baseline.timezone)
    ]


def _cells(series: Series, slot: int, timezone: str) -> list[tuple[int, int, float, int]]:
    """(local day number, slot index, sum, bucket count) of each slot instance covered."""
    values = series.values
    n = len(values)
    step = int(series.step.total_seconds())
    local = local_seconds(series, 0, n, timezone)
    out: list[tuple[int, int, float, int]] = []
    i = 0
    while i < n:
        s = local[i]
        key = (s // _DAY, (s % _DAY) // slot)
        # Buckets are regular on the local clock between clock changes, which fall on slot
        # boundaries: jump to where the slot should end, then check (and step back) there.
        j = min(n, i + max(1, -(-(slot - s % slot) // step)))
        while j - 1 > i and (local[j - 1] // _DAY, (local[j - 1] % _DAY) // slot) != key:
            j -= 1
        out.append((key[0], key[1], float(sum(values[i:j])), j - i))
        i = j
    return out


def _weekday_factors(
    cells: list[tuple[int, int, float, int]], buckets_per_day: int, params: BaselineParams
) -> tuple[float, ...]:
    last_day = cells[-1][0]
    first_day = max(cells[0][0], last_day - params.weekday_days + 1)
    size = last_day - first_day + 1
    totals = [0.0] * size
    counts = [0] * size
    for day, _, total, count in cells:
        if day >= first_day:
            totals[day - first_day] += total
            counts[day - first_day] += count
    by_weekday: list[list[float]] = [[] for _ in range(7)]
    complete = []
    for d in range(size):
        # A local day has 23 or 25 hours on a daylight-saving change: near enough is whole.
        if counts[d] >= buckets_per_day * 23 // 24:
            by_weekday[(first_day + d + 3) % 7].append(totals[d])
            complete.append(totals[d])
    if min(len(v) for v in by_weekday) < 2:
        return (1.0,) * 7
    overall = median(complete)
    if overall <= 0:
        return (1.0,) * 7
    factors = []
    for samples in by_weekday:
        ratio = max(median(samples), 0.5) / overall
        # Shrink towards 1 in log space: two samples of a weekday are weak evidence.
        shrink = len(samples) / (len(samples) + 1.0)
        factors.append(min(5.0, max(0.2, math.exp(shrink * math.log(ratio)))))
    return tuple(factors)


def fit_baseline(history: Series, params: BaselineParams | None = None) -> Baseline:
    """Fit the seasonal profile and weekday factors on ``history``.

    Reads at most ``max(profile_days, weekday_days)`` days; O(buckets) time.
    """
    p = params or BaselineParams()
    step = int(history.step.total_seconds())
    slot = slot_seconds(step)
    slots_per_day = _DAY // slot
    span_days = max(p.profile_days, p.weekday_days)
    series = history.tail(history.step * (span_days * _DAY // step))
    if not series.values:
        return Baseline(step, slot, (0.0,) * slots_per_day, (1.0,) * 7, 0.0, p.timezone)
    cells = _cells(series, slot, p.timezone)
    buckets_per_day = max(1, _DAY // step)
    factors = _weekday_factors(cells, buckets_per_day, p)
    last_day = cells[-1][0]
    by_slot: list[list[float]] = [[] for _ in range(slots_per_day)]
    total = 0.0
    buckets = 0
    for day, slot_index, cell_sum, count in cells:
        if day > last_day - p.profile_days:
            w = factors[(day + 3) % 7]
            by_slot[slot_index].append(cell_sum / count / w)
            total += cell_sum / w
            buckets += count
    overall = total / buckets if buckets else 0.0
    # prior_count mentions at the overall rate are worth this many days of one slot.
    weight = p.prior_count / (max(1, slot // step) * overall) if overall > 0 else 0.0
    per_slot = []
    for samples in by_slot:
        mean, kept = trimmed_mean(samples, p.trim)
        per_slot.append(
            (mean * kept + weight * overall) / (kept + weight) if kept or weight else 0.0
        )
    days = len(series.values) * step / _DAY
    return Baseline(step, slot, tuple(per_slot), factors, days, p.timezone)
