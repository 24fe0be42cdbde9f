"""Robust estimate of count overdispersion from a detector's own past forecast errors.

Mention counts vary more than a Poisson: news cycles, retweet cascades and a baseline that
is itself an estimate all add variance. The negative binomial models this as
``variance = mu + alpha * mu**2``. If ``x`` has that variance around ``e``, then
``(x - e)**2 / (e + alpha e**2)`` is roughly chi-square with one degree of freedom. Solving
for ``alpha`` sample by sample and taking a quantile ``q`` matches the model's ``q`` quantile
of squared errors to the observed one: the median fits the bulk, a high quantile the tail.
A quantile, unlike a mean of squares, is not dragged up without bound by one huge spike.

Counts are whole numbers: a count around 2 can only be 4, 5 or 6, and the quantile of the
squared errors jumps between those values, which reads as overdispersion in a series that is
exactly Poisson (a flat brand at 2 an hour came out with ``alpha`` 0.2, enough to hide a jump
to 9). Each error is therefore shrunk by half a count first (Yates' continuity correction);
for large counts this changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

from warden.detect.robust import quantile

# Smallest expected count for which a squared error is treated as chi-square.
MIN_EXPECTED = 1.0


def chi2_1_quantile(q: float) -> float:
    """Quantile ``q`` of the chi-square distribution with one degree of freedom."""
    return float(NormalDist().inv_cdf((1.0 + q) / 2.0) ** 2)


def tail_level(samples: int, beyond: int = 10) -> float:
    """The deepest quantile with at least ``beyond`` samples past it, within [0.5, 0.99]."""
    if samples <= 0:
        return 0.5
    return min(0.99, max(0.5, 1.0 - beyond / samples))


def estimate_dispersion(
    pairs: Sequence[tuple[float, float]], floor: float = 0.0, level: float | None = None
) -> float | None:
    """The negative-binomial ``alpha`` of ``(observed, expected)`` pairs, at least ``floor``.

    ``level`` is the quantile of the errors that the model is made to match; by default the
    deepest one the sample supports (:func:`tail_level`), because a detector judges tail
    events and mention streams are much heavier-tailed than a negative binomial fitted to
    their bulk. Pairs expecting fewer than ``MIN_EXPECTED`` counts are skipped (their spread
    is mostly Poisson noise). With fewer than 5 usable pairs, None is returned (the caller
    then derives the dispersion from wider windows). For small counts the chi-square
    approximation overstates ``alpha`` somewhat (a conservative bias: fewer alarms).
    """
    usable = [(x, e) for x, e in pairs if e >= MIN_EXPECTED]
    if len(usable) < 5:
        return None
    q = tail_level(len(usable)) if level is None else level
    chi2 = chi2_1_quantile(q)
    # Half-count continuity correction: counts are whole numbers, and without it the few
    # distinct values a small count can take make the quantile jump (Poisson counts around 2
    # would read as strongly overdispersed).
    samples = [(max(0.0, abs(x - e) - 0.5) ** 2 / chi2 - e) / (e * e) for x, e in usable]
    return max(floor, quantile(samples, q))


def horizon_sums(
    observed: Sequence[float],
    seasonal: Sequence[float],
    levels: Sequence[float],
    width: int,
    lead: int,
    keep: Sequence[bool] | None = None,
) -> list[tuple[float, float]]:
    """Non-overlapping ``width``-bucket sums counted back from the end: (observed, expected).

    Each window's expectation is made ``lead`` buckets ahead: a window ending at bucket ``j``
    expects ``sum(seasonal) * levels[j - lead]``, the level as it was learnt ``lead`` buckets
    before its last bucket, the horizon at which the detector forecasts a window (see
    :mod:`warden.detect.volume`). Forecast errors measured at a shorter horizon than the
    test's would understate how far the level drifts in between. Windows whose level would
    come from before the first bucket are left out, and with ``keep``, so is a window holding
    any bucket whose ``keep`` is False (the buckets of a past episode, see
    :mod:`warden.detect.level`).
    """
    n = len(observed)
    if width == 1:
        return [
            (float(observed[j]), seasonal[j] * levels[j - lead])
            for j in range(n - 1, lead - 1, -1)
            if keep is None or keep[j]
        ]
    pairs = []
    end = n
    while end - width >= 0 and end - 1 - lead >= 0:
        if keep is None or all(keep[end - width : end]):
            level = levels[end - 1 - lead]
            pairs.append(
                (float(sum(observed[end - width : end])), sum(seasonal[end - width : end]) * level)
            )
        end -= width
    return pairs
