"""Volume surges the way they happen: building over hours, across a clock change, after a crisis."""

from __future__ import annotations

import math
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from warden.config import load_config
from warden.detect.baseline import BaselineParams
from warden.detect.negative import NegativeParams, detect_negative_surge
from warden.detect.series import Series
from warden.detect.volume import VolumeParams, detect_volume_spike, dispersions, history_span
from warden.errors import ConfigError

STEP = timedelta(minutes=5)
# The shipped volume-spike rule's settings (rules/early-warning.yaml).
SHIPPED = VolumeParams(sensitivity="low", min_count=10.0)
HOLD = 3  # keep_firing_for 15m: far stricter than the shipped rule's six hours


def poisson(rng: random.Random, mu: float) -> float:
    if mu > 40:
        return float(max(0, round(rng.gauss(mu, math.sqrt(mu)))))
    limit, k, prod = math.exp(-mu), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return float(k)


def judge_each(series: Series, first: int, stop: int, params: VolumeParams) -> list[bool]:
    """The condition at each bucket of first..stop-1, judged on the buckets before it only."""
    span = int(history_span(params) / STEP)
    out = []
    for i in range(first, stop):
        lo = max(0, i - span)
        history = Series(series.start + lo * STEP, STEP, series.values[lo:i])
        out.append(detect_volume_spike(history, series.values[i], params).fired)
    return out


def usual(t: datetime) -> float:
    hour = t.hour + t.minute / 60
    return 8.0 + 4.0 * math.sin((hour - 9.0) / 24.0 * 2.0 * math.pi)


def ramp_series(seed: int) -> tuple[Series, datetime]:
    """Two weeks of ~8 mentions per 5 minutes, then 08:00 to 13:45 a geometric ramp to x40,
    decaying back to usual by 16:30 (the case of the issue)."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    day = start + timedelta(days=14)
    values = []
    t = start
    while t < day + timedelta(hours=18):
        hours = (t - day).total_seconds() / 3600
        factor = 1.0
        if 8.0 <= hours < 13.75:
            factor = 40.0 ** ((hours - 8.0) / 5.75)
        elif 13.75 <= hours < 16.5:
            factor = 40.0 ** (1.0 - (hours - 13.75) / 2.75)
        values.append(poisson(rng, usual(t) * factor))
        t += STEP
    return Series(start, STEP, values), day


@pytest.mark.parametrize("seed", [7, 8])
def test_a_surge_building_over_hours_fires_early_and_stays_firing_until_it_decays(
    seed: int,
) -> None:
    series, day = ramp_series(seed)
    first = int((day + timedelta(hours=8) - series.start) / STEP)
    # Until 15:40 the volume is still three times the usual or more.
    decayed = int((day + timedelta(hours=15, minutes=40) - series.start) / STEP)
    fired = judge_each(series, first, decayed, SHIPPED)
    onset = fired.index(True)
    assert onset * STEP <= timedelta(hours=2), f"fired {onset * STEP} into the ramp"
    # Once firing, the alert (held only 15 minutes) does not resolve while
    # the volume is far above the usual: no run of HOLD clear buckets after the onset.
    after = fired[onset:]
    gaps = [i for i in range(len(after) - HOLD + 1) if not any(after[i : i + HOLD])]
    assert not gaps, f"resolved {(onset + gaps[0]) * STEP} into the ramp, before the decay"


@pytest.mark.parametrize("seed", [7, 8])
def test_once_the_surge_has_decayed_the_six_hour_window_no_longer_holds_it(seed: int) -> None:
    # Back to usual by 16:30; the six-hour sum still holds the surge until about 22:00, but
    # the last hour looks usual, so from 17:00 (an hour of usual volume) the condition is
    # clear and the alert resolves one keep_firing_for after the story rather than six
    # hours later on top of it.
    series, day = ramp_series(seed)
    first = int((day + timedelta(hours=17) - series.start) / STEP)
    assert not any(judge_each(series, first, len(series.values), SHIPPED))


def plateau_series(seed: int, factor: float) -> tuple[Series, datetime]:
    """Three weeks of the daily pattern with an hour-to-hour spread of about 30 % (log-normal
    hourly levels, as real mention streams have), then a day whose volume is ``factor``
    times the usual from 10:00 to 18:00."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    day = start + timedelta(days=21)
    values = []
    t, hourly = start, 1.0
    while t < day + timedelta(hours=20):
        if t.minute == 0:
            hourly = math.exp(rng.gauss(0.0, 0.3))
        hours = (t - day).total_seconds() / 3600
        boost = factor if 10.0 <= hours < 18.0 else 1.0
        values.append(poisson(rng, usual(t) * hourly * boost))
        t += STEP
    return Series(start, STEP, values), day


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_afternoon_at_two_and_a_half_times_the_usual_is_caught_before_it_ends(
    seed: int,
) -> None:
    # No single hour stands out from the hourly spread, but six hours of it do.
    for factor, expect in ((1.0, False), (2.5, True)):
        series, day = plateau_series(seed, factor)
        first = int((day + timedelta(hours=8) - series.start) / STEP)
        stop = int((day + timedelta(hours=18) - series.start) / STEP)
        assert any(judge_each(series, first, stop, SHIPPED)) is expect, factor


def paris_series() -> Series:
    """March 2026 for a Paris audience: quiet nights, 12 per 5 minutes from 07:00 local."""
    rng = random.Random(11)
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2026, 3, 9, tzinfo=UTC)
    values = []
    t = start
    while t < datetime(2026, 3, 31, tzinfo=UTC):
        local = t.astimezone(paris)
        values.append(poisson(rng, 12.0 if 7 <= local.hour < 22 else 1.0))
        t += STEP
    return Series(start, STEP, values)


def test_a_daylight_saving_change_raises_no_alarm_when_profiles_are_read_in_local_time() -> None:
    series = paris_series()
    # The mornings after the change (29 March): 04:00 to 07:00 UTC on the 29th and 30th.
    windows = []
    for day in (29, 30):
        a = int((datetime(2026, 3, day, 4, tzinfo=UTC) - series.start) / STEP)
        windows.append((a, a + 36))
    paris = replace(SHIPPED, baseline=BaselineParams(timezone="Europe/Paris"))
    assert not any(any(judge_each(series, a, b, paris)) for a, b in windows)
    # Read in UTC, the same mornings come an hour "early" against the profile and alarm.
    assert any(any(judge_each(series, a, b, SHIPPED)) for a, b in windows)


def test_a_past_crisis_in_the_history_does_not_hide_the_next_one() -> None:
    rng = random.Random(5)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    n = 14 * 288
    values = [poisson(rng, usual(start + i * STEP)) for i in range(n)]
    calm = Series(start, STEP, list(values))
    # Three days before the end, a crisis of eight hours at twenty times the usual volume.
    crisis_start = n - 3 * 288
    for i in range(crisis_start, crisis_start + 96):
        values[i] = poisson(rng, 20 * usual(start + i * STEP))
    after = Series(start, STEP, values)
    # What is learnt of the spread barely moves ...
    before_alpha, after_alpha = dispersions(calm, SHIPPED), dispersions(after, SHIPPED)
    for width, alpha in before_alpha.items():
        assert after_alpha[width] < 2 * alpha + 0.02
    # ... so a new surge (six times the usual for a quarter of an hour) still fires.
    expected = usual(after.end)
    history = Series(start, STEP, [*values, 6 * expected, 6 * expected])
    assert detect_volume_spike(history, 6 * expected, SHIPPED).fired


def test_a_long_negative_wave_stays_firing() -> None:
    rng = random.Random(9)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    step = timedelta(minutes=15)
    n = 14 * 96
    totals = [poisson(rng, 40) for _ in range(n + 32)]
    negatives = [poisson(rng, 4) for _ in range(n)]
    # Eight hours of a wave: the negative share goes from 10 % to about 40 %.
    wave = [poisson(rng, 16) for _ in range(32)]
    negatives += wave
    params = NegativeParams(volume=VolumeParams(sensitivity="medium", min_count=5.0))
    fired = []
    for i in range(n, n + 32):
        neg = Series(start, step, negatives[:i])
        tot = Series(start, step, totals[:i])
        fired.append(detect_negative_surge(neg, tot, negatives[i], totals[i], params).fired)
    assert fired[0] or fired[1]
    # No two consecutive clear quarters (a 30-minute hold resolves nothing) in eight hours.
    onset = fired.index(True)
    assert all(fired[i] or fired[i + 1] for i in range(onset, len(fired) - 1))


def test_time_zones_are_checked_and_entities_inherit_the_config_one(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "timezone: Europe/Paris\n"
        "entities:\n  - name: A\n  - name: B\n    timezone: America/New_York\n",
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.timezone_of("A") == "Europe/Paris"
    assert config.timezone_of("B") == "America/New_York"
    path.write_text("entities:\n  - name: A\n    timezone: Europe/Pariss\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert "Europe/Pariss" in text and "config.yaml:3" in text
