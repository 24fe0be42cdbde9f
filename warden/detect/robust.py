"""Robust location estimators (median, trimmed mean) that past spikes cannot drag along."""

from __future__ import annotations

from collections.abc import Iterable


def median(values: Iterable[float]) -> float:
    """The median; 0.0 for no values."""
    data = sorted(values)
    n = len(data)
    if n == 0:
        return 0.0
    mid = n // 2
    if n % 2:
        return data[mid]
    return (data[mid - 1] + data[mid]) / 2.0


def trimmed_mean(values: Iterable[float], trim: float) -> tuple[float, int]:
    """Mean after dropping the ``trim`` fraction at each end; also returns how many were kept.

    With ``trim=0.25`` (the interquartile mean) up to a quarter of the values can be spikes or
    outages without moving the estimate much, and unlike the median it still sees small
    counts (a median of mostly-zero hours is 0; their trimmed mean is not).
    """
    data = sorted(values)
    n = len(data)
    if n == 0:
        return 0.0, 0
    cut = int(n * trim)
    kept = data[cut : n - cut] if n - 2 * cut > 0 else data
    return sum(kept) / len(kept), len(kept)


def quantile(values: Iterable[float], q: float) -> float:
    """The ``q`` quantile (0..1) with linear interpolation; 0.0 for no values."""
    data = sorted(values)
    n = len(data)
    if n == 0:
        return 0.0
    pos = min(max(q, 0.0), 1.0) * (n - 1)
    low = int(pos)
    high = min(low + 1, n - 1)
    return data[low] + (data[high] - data[low]) * (pos - low)
