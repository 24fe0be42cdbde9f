"""Reference detectors Warden is compared with, each deciding per row from the past only.

* ``huginn``: Huginn's PeakDetectorAgent: a value above mean + 3 standard deviations of the
  previous two weeks, reported when the series turns down (on the row after the peak).
* ``gaussian``: NAB's windowed Gaussian: the upper-tail normal probability of a value given
  the mean and standard deviation of the previous 6,400 rows, alarming below a probability.
* ``elastalert``: ElastAlert's spike rule: the count of the current timeframe (1 h) at least
  ``spike_height`` (3) times that of the previous timeframe, with at least ``threshold_cur``
  mentions in the current one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


class _Window:
    """Running sum and sum of squares over the last ``size`` values."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: list[float] = []
        self.start = 0
        self.total = 0.0
        self.squares = 0.0

    def push(self, x: float) -> None:
        self.items.append(x)
        self.total += x
        self.squares += x * x
        if len(self.items) - self.start > self.size:
            old = self.items[self.start]
            self.start += 1
            self.total -= old
            self.squares -= old * old

    def __len__(self) -> int:
        return len(self.items) - self.start

    def mean_std(self) -> tuple[float, float]:
        n = len(self)
        mean = self.total / n
        var = max(0.0, self.squares / n - mean * mean)
        return mean, math.sqrt(var)


def huginn(values: Sequence[float], window: int = 4032, std_multiple: float = 3.0) -> list[bool]:
    """Huginn peak detector: previous row was a peak above mean + 3 sd, current row is lower."""
    out = [False] * len(values)
    past = _Window(window)
    peak_before = False
    for i, x in enumerate(values):
        if i >= 1 and peak_before and x < values[i - 1]:
            out[i] = True
        # Is x itself a peak against the history before it?
        if len(past) >= 10:
            mean, std = past.mean_std()
            peak_before = x > mean + std_multiple * std
        else:
            peak_before = False
        past.push(x)
    return out


def gaussian(values: Sequence[float], window: int = 6400, p: float = 1.24e-4) -> list[bool]:
    """Windowed Gaussian: upper-tail probability of the value below ``p``."""
    out = [False] * len(values)
    past = _Window(window)
    for i, x in enumerate(values):
        if len(past) >= 10:
            mean, std = past.mean_std()
            if std > 0:
                tail = 0.5 * math.erfc((x - mean) / (std * math.sqrt(2.0)))
                out[i] = tail <= p
        past.push(x)
    return out


def elastalert(
    values: Sequence[float],
    timeframe: int = 12,
    spike_height: float = 3.0,
    threshold_cur: float = 5,
) -> list[bool]:
    """ElastAlert spike: current timeframe count >= spike_height x the previous timeframe's."""
    out = [False] * len(values)
    prefix = [0.0]
    for x in values:
        prefix.append(prefix[-1] + x)
    for i in range(2 * timeframe - 1, len(values)):
        cur = prefix[i + 1] - prefix[i + 1 - timeframe]
        ref = prefix[i + 1 - timeframe] - prefix[i + 1 - 2 * timeframe]
        if cur < threshold_cur:
            continue
        out[i] = cur >= ref * spike_height
    return out
