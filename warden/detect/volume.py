"""Volume spike (or sudden silence): the current bucket's count against the seasonal baseline.

Counts are judged as counts: the tail probability of the observed count under a count model
whose mean is the baseline's expectation and whose dispersion ``alpha`` (variance
``mu + alpha mu^2``) is learnt from the detector's own recent forecast errors. Going from 2
to 9 mentions an hour is very unlikely under that model; going from 2,000 to 2,007 is not,
even though a z-score on a quiet hour could say otherwise.

To fire at the start of a surge rather than at its peak, several windows are tested: the
current bucket alone and the sums of the last ``k`` buckets (including the current one)
against their summed expectation, each with its own dispersion; by default 1, 3, 12 and 72
buckets (5 minutes, 15 minutes, an hour and six hours of 5-minute buckets). A surge that
builds over three buckets is caught on the third even if no single bucket is extreme, and
one that builds over an afternoon, each hour only somewhat above the last, is caught by the
six-hour sum. The weekly false-alarm budget of the sensitivity is shared between the tests
(Bonferroni), and a ``k``-bucket window gets ``k`` times the one-bucket probability
(:func:`~warden.detect.scan.window_threshold`): its excess lasts ``k`` judgements, so it
starts ``k`` times less often than it is seen.

A wide window also holds a surge for as long as it is wide, and can even turn significant
hours after a burst, when its expectation falls into the night while the burst stays in its
sum. So a window wider than the narrowest counts only while its most recent part (the next
narrower window) still looks like its excess (:func:`~warden.detect.scan.excess_is_current`):
a ramp or a plateau passes, a surge that has ended does not, and the condition clears when
the surge is over rather than six hours later (the shipped rules then hold the alert for
their widest window, ``keep_firing_for``).

The expectation is the seasonal profile on the entity's local clock (:mod:`.baseline`)
times a level learnt only from ordinary hours (:mod:`.level`): a surge is judged against
what was usual before it began, however long it lasts (up to a day), and the hours of a
past crisis (three or more anomalous hours in a row) are kept out of the forecast errors
the dispersion is matched to, so one crisis does not hide the next.

A narrower window's dispersion is never taken below a wider one's. For ``k`` buckets of
the same relative spread with correlation ``rho >= 0`` (mention counts are positively
correlated: a story keeps being talked about), the sum's ``alpha`` is
``alpha_1 (1 + (k - 1) rho) / k <= alpha_1``: a single bucket is always at least as
dispersed as a sum. Estimated separately, the one-bucket ``alpha`` can come out lower on a
sparse series, because only its busiest buckets expect enough mentions to be measured
(``MIN_EXPECTED``), and a quiet brand then fires on any burst in one bucket; the bound
restores what the arithmetic requires.

The count model's tail (``tail``): by default a Poisson whose rate is log-normal around the
expectation, with the same mean and variance as the negative binomial of the same
``alpha`` (``sigma^2 = log(1 + alpha)``). The two agree in the bulk, where ``alpha`` is
matched, but mention bursts (news, retweet cascades) are multiplicative and far out the
gamma tail of the negative binomial is much too thin: on the NAB tweet series its realised
false-alarm rates were 2 to 27 times the nominal ones of the sensitivity levels, against
1.3 to 11 times with the log-normal tail (measured when the tail was chosen, with the
levels of that time). ``tail="negbin"`` keeps the negative binomial.

Every test is a forecast made before the widest window began: the level is learnt from the
hours before it, so a ramp inside the window cannot raise its own bar. Each dispersion is
therefore matched to forecast errors at that same horizon (the level as it was ``widest - 1``
buckets before each past window ended, :func:`~warden.detect.dispersion.horizon_sums`): the
errors of a forecast made six hours ahead include how far the level drifts in six hours,
which next-hour errors understate (measured with next-hour errors, the six-hour window's
dispersion came out thin: at equal false alarms on the NAB tweet series it scored 74.5
instead of 79.7, docs/benchmarks.md, variant K).

What changes slowly is learnt once per time-of-day slot (an hour for 5-minute buckets): the
profile, the level and the dispersions are fitted on the whole slots before the one holding
the tested window, and memoised on those values (:func:`_slow_part`), so the 11 other calls
of an hour only compute the tails. The memo is keyed on the data,
not on the series' identity: the same inputs give the same output whether or not it hits.

The function is pure and bounded: it reads at most ``history_span(params)`` of history and
costs O(buckets in that span) on a memo miss, O(widest window) on a hit, so the rule
evaluator can call it every cycle on a series read from the database, and a backtest
replays it bucket by bucket with the same code.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from warden.detect.baseline import (
    Baseline,
    BaselineParams,
    fit_baseline,
    seasonal_path,
    slot_seconds,
)
from warden.detect.counts import lognormal_cdf, lognormal_sf, nbinom_cdf, nbinom_sf
from warden.detect.decision import Decision, Direction
from warden.detect.dispersion import estimate_dispersion, horizon_sums
from warden.detect.level import track_level
from warden.detect.localtime import DAY, local_seconds
from warden.detect.reason import Reason
from warden.detect.scan import excess_is_current, window_threshold
from warden.detect.sensitivity import Sensitivity, volume_tail_probability
from warden.detect.series import Series
from warden.durations import format_duration

NAME = "volume"


@dataclass(frozen=True, slots=True)
class VolumeParams:
    """Settings of the volume detector, in terms an operator can set.

    ``sensitivity``: ``low``/``medium``/``high`` (nominal false alarms per week, see
    :mod:`warden.detect.sensitivity`) or a per-bucket probability. ``min_count``: never fire
    on fewer mentions than this in the tested window (and never call a silence when fewer
    were expected). ``direction``: ``up`` for spikes, ``down`` for a sudden silence, or
    ``both``. ``windows``: numbers of buckets summed by each test (None: the bucket size's
    :func:`default_windows`). ``warm_up``: history
    needed before judging. ``dispersion_hours``: how far back forecast errors are measured;
    ``min_dispersion``: a floor on ``alpha`` (0.01 is a 10 % irreducible relative error);
    ``dispersion_level``: the error quantile the count model matches (None: the deepest
    the history supports, see :mod:`warden.detect.dispersion`). ``tail``: ``lognormal``
    (heavy, the default) or ``negbin`` (see the module docstring).
    """

    sensitivity: Sensitivity = "medium"
    min_count: float = 5.0
    direction: Direction = "up"
    windows: tuple[int, ...] | None = None
    warm_up: timedelta = timedelta(days=2)
    baseline: BaselineParams = field(default_factory=BaselineParams)
    dispersion_hours: int = 168
    min_dispersion: float = 0.01
    dispersion_level: float | None = None
    tail: Literal["negbin", "lognormal"] = "lognormal"

    def __post_init__(self) -> None:
        if self.windows is not None and (not self.windows or min(self.windows) < 1):
            raise ValueError("windows must be positive numbers of buckets")
        if self.direction not in ("up", "down", "both"):
            raise ValueError(f"direction must be up, down or both, got {self.direction!r}")
        if self.tail not in ("negbin", "lognormal"):
            raise ValueError(f"tail must be negbin or lognormal, got {self.tail!r}")
        if self.min_count < 0:
            raise ValueError("min_count cannot be negative")


def default_windows(step: timedelta) -> tuple[int, ...]:
    """The windows tested when a rule names none: 1 and 3 buckets, an hour and six hours.

    For 5-minute buckets 1, 3, 12 and 72 (5 minutes, 15 minutes, an hour, six hours); for
    hourly ones 1, 3 and 6.
    """
    seconds = step.total_seconds()
    return tuple(sorted({1, 3, max(1, round(3600 / seconds)), max(1, round(21600 / seconds))}))


def tested_windows(params: VolumeParams, step: timedelta) -> tuple[int, ...]:
    """The windows ``params`` tests on buckets of ``step``: its own, or :func:`default_windows`."""
    return params.windows if params.windows is not None else default_windows(step)


def history_span(params: VolumeParams) -> timedelta:
    """How much history the detector reads; give it at least this much when you can."""
    b = params.baseline
    return timedelta(days=max(b.profile_days, b.weekday_days))


@dataclass(frozen=True, slots=True)
class _Test:
    width: int
    observed: float
    expected: float
    alpha: float
    p_up: float
    p_down: float


def _fmt(x: float) -> str:
    return f"{x:.0f}" if x >= 100 or x == int(x) else f"{x:.1f}"


def _window_text(width: int, step: timedelta) -> str:
    minutes = width * step.total_seconds() / 60
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.0f} h"
    return f"{minutes / 1440:.0f} days"


_HEAVY_BELOW = 0.01

CACHE_SIZE = 2048
"""Most fitted (profile, dispersion) pairs kept in memory, least recently used dropped first."""

_cache: OrderedDict[tuple[object, ...], _Slow] = OrderedDict()
_cache_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class _Slow:
    """What changes at most once per time-of-day slot: the seasonal profile and dispersions."""

    baseline: Baseline
    level: float
    alphas: dict[int, float]


def _slot_starts(series: Series, timezone: str) -> tuple[int, int, int]:
    step = int(series.step.total_seconds())
    tod0 = local_seconds(series, 0, 1, timezone)[0] % DAY
    return tod0, step, slot_seconds(step)


def slot_boundary(series: Series, stop: int, timezone: str = "UTC") -> int:
    """Index of the first bucket of the time-of-day slot (an hour for 5-minute buckets) that
    holds bucket ``stop``: the profile and dispersion are learnt from buckets before it."""
    tod0, step, slot = _slot_starts(series, timezone)
    slot_start = ((tod0 + stop * step) // slot) * slot
    first = -(-(slot_start - tod0) // step)
    return first if 0 < first <= stop else stop


def next_slot_start(series: Series, index: int, timezone: str = "UTC") -> int:
    """Index of the first bucket at or after ``index`` that opens a time-of-day slot."""
    tod0, step, slot = _slot_starts(series, timezone)
    previous = tod0 + (index - 1) * step
    opening = (previous // slot + 1) * slot
    return max(index, -(-(opening - tod0) // step))


def _fit_slow(history: Series, p: VolumeParams) -> _Slow:
    baseline = fit_baseline(history, p.baseline)
    chunk = max(1, baseline.slot_seconds // baseline.step_seconds)
    m = len(history.values)
    track = track_level(history, baseline, max(0, m - chunk * p.dispersion_hours), m, p.baseline)
    past_observed = history.values[track.first : m]
    alphas: dict[int, float] = {}
    widths = tested_windows(p, history.step)
    lead = max(widths) - 1
    seasonal = [e / lv for e, lv in zip(track.expected, track.levels, strict=True)]
    for w in sorted(set(widths), reverse=True):
        estimate = estimate_dispersion(
            horizon_sums(past_observed, seasonal, track.levels, w, lead, track.calm),
            floor=p.min_dispersion,
            level=p.dispersion_level,
        )
        wider = min(alphas) if alphas else None
        if estimate is None:
            # Too sparse at this width: for independent buckets, the dispersion of one
            # bucket is ``k`` times that of a k-bucket sum.
            estimate = alphas[wider] * wider / w if wider else p.min_dispersion
        elif wider:
            # Never below the wider window's (see the module docstring): fewer, busier
            # samples at this width must not make single buckets look steadier than sums.
            estimate = max(estimate, alphas[wider])
        alphas[w] = estimate
    return _Slow(baseline, track.level, alphas)


def _slow_part(series: Series, stop: int, p: VolumeParams) -> _Slow:
    """The profile and dispersions learnt from the buckets before the slot holding ``stop``.

    Memoised on the values they are learnt from (their hash, count and sum, with the start
    time, bucket size and parameters), not on the series' identity, so the result is the
    same whether or not it came from the memo: the function stays pure.
    """
    tz = p.baseline.timezone
    boundary = slot_boundary(series, stop, tz)
    keep = int(history_span(p) / series.step)
    # Whole slots only, so that the same learning data (and memo entry) serve a whole slot.
    first = min(boundary, next_slot_start(series, max(0, boundary - keep), tz))
    values = series.values[first:boundary]
    start = series.start + first * series.step
    # The values' 64-bit hash, count and sum stand for them: keeping a month of 5-minute
    # floats per entry would cost a quarter of a megabyte each.
    digest = (hash(tuple(values)), math.fsum(values))
    key = (
        start,
        series.step,
        p.baseline,
        tested_windows(p, series.step),
        p.dispersion_hours,
        p.min_dispersion,
        p.dispersion_level,
        len(values),
        digest,
    )
    with _cache_lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    slow = _fit_slow(Series(start, series.step, values), p)
    with _cache_lock:
        _cache[key] = slow
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return slow


def _learnt(history: Series, p: VolumeParams) -> tuple[Series, int, _Slow]:
    """The history read, the first history bucket of the tested window (the last widest-1
    buckets and the bucket judged), and what was learnt before that window."""
    series = history.tail(history_span(p))
    widest = min(max(tested_windows(p, series.step)), len(series.values) + 1)
    window_first = len(series.values) - (widest - 1)
    return series, window_first, _slow_part(series, window_first, p)


def dispersions(history: Series, params: VolumeParams | None = None) -> dict[int, float]:
    """The dispersion ``alpha`` of each tested window width, as learnt for the next bucket."""
    return dict(_learnt(history, params or VolumeParams())[2].alphas)


def clear_cache() -> None:
    """Forget every memoised profile (for benchmarks that time a cold call)."""
    with _cache_lock:
        _cache.clear()


def detect_volume_spike(
    history: Series, current: float, params: VolumeParams | None = None
) -> Decision:
    """Judge ``current``, the count of the bucket starting at ``history.end``.

    ``history`` holds the buckets before it (oldest first, no gaps). Returns a decision that
    has not fired and is ``warming_up`` while history covers less than ``params.warm_up``.
    """
    p = params or VolumeParams()
    threshold_total = volume_tail_probability(p.sensitivity, history.step)
    if history.span < p.warm_up:
        needed = p.warm_up.total_seconds()
        return Decision(
            fired=False,
            reason=(
                f"warming up: {format_duration(history.span)} of history, "
                f"{format_duration(p.warm_up)} needed before judging"
            ),
            detector=NAME,
            value=current,
            threshold=threshold_total,
            warming_up=True,
            why=Reason(
                "warming_up", {"history_s": history.span.total_seconds(), "needed_s": needed}
            ),
        )
    series, window_first, slow = _learnt(history, p)
    n = len(series.values)
    widest = n + 1 - window_first
    baseline = slow.baseline
    window_seasonal = seasonal_path(series, baseline, window_first, n + 1)
    window_expected = [e * slow.level for e in window_seasonal]
    window_observed = [float(v) for v in series.values[window_first:]] + [float(current)]

    sides = 2 if p.direction == "both" else 1
    widths = sorted({w for w in tested_windows(p, history.step) if w <= widest})
    tests = []
    for w in widths:
        observed = sum(window_observed[-w:])
        expected = sum(window_expected[-w:])
        alpha = slow.alphas[w]
        p_up = nbinom_sf(observed, expected, alpha)
        p_down = nbinom_cdf(observed, expected, alpha)
        if p.tail == "lognormal":
            # Only where it can matter: the log-normal tail is the heavier one, so a
            # negative-binomial tail above 1 % stays far from any threshold.
            if p_up < _HEAVY_BELOW and p.direction != "down":
                p_up = lognormal_sf(observed, expected, alpha)
            if p_down < _HEAVY_BELOW and p.direction != "up":
                p_down = lognormal_cdf(observed, expected, alpha)
        tests.append(_Test(w, observed, expected, alpha, p_up, p_down))
    count = len(tests) * sides

    def limit(t: _Test) -> float:
        return window_threshold(threshold_total, t.width, count)

    current_expected = window_expected[-1]
    candidates: list[tuple[float, str, _Test]] = []
    for i, t in enumerate(tests):
        # The narrowest test's excess is the current bucket; a wider one counts only while
        # the next narrower window still looks like it (an excess in its past is stale).
        narrower = tests[i - 1] if i else None
        current_now = narrower is None or excess_is_current(
            t.observed, t.expected, narrower.observed, narrower.expected
        )
        rising = current > current_expected and current_now and t.observed >= p.min_count
        falling = current < current_expected and current_now and t.expected >= p.min_count
        if p.direction in ("up", "both") and rising:
            candidates.append((t.p_up, "up", t))
        if p.direction in ("down", "both") and falling:
            candidates.append((t.p_down, "down", t))
    if not candidates:
        t = tests[0]
        prob = t.p_up if current >= current_expected else t.p_down
        return Decision(
            fired=False,
            reason=(
                f"{_fmt(current)} mentions, {_fmt(current_expected)} expected: nothing unusual"
            ),
            detector=NAME,
            value=current,
            expected=current_expected,
            probability=prob,
            threshold=limit(t),
            why=Reason(
                "volume_usual",
                {
                    "mentions": current,
                    "expected": current_expected,
                    "window_s": history.step.total_seconds(),
                },
            ),
        )
    # The most telling test is the one furthest past its own threshold.
    prob, side, best = min(candidates, key=lambda c: (c[0] / limit(c[2]), -c[2].width))
    threshold = limit(best)
    fired = prob <= threshold
    span = _window_text(best.width, history.step)
    what = "spike" if side == "up" else "drop"
    verdict = "unusual" if fired else "within normal variation"
    reason = (
        f"{_fmt(best.observed)} mentions in the last {span} vs {_fmt(best.expected)} expected "
        f"({what}, p={prob:.2g}, threshold {threshold:.2g}): {verdict}"
    )
    if math.isnan(prob):
        fired = False
    figures = {"mentions": best.observed, "expected": best.expected}
    span_s = (best.width * history.step).total_seconds()
    return Decision(
        fired=fired,
        reason=reason,
        detector=NAME,
        value=best.observed,
        expected=best.expected,
        probability=prob,
        threshold=threshold,
        why=Reason(f"volume_{side}{'' if fired else '_normal'}", {**figures, "window_s": span_s}),
    )
