"""Volume spike detector: counts judged as counts, seasonality, robustness, warm-up, silence."""

from __future__ import annotations

import itertools
import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warden.detect.baseline import fit_baseline
from warden.detect.dispersion import estimate_dispersion
from warden.detect.series import Series
from warden.detect.volume import (
    VolumeParams,
    clear_cache,
    detect_volume_spike,
    dispersions,
    history_span,
)

HOUR = timedelta(hours=1)
START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday


def poisson(rng: random.Random, mu: float) -> int:
    """Knuth's Poisson sampler (small means) or a rounded normal (large ones)."""
    if mu > 50:
        return max(0, round(rng.gauss(mu, math.sqrt(mu))))
    limit, k, prod = math.exp(-mu), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return k


def flat(mu: float, days: int = 14, seed: int = 1, step: timedelta = HOUR) -> Series:
    rng = random.Random(seed)
    n = int(timedelta(days=days) / step)
    return Series(START, step, [float(poisson(rng, mu)) for _ in range(n)])


def daily(peak: float, base: float, days: int = 14, seed: int = 2) -> Series:
    """Hourly counts with a morning peak (8-10h) every day."""
    rng = random.Random(seed)
    values = []
    for i in range(days * 24):
        mu = peak if 8 <= i % 24 <= 10 else base
        values.append(float(poisson(rng, mu)))
    return Series(START, HOUR, values)


def test_flat_poisson_series_with_a_spike_fires() -> None:
    d = detect_volume_spike(flat(20), 60)
    assert d.fired
    assert not d.warming_up
    assert d.expected is not None and 15 < d.expected < 25
    assert d.probability is not None and d.threshold is not None
    assert d.probability <= d.threshold
    assert "60" in d.reason


def test_ordinary_value_does_not_fire() -> None:
    d = detect_volume_spike(flat(20), 24)
    assert not d.fired
    assert d.probability is not None and d.probability > 0.01


def test_small_brand_two_to_nine_fires_but_big_brand_plus_seven_does_not() -> None:
    # At 2 an hour, 9 has a Poisson tail of about 2.4e-4, under 7.4e-4 per test (a per-bucket
    # probability of 1.5e-3 shared by two tests), and 14 one far under medium's. The
    # half-count continuity correction keeps the discreteness of small counts from reading
    # as overdispersion. (Windows of one and three hourly buckets, as the test was written.)
    high = VolumeParams(sensitivity=1.5e-3, windows=(1, 3))
    medium = VolumeParams(windows=(1, 3))
    for seed in (1, 2, 3):
        assert detect_volume_spike(flat(2, seed=seed), 9, high).fired
        assert detect_volume_spike(flat(2, seed=seed), 14, medium).fired
        assert not detect_volume_spike(flat(2, seed=seed), 4).fired
    for sensitivity in ("low", "medium", "high"):
        params = VolumeParams(sensitivity=sensitivity)
        for seed in (1, 2, 3):
            assert not detect_volume_spike(flat(2000, seed=seed), 2007, params).fired


def test_poisson_counts_read_as_poisson() -> None:
    rng = random.Random(7)
    pairs = [(float(poisson(rng, 2.0)), 2.0) for _ in range(2000)]
    alpha = estimate_dispersion(pairs)
    assert alpha is not None and alpha < 0.05


def sparse_with_cascades(seed: int, days: int = 21) -> Series:
    """5-minute counts of a quiet brand: busy mornings, and stories retold over 15 minutes."""
    rng = random.Random(seed)
    step = timedelta(minutes=5)
    values = []
    for i in range(days * 288):
        values.append(float(poisson(rng, 1.5 if 9 <= (i % 288) // 12 < 12 else 0.15)))
    for day in range(days):
        for hour in (15, 20):
            at = day * 288 + hour * 12 + rng.randrange(12)
            for j in range(3):
                values[at + j] += poisson(rng, 3.0)
    return Series(START, step, values)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_bucket_is_never_judged_steadier_than_a_window_sum(seed: int) -> None:
    # Measured on its own, the one-bucket dispersion of this series comes only from its busy,
    # steady mornings (the quiet hours expect too little to be measured) and reads lower than
    # the 15-minute sums', which see the cascades: single buckets would look steadier than
    # sums, which positively correlated counts cannot be.
    history = sparse_with_cascades(seed)
    one_alone = dispersions(history, VolumeParams(windows=(1,)))[1]
    three_alone = dispersions(history, VolumeParams(windows=(3,)))[3]
    assert one_alone < three_alone
    alphas = dispersions(history, VolumeParams(windows=(1, 3)))
    assert alphas[3] == three_alone
    assert alphas[1] >= three_alone
    # With the default windows too, a narrower window is never steadier than a wider one.
    shipped = dispersions(history, VolumeParams())
    widths = sorted(shipped)
    assert all(shipped[a] >= shipped[b] for a, b in itertools.pairwise(widths))


def test_memo_does_not_change_decisions() -> None:
    history = flat(30, days=20, seed=5, step=timedelta(minutes=5))
    values = list(history.values)
    keep = int(history_span(VolumeParams()) / history.step)
    for i in range(len(values) - 30, len(values)):
        lo = max(0, i - keep)
        series = Series(history.start + lo * history.step, history.step, values[lo:i])
        warm = detect_volume_spike(series, values[i] * 2)
        clear_cache()
        cold = detect_volume_spike(series, values[i] * 2)
        assert warm == cold
    # Same start and size, different values: no stale memo entry is reused.
    other = Series(history.start, history.step, [v + 40 for v in values])
    a = detect_volume_spike(other, 70)
    clear_cache()
    assert detect_volume_spike(other, 70) == a
    assert a.expected != detect_volume_spike(history, 70).expected


def test_a_past_spike_does_not_hide_a_new_one() -> None:
    history = flat(20)
    values = list(history.values)
    for i in range(100, 106):  # a six-hour crisis four days before the end
        values[-i] = 400.0
    spiked = Series(history.start, history.step, values)
    baseline = fit_baseline(spiked)
    assert 15 < baseline.seasonal(spiked.end) < 26
    assert detect_volume_spike(spiked, 70).fired


def test_usual_morning_peak_does_not_fire_but_a_night_peak_does() -> None:
    history = daily(peak=100, base=10)
    morning = history.end + timedelta(hours=9)
    # Extend history to 09:00 of the next day with ordinary values.
    rng = random.Random(3)
    values = list(history.values)
    for h in range(9):
        values.append(float(poisson(rng, 100 if h >= 8 else 10)))
    extended = Series(history.start, HOUR, values)
    assert extended.end == morning
    assert not detect_volume_spike(extended, 105).fired
    night = Series(extended.start, HOUR, values[:-7])  # ends at 02:00
    assert night.end.hour == 2
    assert detect_volume_spike(night, 100).fired


def test_direction_down_catches_a_sudden_silence() -> None:
    history = flat(50)
    params = VolumeParams(direction="down")
    assert detect_volume_spike(history, 0, params).fired
    assert not detect_volume_spike(history, 48, params).fired
    assert not detect_volume_spike(history, 200, params).fired


def test_direction_up_ignores_silence_and_both_sees_both() -> None:
    history = flat(50)
    assert not detect_volume_spike(history, 0).fired
    both = VolumeParams(direction="both")
    assert detect_volume_spike(history, 0, both).fired
    assert detect_volume_spike(history, 150, both).fired


def test_warm_up_is_reported_and_never_fires() -> None:
    young = flat(20, days=1)
    d = detect_volume_spike(young, 500)
    assert d.warming_up
    assert not d.fired
    assert "warming up" in d.reason


def test_min_count_blocks_tiny_spikes() -> None:
    history = flat(0.2, days=14)
    assert not detect_volume_spike(history, 3, VolumeParams(min_count=5)).fired
    assert detect_volume_spike(history, 8, VolumeParams(min_count=5)).fired


def test_surge_building_over_three_buckets_fires_on_the_window_test() -> None:
    history = flat(100, step=timedelta(minutes=5), days=3, seed=4)
    params = VolumeParams(windows=(1, 3), min_dispersion=0.0)
    values = list(history.values)
    values[-2:] = [130.0, 130.0]
    building = Series(history.start, history.step, values)
    alone = detect_volume_spike(building, 130, VolumeParams(windows=(1,), min_dispersion=0.0))
    assert not alone.fired  # no single bucket is extreme
    d = detect_volume_spike(building, 130, params)
    assert d.fired
    assert d.value == pytest.approx(390)


def test_sensitivity_orders_thresholds() -> None:
    history = flat(20)
    thresholds = [
        detect_volume_spike(history, 20, VolumeParams(sensitivity=s)).threshold
        for s in ("low", "medium", "high")
    ]
    assert thresholds[0] is not None and thresholds[1] is not None and thresholds[2] is not None
    assert thresholds[0] < thresholds[1] < thresholds[2]


def test_invalid_params_are_rejected() -> None:
    with pytest.raises(ValueError):
        VolumeParams(windows=())
    with pytest.raises(ValueError):
        VolumeParams(direction="sideways")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        VolumeParams(tail="cauchy")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        detect_volume_spike(flat(5), 5, VolumeParams(sensitivity="extreme"))  # type: ignore[arg-type]


@settings(max_examples=25, deadline=None)
@given(
    mu=st.floats(min_value=0.5, max_value=5000),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_more_mentions_never_less_alarming(mu: float, seed: int) -> None:
    history = flat(mu, days=3, seed=seed)
    params = VolumeParams(warm_up=timedelta(days=2))
    x = max(1.0, mu)
    low = detect_volume_spike(history, x, params)
    high = detect_volume_spike(history, 3 * x + 10, params)
    assert low.probability is not None and high.probability is not None
    assert high.probability <= low.probability + 1e-12
    assert not low.fired or high.fired
