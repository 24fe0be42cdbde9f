"""Operator sensitivity levels turned into per-bucket tail probabilities.

A statistical detector fires when what it sees would happen less often than a tail
probability ``p`` if nothing unusual were going on. An operator thinks in false alarms per
week, not in ``p``, so the named levels are defined as the *nominal* false-alarm rate and
converted with the bucket size: with ``n`` buckets per week, ``p = rate / n``.

========  ==================  ==================  ==================
level     false alarms/week   p, 5-minute buckets p, hourly buckets
========  ==================  ==================  ==================
low       0.05 (one in ~5 mo) 2.5e-5              3.0e-4
medium    0.25 (one a month)  1.2e-4              1.5e-3
high      1.0                 5.0e-4              6.0e-3
========  ==================  ==================  ==================

These nominal rates serve the sentiment-shift and new-term detectors. The volume detector
(volume spikes and the count part of negative surges) uses its own table, because mention
counts are much heavier-tailed than its count model: see :func:`volume_tail_probability`.

The rate is nominal: it holds when the count model is right. Real mention series are
lumpier than any model, and consecutive buckets are correlated, so the volume detector's
levels are defined by what they give on real data instead (about 0.5, 1 and 2 false alarms
per entity and week, docs/benchmarks.md). A float sensitivity is taken as ``p`` itself (the
per-bucket false-alarm probability), for operators who want it exact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

SensitivityLevel = Literal["low", "medium", "high"]
Sensitivity = SensitivityLevel | float

FALSE_ALARMS_PER_WEEK: dict[str, float] = {"low": 0.05, "medium": 0.25, "high": 1.0}
_WEEK = timedelta(days=7)

VOLUME_MODEL_RATES: dict[str, float] = {"low": 1e-5, "medium": 1e-3, "high": 0.1}
"""Weekly false-alarm rates of the volume detector's count model that each level sets (two
decades apart): the per-bucket tail probabilities of :func:`volume_tail_probability`."""

VOLUME_EXPECTED_ALARMS: dict[str, float] = {"low": 0.5, "medium": 1.0, "high": 2.0}
"""False alarms per entity and week an operator should expect from a volume-spike rule at each
level (5-minute buckets, ``min_count`` 10, the default windows): what the levels gave on real
tweet volumes (docs/benchmarks.md, Detection), within a factor of two."""


def tail_probability(
    sensitivity: Sensitivity, step: timedelta, rates: dict[str, float] | None = None
) -> float:
    """The per-bucket tail probability for ``sensitivity`` with buckets of size ``step``.

    ``rates`` gives each level's false alarms per week (``FALSE_ALARMS_PER_WEEK`` by default).
    """
    table = FALSE_ALARMS_PER_WEEK if rates is None else rates
    if isinstance(sensitivity, str):
        try:
            rate = table[sensitivity]
        except KeyError:
            levels = ", ".join(table)
            raise ValueError(f"sensitivity must be one of {levels} or a probability") from None
        buckets_per_week = max(1.0, _WEEK / step)
        return min(0.5, rate / buckets_per_week)
    p = float(sensitivity)
    if not 0.0 < p < 1.0:
        raise ValueError(f"a sensitivity probability must be between 0 and 1, got {p}")
    return p


def volume_tail_probability(sensitivity: Sensitivity, step: timedelta) -> float:
    """The volume detector's per-bucket tail probability for ``sensitivity``.

    Mention counts are far heavier-tailed and more clustered than any count model: on real
    tweet volumes a model rate of 0.25 false alarms a week gave 1 to 2.4 in practice, and
    the realised rate grows only about twofold for each hundredfold step of the model's
    (with the six-hour window, whose runs of exceedances are long). So the levels are set
    two decades apart in model terms (``VOLUME_MODEL_RATES``) and documented by
    what they give (``VOLUME_EXPECTED_ALARMS``). A float is the probability itself.
    """
    return tail_probability(sensitivity, step, VOLUME_MODEL_RATES)
