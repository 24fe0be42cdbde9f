"""Per-call cost of the volume detector on a full history, as the rule evaluator pays it.

Usage: ``.venv/bin/python -m bench.nab.micro [--calls N]``. Synthetic Poisson counts with a
daily cycle; reports the median CPU time (process time, so a busy machine does not inflate
it) of one ``detect_volume_spike`` call for 5-minute and hourly buckets over the history the
detector reads (``history_span``: 28 days).
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
from warden.detect.volume import VolumeParams, detect_volume_spike, history_span


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
    parser.add_argument("--calls", type=int, default=200, help="timed calls per bucket size")
    args = parser.parse_args(argv)
    params = VolumeParams()
    span = history_span(params)
    for label, step in (("5-minute", timedelta(minutes=5)), ("hourly", timedelta(hours=1))):
        series = _series(step, span)
        times = []
        for i in range(args.calls):
            started = time.process_time()
            detect_volume_spike(series, 50.0 + i % 7, params)
            times.append(time.process_time() - started)
        print(
            f"{label:>8} buckets, {len(series)} in history: "
            f"median {1000 * statistics.median(times):.2f} ms CPU per call, "
            f"p95 {1000 * sorted(times)[int(0.95 * len(times))]:.2f} ms"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
