"""Robust estimate of count overdispersion from a detector's own past forecast errors.

Mention counts vary more than a Poisson: news cycles, retweet cascades and a baseline that
is itself an estimate all add variance. The negative binomial models this as
``variance = mu + alpha * mu**2``. If ``x`` has that variance around ``e``, then
``(x - e)**2 / (e + alpha e**2)`` is roughly chi-square with one degree of freedom, whose
median is 0.4549. Solving for ``alpha`` sample by sample and taking the median gives an
estimate that a few past spikes cannot inflate (they would with the mean of squares).
"""

from __future__ import annotations

from collections.abc import Sequence

from warden.detect.robust import median

_CHI2_1_MEDIAN = 0.4549364231195724


def window_sums(
    observed: Sequence[float], expected: Sequence[float], width: int
) -> list[tuple[float, float]]:
    """Non-overlapping sums of ``width`` buckets, counted back from the end: (observed, expected)."""
    pairs = []
    end = len(observed)
    while end - width >= 0:
        pairs.append((float(sum(observed[end - width : end])), sum(expected[end - width : end])))
        end -= width
    return pairs


def estimate_dispersion(pairs: Sequence[tuple[float, float]], floor: float = 0.0) -> float:
    """The negative-binomial ``alpha`` of ``(observed, expected)`` pairs, at least ``floor``.

    Pairs with an expectation below 1 say almost nothing about ``alpha`` (their spread is
    Poisson noise) and are skipped; with no usable pair the floor is returned.
    """
    samples = [((x - e) ** 2 / _CHI2_1_MEDIAN - e) / (e * e) for x, e in pairs if e >= 1.0]
    if len(samples) < 5:
        return floor
    return max(floor, median(samples))
