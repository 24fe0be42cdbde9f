"""The recent level of a series against its seasonal profile, learnt only from ordinary hours.

A brand's volume drifts (a campaign, a slow news week), so expectations are the seasonal
profile times a recent *level*: the median ratio observed/seasonal of the last
``level_hours`` hours. Learnt from every hour, that level follows a story that grows over
an afternoon and the story is judged against itself: a surge that doubles every hour is
"usual" three hours in, and its alert resolves while it is still rising.

So each completed hour (a time-of-day slot) is first judged as a whole. Its log-ratio
``log((observed + s) / (seasonal + s))`` is compared with the median of the hours of the
tracked span (a week) using Hampel's identifier: an hour further than ``outlier`` robust
standard deviations (``1.4826 * MAD``) from that median is *anomalous*. The level is the
median ratio of the last ``level_hours`` hours that were not anomalous, however far back
they are in the span: during a surge it stays what it was before the surge began, and the
detector keeps seeing the surge for what it is until the volume is back among ordinary
hours. The same mask keeps anomalous hours out of the dispersion (a past crisis must not
widen the tail that the next one is judged against), see :mod:`warden.detect.volume`.

A move that lasts (a brand that doubles for good) is anomalous at first; the seasonal
profile, an interquartile mean over two weeks of days, takes it in after a few days.
The median and MAD of the span are themselves robust: a crisis needs to fill half of the
tracked hours to shift them.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from warden.detect.baseline import Baseline, BaselineParams, seasonal_path
from warden.detect.robust import median
from warden.detect.series import Series

MIN_SCALE = 0.05
"""Smallest robust deviation of the hourly log-ratio (5 %): a flat, regular series must not
call every hour that moves by a few percent anomalous."""


@dataclass(frozen=True, slots=True)
class LevelTrack:
    """What the level tracking learnt over buckets ``first .. stop - 1``.

    ``level``: the level for the buckets after ``stop``. ``first``: the first bucket the
    lists below describe (``first`` of the call, or later when the series starts inside an
    hour). ``expected``: each bucket's
    expectation as the detector would have made it then (seasonal times the level of the
    ordinary hours before its hour). ``ordinary``: per bucket, False when its hour was
    anomalous. ``calm``: per bucket, False when its hour belongs to a run of at least
    ``episode_hours`` consecutive anomalous hours (a sustained episode, such as a crisis).
    ``centre`` and ``scale``: median and robust deviation of the hourly log-ratios.
    ``levels``: per bucket, the level its expectation used (``expected`` over ``levels`` is
    the seasonal expectation).
    """

    level: float
    first: int
    expected: list[float]
    ordinary: list[bool]
    calm: list[bool]
    centre: float
    scale: float
    levels: list[float]


def track_level(
    series: Series, baseline: Baseline, first: int, stop: int, params: BaselineParams
) -> LevelTrack:
    """Judge each whole hour (slot) before ``stop`` and learn the level from the ordinary ones.

    Hours are counted back from ``stop``, so ``stop`` should open a slot. Reads the buckets
    from ``first`` minus ``2 * level_hours`` hours (to start with a level) to ``stop``;
    O(stop - first) time.
    """
    chunk = max(1, baseline.slot_seconds // baseline.step_seconds)
    lead = chunk * 2 * max(1, params.level_hours)
    start = max(0, first - lead)
    chunks = (stop - start) // chunk
    start = stop - chunks * chunk
    seasonal = seasonal_path(series, baseline, start, stop)
    values = series.values
    s = params.smoothing
    ratios = []
    for c in range(chunks):
        a = start + c * chunk
        observed = float(sum(values[a : a + chunk]))
        expected = sum(seasonal[a - start : a - start + chunk])
        ratios.append((observed + s) / (expected + s))
    logs = [math.log(r) for r in ratios]
    centre = median(logs) if logs else 0.0
    scale = max(MIN_SCALE, 1.4826 * median(abs(x - centre) for x in logs)) if logs else 1.0
    anomalous = [abs(x - centre) > params.outlier * scale for x in logs]
    sustained = [False] * chunks
    run = 0
    for c in range(chunks + 1):
        if c < chunks and anomalous[c]:
            run += 1
            continue
        if run >= params.episode_hours:
            sustained[c - run : c] = [True] * run
        run = 0
    usual = math.exp(centre)
    recent: deque[float] = deque(maxlen=max(1, params.level_hours))

    def current() -> float:
        if params.level_hours <= 0:
            return 1.0
        return median(recent) if recent else usual

    lo = max(first, start)
    expected_out = [0.0] * (stop - lo)
    ordinary_out = [True] * (stop - lo)
    calm_out = [True] * (stop - lo)
    levels_out = [1.0] * (stop - lo)
    since = 0
    for c in range(chunks):
        level = current()
        a = start + c * chunk
        for i in range(max(a, lo), a + chunk):
            expected_out[i - lo] = seasonal[i - start] * level
            ordinary_out[i - lo] = not anomalous[c]
            calm_out[i - lo] = not sustained[c]
            levels_out[i - lo] = level
        if not anomalous[c]:
            recent.append(ratios[c])
            since = c
        elif c - since >= params.episode_limit:
            # Anomalous for a whole day and more: a new normal, not an episode.
            recent.append(ratios[c])
    return LevelTrack(
        current(), lo, expected_out, ordinary_out, calm_out, centre, scale, levels_out
    )
