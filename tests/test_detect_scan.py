"""The scan of window tests: the budget each width may fire at, and whether an excess is current."""

from __future__ import annotations

import pytest

from warden.detect.scan import excess_is_current, window_threshold


def current(observed: list[float], expected: list[float], width: int, recent: int) -> bool:
    """The gate on the last ``width`` buckets, whose most recent part is the last ``recent``."""
    return excess_is_current(
        sum(observed[-width:]),
        sum(expected[-width:]),
        sum(observed[-recent:]),
        sum(expected[-recent:]),
    )


def test_a_wider_window_may_fire_at_proportionally_more_within_the_shared_budget() -> None:
    assert window_threshold(1e-6, 1, 4) == pytest.approx(2.5e-7)
    assert window_threshold(1e-6, 72, 4) == pytest.approx(72 * 2.5e-7)
    assert window_threshold(0.1, 72, 4) == pytest.approx(0.5 / 4)  # never past one in two


def test_a_ramp_and_a_plateau_are_current_excesses() -> None:
    expected = [10.0] * 72
    ramp = [10.0 * 1.05**i for i in range(72)]  # x30 by the end
    plateau = [25.0] * 72
    assert current(ramp, expected, 72, 12)
    assert current(plateau, expected, 72, 12)


def test_a_surge_that_has_ended_is_a_stale_excess() -> None:
    # Five hours at five times the usual, then an hour back to usual: the six-hour sum is
    # still three times its expectation, the last hour is not.
    expected = [10.0] * 72
    observed = [50.0] * 60 + [10.0] * 12
    assert not current(observed, expected, 72, 12)
    # An hour still at two and a half times the usual is closer, on the log scale, to the
    # window's excess (about 4.6 times) than to the usual: current.
    observed = [50.0] * 60 + [25.0] * 12
    assert current(observed, expected, 72, 12)


def test_a_silence_is_judged_the_same_way_below_the_usual() -> None:
    expected = [10.0] * 12
    assert current([1.0] * 12, expected, 12, 3)
    assert not current([1.0] * 9 + [10.0] * 3, expected, 12, 3)


def test_mentions_where_none_were_expected_are_current() -> None:
    assert current([0.0, 0.0, 4.0], [0.0, 0.0, 0.0], 3, 1)
    assert current([5.0, 5.0, 5.0], [5.0, 5.0, 5.0], 3, 1)  # no excess: others decide
    # Nothing now where nothing was expected, after a burst: the burst is past.
    assert not current([9.0, 0.0, 0.0], [1.0, 1.0, 0.0], 3, 1)


def test_an_unreadable_count_leaves_the_decision_to_the_other_checks() -> None:
    nan = float("nan")
    assert current([nan, 5.0, 5.0], [1.0, 1.0, 1.0], 3, 1)
    assert current([5.0, 5.0, 5.0], [1.0, nan, 1.0], 3, 1)
