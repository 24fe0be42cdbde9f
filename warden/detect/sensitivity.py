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

The rate is nominal: it holds when the baseline's count model is right. Real series are
lumpier than any model, and consecutive buckets are correlated, so observed rates differ;
docs/benchmarks.md reports what the levels give on real data (on the NAB tweet series, with
the volume detector's log-normal tail, ``min_count`` 10 and a 15-minute alert hold: 0.51,
0.93 and 1.31 false alarms per series per week for low, medium and high). A float
sensitivity is taken as ``p`` itself (the per-bucket false-alarm probability), for operators
who want it exact.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

SensitivityLevel = Literal["low", "medium", "high"]
Sensitivity = SensitivityLevel | float

FALSE_ALARMS_PER_WEEK: dict[str, float] = {"low": 0.05, "medium": 0.25, "high": 1.0}
_WEEK = timedelta(days=7)


def tail_probability(sensitivity: Sensitivity, step: timedelta) -> float:
    """The per-bucket tail probability for ``sensitivity`` with buckets of size ``step``."""
    if isinstance(sensitivity, str):
        try:
            rate = FALSE_ALARMS_PER_WEEK[sensitivity]
        except KeyError:
            levels = ", ".join(FALSE_ALARMS_PER_WEEK)
            raise ValueError(f"sensitivity must be one of {levels} or a probability") from None
        buckets_per_week = max(1.0, _WEEK / step)
        return min(0.5, rate / buckets_per_week)
    p = float(sensitivity)
    if not 0.0 < p < 1.0:
        raise ValueError(f"a sensitivity probability must be between 0 and 1, got {p}")
    return p
