"""Two synthetic cases of the volume-spike rule, replayed bucket by bucket as the daemon runs it.

Usage: ``.venv/bin/python -m bench.detect.cases [--json]``.

* **Ramp**: two weeks of a daily pattern around 8 mentions per 5 minutes, then on the third
  Monday a geometric ramp from 08:00 to forty times the usual at 13:45, decaying back by
  16:30. Reports when the alert fires, when its condition last holds and when it resolves
  (``keep_firing_for`` after that).
* **Daylight saving**: a Europe/Paris audience (quiet nights, a sharp rise at 07:00 local
  time) from 1 to 31 March 2026; clocks go forward on 29 March. Counts the alert onsets from
  28 to 31 March with profiles read in UTC and read in Europe/Paris.

Both use the shipped rule's settings (``rules/early-warning.yaml``: sensitivity low,
``min_count`` 10, windows of 5 minutes, 15 minutes, an hour and six hours, ``keep_firing_for`` 6h)
through the direct driver's alert semantics (``bench/nab/replay.py``, as ``warden backtest``).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "bench.detect"

from warden.detect.series import Series
from warden.detect.volume import VolumeParams, detect_volume_spike, history_span

STEP = timedelta(minutes=5)
HOLD = 72  # keep_firing_for 6h (the shipped rule's), in 5-minute buckets
SHIPPED = VolumeParams(sensitivity="low", min_count=10.0)


def _poisson(rng: random.Random, mu: float) -> float:
    if mu > 40:
        return float(max(0, round(rng.gauss(mu, math.sqrt(mu)))))
    limit, k, prod = math.exp(-mu), 0, rng.random()
    while prod > limit:
        k += 1
        prod *= rng.random()
    return float(k)


def usual(t: datetime) -> float:
    """The ramp case's daily pattern: about 8 per 5 minutes, 4 at night, 12 in the afternoon."""
    hour = t.hour + t.minute / 60
    return 8.0 + 4.0 * math.sin((hour - 9.0) / 24.0 * 2.0 * math.pi)


def surge(t: datetime, day: datetime) -> float:
    """Multiplier of the ramp: 1 before 08:00, x40 at 13:45 (geometric), back to 1 by 16:30."""
    hours = (t - day).total_seconds() / 3600
    if 8.0 <= hours < 13.75:
        return float(40.0 ** ((hours - 8.0) / 5.75))
    if 13.75 <= hours < 16.5:
        return float(40.0 ** (1.0 - (hours - 13.75) / 2.75))
    return 1.0


def ramp_series(seed: int = 7) -> tuple[Series, datetime]:
    """Two weeks and a day of 5-minute counts, the last day holding the ramp."""
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
    day = start + timedelta(days=14)
    values = []
    t = start
    while t < day + timedelta(days=1):
        values.append(_poisson(rng, usual(t) * surge(t, day)))
        t += STEP
    return Series(start, STEP, values), day


def paris_series(seed: int = 11) -> Series:
    """March 2026 in 5-minute counts of a Paris audience: 1 at night, 12 from 07:00 to 22:00."""
    rng = random.Random(seed)
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2026, 3, 1, tzinfo=UTC)
    values = []
    t = start
    while t < datetime(2026, 4, 1, tzinfo=UTC):
        local = t.astimezone(paris)
        mu = 12.0 if 7 <= local.hour < 22 else 1.0
        values.append(_poisson(rng, mu))
        t += STEP
    return Series(start, STEP, values)


def conditions(series: Series, first: int, params: VolumeParams) -> list[bool]:
    """The rule's condition at each bucket from ``first`` on, judged with the buckets before."""
    span = int(history_span(params) / STEP)
    out = []
    for i in range(first, len(series.values)):
        lo = max(0, i - span)
        history = Series(series.start + lo * STEP, STEP, series.values[lo:i])
        out.append(detect_volume_spike(history, series.values[i], params).fired)
    return out


def alert_spans(fired: Sequence[bool], hold: int = HOLD) -> list[tuple[int, int | None]]:
    """(onset, resolution) bucket offsets of the alerts the condition raises with this hold."""
    spans: list[tuple[int, int | None]] = []
    last: int | None = None
    for i, c in enumerate(fired):
        if c:
            if last is None or (spans and spans[-1][1] is not None):
                spans.append((i, None))
            last = i
        elif last is not None and spans and spans[-1][1] is None and i - last >= hold:
            spans[-1] = (spans[-1][0], i)
    return spans


def ramp_case(params: VolumeParams = SHIPPED) -> list[dict[str, str | None]]:
    series, day = ramp_series()
    first = int((day - series.start) / STEP)
    fired = conditions(series, first, params)
    out: list[dict[str, str | None]] = []
    for a, b in alert_spans(fired):
        last = max(i for i in range(a, len(fired) if b is None else b) if fired[i])
        out.append(
            {
                "fired": (day + a * STEP).strftime("%H:%M"),
                "last_held": (day + last * STEP).strftime("%H:%M"),
                "resolved": None if b is None else (day + b * STEP).strftime("%H:%M"),
            }
        )
    return out


def dst_case(params: VolumeParams = SHIPPED) -> dict[str, list[str]]:
    series = paris_series()
    first = int((datetime(2026, 3, 28, tzinfo=UTC) - series.start) / STEP)
    out: dict[str, list[str]] = {}
    for zone in ("UTC", "Europe/Paris"):
        p = replace(params, baseline=replace(params.baseline, timezone=zone))
        spans = alert_spans(conditions(series, first, p))
        at = datetime(2026, 3, 28, tzinfo=UTC)
        out[zone] = [(at + a * STEP).strftime("%m-%d %H:%M") for a, _ in spans]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/detect/cases.py", description=__doc__)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    print("replaying the ramp day and 28-31 March...", file=sys.stderr)
    ramp = ramp_case()
    dst = dst_case()
    if args.json:
        print(json.dumps({"ramp": ramp, "daylight_saving": dst}, indent=2))
        return 0
    for alert in ramp:
        print(
            f"ramp: fired {alert['fired']} UTC, condition last held {alert['last_held']}, "
            f"resolved {alert['resolved'] or 'not that day'}"
        )
    for zone, onsets in dst.items():
        print(f"daylight saving, profiles in {zone}: {len(onsets)} alerts {' '.join(onsets)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
