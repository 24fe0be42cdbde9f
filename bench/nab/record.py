"""Replay Warden's detector once and record each bucket's tail probability and threshold.

Usage: ``.venv/bin/python -m bench.nab.record OUT.json [--jobs 2] [--windows 1,3,12]``.
The decision at any sensitivity is ``p <= threshold * scale`` on the same ``p`` (the
threshold is proportional to the sensitivity's tail probability), so one replay scores every
sensitivity and alert hold.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Literal

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "bench.nab"

from warden.detect.series import Series
from warden.detect.volume import VolumeParams, detect_volume_spike, history_span

from .data import DEFAULT_DIR, STEP, LabelledSeries, load_corpus


def record(
    job: tuple[LabelledSeries, float, Literal["negbin", "lognormal"], tuple[int, ...] | None],
) -> tuple[str, list[float], list[float], float]:
    """(name, p per bucket (1.0 when not eligible), medium threshold per bucket, CPU s)."""
    s, min_count, tail, windows = job
    params = VolumeParams(min_count=min_count, tail=tail, windows=windows)
    span = int(history_span(params) / STEP)
    probs = [1.0] * len(s.values)
    thresholds = [0.0] * len(s.values)
    started = time.process_time()
    for i in range(1, len(s.values)):
        lo = max(0, i - span)
        d = detect_volume_spike(Series(s.times[lo], STEP, s.values[lo:i]), s.values[i], params)
        if d.threshold is not None:
            thresholds[i] = d.threshold
        if d.probability is not None and not d.warming_up and "nothing unusual" not in d.reason:
            probs[i] = d.probability
    return s.name, probs, thresholds, time.process_time() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/nab/record.py", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--min-count", type=float, default=VolumeParams().min_count)
    parser.add_argument("--tail", choices=("negbin", "lognormal"), default=VolumeParams().tail)
    parser.add_argument(
        "--windows", help="buckets summed by each test, e.g. 1,3,12 (default: the step's default)"
    )
    args = parser.parse_args(argv)
    windows = tuple(int(w) for w in args.windows.split(",")) if args.windows else None
    corpus = load_corpus(args.data)
    out = {}
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, probs, thresholds, took in pool.map(
            record, [(s, args.min_count, args.tail, windows) for s in corpus]
        ):
            print(f"{name}: {took:.1f}s CPU", file=sys.stderr)
            out[name] = {"p": probs, "threshold": thresholds, "cpu": took}
    args.out.write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
