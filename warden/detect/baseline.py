"""Seasonal robust baseline: what a bucket's count should be given time of day, weekday and level.

The expected count of a bucket is ``slot(t) * weekday(t) * level``:

* ``slot`` is a time-of-day profile (hourly slots for buckets of an hour or less): for each
  slot, the interquartile mean over the last ``profile_days`` days of that slot's per-bucket
  count, each day first divided by its weekday factor. A spike or an outage on a few days is
  trimmed away, so a past crisis does not raise the bar for the next one. Slots are shrunk
  towards the overall rate by ``prior_days`` days' worth of weight so that sparse series
  (a few mentions a day) do not expect exactly zero.
* ``weekday`` factors (Monday first) are the median daily total of each weekday over the last
  ``weekday_days`` days against the median of all days, used once every weekday has been seen
  at least twice; before that they are all 1.
* ``level`` is the median, over the last ``level_hours`` slots before the tested window, of
  the ratio observed/seasonal (each smoothed by ``smoothing`` counts). It follows a brand
  whose volume moved for good, and a surge that lasts for hours, within a few hours.

Times of day and weekdays are read in the time zone of the series' start time.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import datetime

from warden.detect.robust import median, trimmed_mean
from warden.detect.series import Series

_DAY = 86_400
_HOUR = 3_600


@dataclass(frozen=True, slots=True)
class BaselineParams:
    """How much history the baseline learns from and how robustly."""

    profile_days: int = 14
    weekday_days: int = 28
    level_hours: int = 6
    trim: float = 0.25
    prior_days: float = 1.0
    smoothing: float = 5.0


@dataclass(frozen=True, slots=True)
class Baseline:
    """A fitted seasonal profile, weekday factors and recent level."""

    step_seconds: int
    slot_seconds: int
    per_slot: tuple[float, ...]
    weekday: tuple[float, ...]
    level: float
    days: float

    def seasonal(self, t: datetime) -> float:
        """Expected count of the bucket starting at ``t`` before the level adjustment."""
        tod = t.hour * _HOUR + t.minute * 60 + t.second
        return self.per_slot[tod // self.slot_seconds] * self.weekday[t.weekday()]

    def expected(self, t: datetime) -> float:
        """Expected count of the bucket starting at ``t``."""
        return self.seasonal(t) * self.level


def slot_seconds(step_seconds: int) -> int:
    """Length of a time-of-day slot: an hour for buckets up to an hour, else the bucket, ≤ a day."""
    slot = min(_DAY, max(_HOUR, step_seconds))
    return slot if _DAY % slot == 0 else _DAY


def _origin(series: Series) -> tuple[int, int]:
    t = series.start
    return t.hour * _HOUR + t.minute * 60 + t.second, t.weekday()


def seasonal_path(series: Series, baseline: Baseline, first: int, stop: int) -> list[float]:
    """Seasonal expectations of buckets ``first`` .. ``stop - 1`` (may run past the series)."""
    tod0, wd0 = _origin(series)
    step = baseline.step_seconds
    per_slot, weekday, slot = baseline.per_slot, baseline.weekday, baseline.slot_seconds
    out = []
    for i in range(first, stop):
        s = tod0 + i * step
        out.append(per_slot[(s % _DAY) // slot] * weekday[(wd0 + s // _DAY) % 7])
    return out


def _cells(series: Series, slot: int) -> list[tuple[int, int, float, int]]:
    """(day index, slot index, sum, bucket count) of each slot instance covered by the series."""
    values = series.values
    n = len(values)
    step = int(series.step.total_seconds())
    tod0, _ = _origin(series)
    if slot % step == 0:
        per = slot // step
        head = math.ceil((slot - tod0 % slot) / step) if tod0 % slot else 0
        cuts = [0, *range(head, n, per), n] if head else [*range(0, n, per), n]
        if cuts[-2] == n:
            cuts.pop()
    else:
        cuts = [0]
        while cuts[-1] < n:
            s = tod0 + cuts[-1] * step
            cuts.append(min(n, cuts[-1] + max(1, math.ceil(((s // slot + 1) * slot - s) / step))))
    out = []
    for a, b in itertools.pairwise(cuts):
        s = tod0 + a * step
        out.append((s // _DAY, (s % _DAY) // slot, float(sum(values[a:b])), b - a))
    return out


def _weekday_factors(
    cells: list[tuple[int, int, float, int]], wd0: int, buckets_per_day: int, params: BaselineParams
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
        if counts[d] >= buckets_per_day:
            by_weekday[(wd0 + first_day + d) % 7].append(totals[d])
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


def fit_baseline(
    history: Series, params: BaselineParams | None = None, exclude_last: int = 0
) -> Baseline:
    """Fit the baseline on ``history``; the last ``exclude_last`` buckets are kept out of the level.

    Reads at most ``max(profile_days, weekday_days)`` days; O(buckets) time.
    """
    p = params or BaselineParams()
    step = int(history.step.total_seconds())
    slot = slot_seconds(step)
    slots_per_day = _DAY // slot
    span_days = max(p.profile_days, p.weekday_days)
    series = history.tail(history.step * (span_days * _DAY // step))
    _, wd0 = _origin(series)
    if not series.values:
        return Baseline(step, slot, (0.0,) * slots_per_day, (1.0,) * 7, 1.0, 0.0)
    cells = _cells(series, slot)
    buckets_per_day = max(1, _DAY // step)
    weekday = _weekday_factors(cells, wd0, buckets_per_day, p)
    last_day = cells[-1][0]
    by_slot: list[list[float]] = [[] for _ in range(slots_per_day)]
    total = 0.0
    buckets = 0
    for day, slot_index, cell_sum, count in cells:
        if day > last_day - p.profile_days:
            w = weekday[(wd0 + day) % 7]
            by_slot[slot_index].append(cell_sum / count / w)
            total += cell_sum / w
            buckets += count
    overall = total / buckets if buckets else 0.0
    per_slot = []
    for samples in by_slot:
        mean, kept = trimmed_mean(samples, p.trim)
        per_slot.append((mean * kept + p.prior_days * overall) / (kept + p.prior_days))
    days = len(series.values) * step / _DAY
    base = Baseline(step, slot, tuple(per_slot), weekday, 1.0, days)
    level = recent_level(series, base, len(series.values) - exclude_last, p)
    return Baseline(step, slot, base.per_slot, weekday, level, days)


def recent_level(series: Series, baseline: Baseline, stop: int, params: BaselineParams) -> float:
    """Median observed/seasonal ratio over the ``level_hours`` slots before bucket ``stop``."""
    if params.level_hours <= 0:
        return 1.0
    chunk = max(1, baseline.slot_seconds // baseline.step_seconds)
    first = max(0, stop - chunk * params.level_hours)
    if stop - first < chunk:
        return 1.0
    expected = seasonal_path(series, baseline, first, stop)
    values = series.values
    ratios = []
    end = stop
    while end - chunk >= first:
        observed = float(sum(values[end - chunk : end]))
        seasonal = sum(expected[end - chunk - first : end - first])
        ratios.append((observed + params.smoothing) / (seasonal + params.smoothing))
        end -= chunk
    return median(ratios)


def rolling_expected(
    series: Series, baseline: Baseline, first: int, stop: int, params: BaselineParams
) -> list[float]:
    """Expectations of buckets ``first..stop-1`` as the detector would have made them then.

    Each slot-sized chunk (counted back from ``stop``) gets the level of the chunks before it,
    so residuals against these expectations measure the detector's real forecast error.
    """
    chunk = max(1, baseline.slot_seconds // baseline.step_seconds)
    lookback = chunk * max(0, params.level_hours)
    start = max(0, first - lookback)
    seasonal = seasonal_path(series, baseline, start, stop)
    values = series.values
    # Smoothed ratio of each chunk, newest first, aligned on ``stop``.
    bounds = []
    end = stop
    while end - chunk >= start:
        bounds.append(end)
        end -= chunk
    ratios = []
    for end in bounds:
        observed = float(sum(values[end - chunk : end]))
        expected = sum(seasonal[end - chunk - start : end - start])
        ratios.append((observed + params.smoothing) / (expected + params.smoothing))
    out = [0.0] * (stop - first)
    for c, end in enumerate(bounds):
        previous = ratios[c + 1 : c + 1 + params.level_hours]
        level = median(previous) if previous and params.level_hours > 0 else 1.0
        for i in range(max(first, end - chunk), end):
            out[i - first] = seasonal[i - start] * level
        if end - chunk <= first:
            break
    return out
