"""How early the published NAB detectors detect on the shared tweet series, from their results.

Usage (from the repository root, with a checkout of the benchmark's public repository,
github.com/numenta/NAB, anywhere on disk)::

    .venv/bin/python -m bench.nab.published --nab ~/src/NAB [--json]

For each detector of ``published-detectors.md``, its per-row ``anomaly_score`` from
``results/<detector>/realTweets/<detector>_<file>`` is thresholded at the standard-profile
threshold the benchmark publishes (``config/thresholds.json``): every row at or above it is a
detection, as the benchmark counts them. Printed per detector: the NAB standard score of
those rows (scored with :mod:`bench.nab.scoring`, a check that the results were read as
``published-detectors.md`` reads them), how many windows hold a detection in their first
third, the median fraction of each window elapsed at its first detection (a missed window
counts as 1, its end, as for Warden in ``docs/benchmarks.md``) and the median delay in hours
from the window's start. NAB centres each window on its label, so 0.5 is the labelled
moment.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "bench.nab"

from .data import DEFAULT_DIR, STEP, LabelledSeries, load_corpus, load_profiles
from .scoring import FileOutcome, normalised, score_file

DETECTORS = (
    "ARTime",
    "earthgeckoSkyline",
    "contextOSE",
    "htmjava",
    "knncad",
    "numenta",
    "twitterADVec",
    "windowedGaussian",
    "relativeEntropy",
    "randomCutForest",
)
"""The detectors of ``published-detectors.md``, in its order."""


def detection_rows(nab: Path, detector: str, series: LabelledSeries, threshold: float) -> list[int]:
    """Rows of ``series`` whose published score is at or above ``threshold``.

    Raises ValueError when the results file does not have the series' timestamps.
    """
    path = nab / "results" / detector / "realTweets" / f"{detector}_{series.name}"
    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    times = [datetime.fromisoformat(r["timestamp"].strip()) for r in rows]
    if times != series.times:
        raise ValueError(f"{path}: timestamps differ from {series.name}")
    return [i for i, r in enumerate(rows) if float(r["anomaly_score"]) >= threshold]


def window_fractions(series: LabelledSeries, detections: Sequence[int]) -> list[float]:
    """Per window, the fraction of it elapsed at its first detection (1.0 when missed)."""
    out = []
    for left, right in series.windows:
        inside = [i for i in detections if left <= i <= right]
        out.append((min(inside) - left) / (right - left) if inside else 1.0)
    return out


def evaluate(nab: Path, data: Path) -> dict[str, dict[str, Any]]:
    """Per detector: standard score, first-third count, median fraction and delay (hours)."""
    corpus = load_corpus(data)
    weights = load_profiles(data)["standard"]
    thresholds = json.loads((nab / "config" / "thresholds.json").read_text())
    out: dict[str, dict[str, Any]] = {}
    for detector in DETECTORS:
        threshold = float(thresholds[detector]["standard"]["threshold"])
        outcomes: list[FileOutcome] = []
        fractions: list[float] = []
        delays: list[float] = []
        for s in corpus:
            rows = detection_rows(nab, detector, s, threshold)
            outcomes.append(
                score_file(
                    len(s.values),
                    s.windows,
                    rows,
                    weights["tpWeight"],
                    weights["fpWeight"],
                    weights["fnWeight"],
                )
            )
            for (left, right), f in zip(s.windows, window_fractions(s, rows), strict=True):
                fractions.append(f)
                delays.append(f * (right - left) * STEP.total_seconds() / 3600)
        out[detector] = {
            "threshold": threshold,
            "standard": round(normalised(outcomes), 1),
            "windows": len(fractions),
            "first_third": sum(f <= 1 / 3 for f in fractions),
            "median_fraction": round(statistics.median(fractions), 2),
            "median_delay_hours": round(statistics.median(delays), 1),
            "fractions": [round(f, 2) for f in fractions],
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/nab/published.py",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--nab", type=Path, required=True, help="a checkout of the NAB repository")
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR, help="nab-tweets directory")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    result = evaluate(args.nab, args.data)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"{'detector':<18} {'standard':>8} {'first third':>11} {'median frac':>11} {'delay h':>7}"
    )
    for name, r in result.items():
        print(
            f"{name:<18} {r['standard']:>8.1f} {r['first_third']:>5}/{r['windows']:<5} "
            f"{r['median_fraction']:>11.2f} {r['median_delay_hours']:>7.1f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
