"""The NAB scoring rule of bench/nab, the count tails and the Series type."""

from __future__ import annotations

import math
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # bench/ is not a package

from bench.nab.data import LabelledSeries
from bench.nab.published import window_fractions
from bench.nab.replay import onsets
from bench.nab.scoring import normalised, probation_rows, scaled_sigmoid, score_file
from warden.detect.counts import (
    lognormal_cdf,
    lognormal_sf,
    nbinom_cdf,
    nbinom_sf,
    poisson_cdf,
    poisson_sf,
)
from warden.detect.series import Series

STANDARD = {"tp_weight": 1.0, "fp_weight": 0.11, "fn_weight": 1.0}


def test_probation_and_sigmoid() -> None:
    assert probation_rows(1000) == 150
    assert probation_rows(15_900) == 750
    assert scaled_sigmoid(-1.0) == pytest.approx(2 / (1 + math.exp(-5)) - 1)
    assert scaled_sigmoid(0.0) == pytest.approx(0.0)
    assert scaled_sigmoid(3.5) == -1.0


def test_perfect_and_null_detectors_normalise_to_100_and_0() -> None:
    windows = [(2000, 2099), (5000, 5099)]
    perfect = score_file(10_000, windows, [2000, 5000], **STANDARD)
    null = score_file(10_000, windows, [], **STANDARD)
    assert normalised([perfect]) == pytest.approx(100.0)
    assert normalised([null]) == pytest.approx(0.0)
    assert perfect.caught == 2 and null.caught == 0


def test_only_first_detection_in_a_window_counts_and_later_is_worth_less() -> None:
    early = score_file(10_000, [(2000, 2099)], [2010, 2050, 2090], **STANDARD)
    late = score_file(10_000, [(2000, 2099)], [2090], **STANDARD)
    assert early.first_detections == [2010]
    assert early.false_alarms == 0
    assert early.raw > late.raw > 0


def test_false_alarms_cost_and_probation_is_ignored() -> None:
    before = score_file(10_000, [(5000, 5099)], [3000, 5000], **STANDARD)
    assert before.false_alarms == 1
    assert before.raw == pytest.approx(1.0 - 0.11)
    right_after = score_file(10_000, [(5000, 5099)], [5000, 5101], **STANDARD)
    far_after = score_file(10_000, [(5000, 5099)], [5000, 9000], **STANDARD)
    assert far_after.raw < right_after.raw < 1.0
    ignored = score_file(10_000, [(5000, 5099)], [10, 5000], **STANDARD)
    assert ignored.false_alarms == 0


def test_onsets_need_a_resolution() -> None:
    assert onsets([False, True, True, False, True, False, False, True]) == [1, 4, 7]


def test_a_hold_keeps_one_alert_through_short_gaps() -> None:
    # keep_firing_for of two buckets: a one-bucket gap is still the same alert (it was true
    # one bucket ago), a two-bucket gap resolves it; one bucket of hold is no hold at all.
    conditions = [False, True, True, False, True, False, False, True]
    assert onsets(conditions, hold=1) == [1, 4, 7]
    assert onsets(conditions, hold=2) == [1, 7]
    assert onsets(conditions, hold=3) == [1]


def test_earliness_is_the_fraction_of_the_window_at_its_first_detection() -> None:
    """NAB centres windows on their label: 0.5 is the labelled moment, a miss counts as 1."""
    start = datetime(2015, 3, 1, tzinfo=UTC)
    times = [start + timedelta(minutes=5 * i) for i in range(1000)]
    series = LabelledSeries("x.csv", times, [0.0] * 1000, [(100, 200), (500, 600), (800, 900)])
    # A detection before a window does not count for it; only the first one inside does.
    assert window_fractions(series, [90, 125, 150, 550, 560]) == [0.25, 0.5, 1.0]


def test_count_tails_match_known_values() -> None:
    # Poisson(2): P(X >= 9) = 2.3745e-4; NB(mu=10, alpha=0.2): P(X <= 0) = (5/15)^5.
    assert poisson_sf(9, 2) == pytest.approx(2.3744733e-4, rel=1e-6)
    assert poisson_cdf(8, 2) == pytest.approx(1 - 2.3744733e-4, rel=1e-9)
    assert nbinom_cdf(0, 10, 0.2) == pytest.approx((5 / 15) ** 5, rel=1e-9)
    assert nbinom_sf(0, 10, 0.2) == 1.0
    assert nbinom_sf(9, 2, 0.1) > poisson_sf(9, 2)


def test_lognormal_tail_is_a_distribution_heavier_than_the_negative_binomial_far_out() -> None:
    for k, mu, alpha in [(9, 2.0, 0.1), (242, 68.0, 0.1), (6, 0.3, 0.5), (130, 100.0, 0.01)]:
        assert lognormal_sf(k, mu, alpha) + lognormal_cdf(k - 1, mu, alpha) == pytest.approx(
            1.0, abs=5e-5
        )
    # Same variance, same bulk; far out, the log-normal tail is the heavier one.
    assert lognormal_sf(130, 100.0, 0.01) == pytest.approx(nbinom_sf(130, 100.0, 0.01), rel=0.1)
    assert lognormal_sf(242, 68.0, 0.1) > 10 * nbinom_sf(242, 68.0, 0.1)
    assert lognormal_sf(9, 2.0, 0.0) == poisson_sf(9, 2.0)
    assert lognormal_sf(0, 5.0, 0.2) == 1.0


def test_series_from_points_buckets_and_fills_gaps() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    step = timedelta(minutes=5)
    s = Series.from_points([(t0, 1), (t0 + timedelta(minutes=2), 2), (t0 + 3 * step, 4)], step)
    assert list(s.values) == [3, 0, 0, 4]
    assert s.end == t0 + 4 * step
    assert s.tail(2 * step).start == t0 + 2 * step
    assert s.time_at(-1) == t0 + 3 * step
    with pytest.raises(ValueError):
        Series(t0, timedelta(0), [])
