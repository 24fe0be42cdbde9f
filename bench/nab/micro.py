"""Per-call cost of the volume detector on a full history, as the rule evaluator pays it.

Usage: ``.venv/bin/python -m bench.nab.micro [--calls N]``. Synthetic Poisson counts with a
daily cycle; reports the median CPU time (process time, so a busy machine does not inflate
it) of one ``detect_volume_spike`` call for 5-minute and hourly buckets over the history the
detector reads (``history_span``: 28 days): *cold* (the memo of profiles and dispersions
cleared before each call: what the first call of each hour pays) and *warm* (the same
completed hours as the previous call: every other call), and the mean over a growing series
replayed bucket by bucket for two days (what a live rule pays on average).
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from warden.detect.series import Series
from warden.detect.volume import VolumeParams, clear_cache, detect_volume_spike, history_span


def _series(step: timedelta, span: timedelta, seed: int = 1) -> Series:
    rng = random.Random(seed)
    n = int(span / step)
    values = []
    for i in range(n):
        hour = (i * step.total_seconds() / 3600) % 24
        mu = 40 * (1.5 + math.sin(hour / 24 * 2 * math.pi)) * step.total_seconds() / 300
        values.append(float(max(0, round(rng.gauss(mu, math.sqrt(mu))))))
    return Series(datetime(2026, 1, 5, tzinfo=UTC), step, values)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/nab/micro.py", description=__doc__)
    parser.add_argument("--calls", type=int, default=100, help="timed calls per bucket size")
    args = parser.parse_args(argv)
    params = VolumeParams()
    span = history_span(params)
    for label, step in (("5-minute", timedelta(minutes=5)), ("hourly", timedelta(hours=1))):
        series = _series(step, span + timedelta(days=2))
        keep = int(span / step)
        history = Series(series.start, step, series.values[:keep])
        timings = {}
        for mode in ("cold", "warm"):
            times = []
            for i in range(args.calls):
                if mode == "cold":
                    clear_cache()
                started = time.process_time()
                detect_volume_spike(history, 50.0 + i % 7, params)
                times.append(time.process_time() - started)
            timings[mode] = (statistics.median(times), sorted(times)[int(0.95 * len(times))])
        clear_cache()
        started = time.process_time()
        replayed = len(series.values) - keep
        for i in range(keep, len(series.values)):
            lo = i - keep
            detect_volume_spike(
                Series(series.start + lo * step, step, series.values[lo:i]),
                series.values[i],
                params,
            )
        mean = (time.process_time() - started) / replayed
        cold, warm = timings["cold"], timings["warm"]
        print(
            f"{label:>8} buckets, {keep} in history: "
            f"cold median {1000 * cold[0]:.2f} ms (p95 {1000 * cold[1]:.2f}), "
            f"warm median {1000 * warm[0]:.2f} ms (p95 {1000 * warm[1]:.2f}), "
            f"replay of {replayed} buckets {1000 * mean:.2f} ms per call"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
