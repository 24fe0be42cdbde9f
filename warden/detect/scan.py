"""The window tests of the volume detector as a scan: what each may fire at, and when it may.

A detector that judges the sums of the last ``k`` buckets for several ``k`` scans the series
with windows of several widths. Two questions follow from the windows sliding one bucket at
a time, and this module answers both:

* **Budget** (:func:`window_threshold`). A ``k``-bucket window sees the same excess for
  ``k`` consecutive judgements, so its exceedances come in runs and start about ``k`` times
  less often than they occur: for the same weekly number of alarms it may fire at ``k``
  times the one-bucket probability (the first-order correction of a scan statistic), and the
  budget is shared between the tests (Bonferroni).
* **Timeliness** (:func:`excess_is_current`). A wide window keeps a surge in its sum for as
  long as it is wide: six hours after a burst, the six-hour sum still holds it, and it can
  even become significant *later* than the burst, as the expectation of the window falls
  into the night while the burst stays in it. Such a verdict is about the past, which the
  narrower tests already judged when it was current. A window test therefore counts only
  while its most recent part still looks like its excess.
"""

from __future__ import annotations

import math


def window_threshold(total: float, width: int, tests: int) -> float:
    """The tail probability a ``width``-bucket window test fires at, out of ``tests`` tests.

    ``total`` is the sensitivity's per-bucket probability: ``total`` times the buckets of a
    week is the week's expected number of false alarms. A window sliding one bucket at a
    time over ``width`` buckets sees the same excess for ``width`` consecutive judgements,
    so its exceedances come in runs of about ``width`` and start ``width`` times less often
    than they occur: the same weekly budget allows ``width`` times the per-bucket
    probability (a scan statistic's first-order correction). The budget is then shared
    equally between the tests (Bonferroni).
    """
    return min(0.5, total * width) / tests


def _ratio(observed: float, expected: float) -> float:
    if math.isnan(observed) or math.isnan(expected):
        return math.nan
    if expected > 0:
        return observed / expected
    return math.inf if observed > 0 else 1.0


def excess_is_current(
    observed: float, expected: float, recent_observed: float, recent_expected: float
) -> bool:
    """Whether a window's most recent part still looks like the window's excess.

    ``observed`` and ``expected`` are the window's summed count and expectation;
    ``recent_observed`` and ``recent_expected`` those of its most recent buckets (a narrower
    window ending at the same bucket: the sums a narrower test already holds). With ``R``
    the ratio of observed to expected over the window and ``r`` over its most recent part:
    the recent part is either still at the window's rate (``R``: the surge is under way) or
    back to the usual one (``1``: the window's excess lies in its past). For the same spread
    on the log scale under both, the likelihood-ratio test with equal weights puts the
    boundary half-way between them, ``log r = log(R) / 2``:

    * above the usual (``R > 1``), the excess is current when ``r >= sqrt(R)``;
    * below it (a silence, ``R < 1``), when ``r <= sqrt(R)``;
    * at ``R = 1`` there is no excess and the answer is True (other checks decide).

    A ramp (``r > R``) and a plateau (``r`` about ``R``) pass; a surge that has ended
    (``r`` about 1) does not, so a wide window does not hold a surge for its whole width
    after it is over, nor fire on it hours later. No setting: the boundary follows from the
    two hypotheses.

    It is a boundary, not a test: an old burst inflates ``R``, and a recent part that has
    risen too (say to 2.4 times a low night-time expectation, against ``R`` = 5.2) still
    passes. Parts that expected nothing (an expectation of zero or less) have an infinite
    ratio when they hold mentions and a ratio of 1 when they hold none. A NaN anywhere
    leaves the question to the caller's other checks: the answer is True.
    """
    whole = _ratio(observed, expected)
    now = _ratio(recent_observed, recent_expected)
    if math.isnan(whole) or math.isnan(now):
        return True
    if whole > 1:
        return now == math.inf or now * now >= whole
    if whole < 1:
        return now * now <= whole
    return True
