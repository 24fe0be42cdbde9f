"""Score Warden's volume-spike detector and reference detectors on NAB realTweets.

Usage (from the repository root): ``.venv/bin/python -m bench.nab.run [--json]``
(``.venv/bin/python bench/nab/run.py`` works too). Progress goes to stderr, the table or
JSON to stdout. ``--keep-firing-for 1h`` scores alert onsets the way a rule with that
``keep_firing_for`` fires them (for every detector alike); ``--record FILE`` scores Warden
from a replay recorded by ``bench/nab/record.py`` instead of replaying it again.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "bench.nab"

from warden.detect.sensitivity import Sensitivity, tail_probability, volume_tail_probability
from warden.detect.volume import VolumeParams
from warden.durations import parse_duration

from .data import DEFAULT_DIR, STEP, LabelledSeries, load_corpus, load_profiles
from .references import elastalert, gaussian, huginn
from .replay import onsets, warden_conditions
from .scoring import FileOutcome, normalised, probation_rows, score_file

WEEK_ROWS = 7 * 24 * 12


def _sensitivity(text: str) -> Sensitivity:
    """``low``/``medium``/``high`` or a per-bucket probability such as ``2e-6``."""
    if text in ("low", "medium", "high"):
        return text  # type: ignore[return-value]
    return float(text)


def _warden(sensitivity: str) -> Callable[[LabelledSeries], list[bool]]:
    params = VolumeParams(sensitivity=_sensitivity(sensitivity))

    def run(s: LabelledSeries) -> list[bool]:
        return warden_conditions(s.times, s.values, params)

    return run


def _conditions(job: tuple[str, str, LabelledSeries]) -> tuple[str, str, list[bool], float]:
    detector, sensitivity, series = job
    started = time.process_time()
    if detector == "warden":
        out = _warden(sensitivity)(series)
    elif detector == "huginn":
        out = huginn(series.values)
    elif detector == "gaussian":
        out = gaussian(series.values, p=tail_probability(_sensitivity(sensitivity), STEP))
    else:
        out = elastalert(series.values)
    return detector, series.name, out, time.process_time() - started


def _summary(
    corpus: Sequence[LabelledSeries],
    detections: dict[str, list[int]],
    profiles: dict[str, dict[str, float]],
) -> dict[str, Any]:
    scores = {}
    standard: list[FileOutcome] = []
    for profile, w in profiles.items():
        outcomes = [
            score_file(
                len(s.values),
                s.windows,
                detections[s.name],
                w["tpWeight"],
                w["fpWeight"],
                w["fnWeight"],
            )
            for s in corpus
        ]
        scores[profile] = round(normalised(outcomes), 1)
        if profile == "standard":
            standard = outcomes
    weeks = {s.name: (len(s.values) - probation_rows(len(s.values))) / WEEK_ROWS for s in corpus}
    leads = []
    delays = []
    for s, o in zip(corpus, standard, strict=True):
        for (lo, hi), first in zip(sorted(s.windows), o.first_detections, strict=True):
            if first is not None:
                centre = (lo + hi) / 2
                leads.append((centre - first) * STEP.total_seconds() / 3600)
                delays.append((first - lo) * STEP.total_seconds() / 3600)
    false_alarms = sum(o.false_alarms for o in standard)
    per_series_week = {
        s.name: round(o.false_alarms / weeks[s.name], 2)
        for s, o in zip(corpus, standard, strict=True)
    }
    return {
        "scores": scores,
        "caught": sum(o.caught for o in standard),
        "windows": sum(o.windows for o in standard),
        "false_alarms": false_alarms,
        "false_alarms_per_series_week": round(false_alarms / sum(weeks.values()), 2),
        "worst_series_false_alarms_per_week": max(per_series_week.values()),
        "false_alarms_per_week_by_series": per_series_week,
        "median_lead_hours": round(statistics.median(leads), 1) if leads else None,
        "median_delay_after_window_start_hours": (
            round(statistics.median(delays), 1) if delays else None
        ),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/nab/run.py",
        description=(
            "NAB-style scoring of Warden's volume-spike detector against reference detectors "
            "(Huginn peak, windowed Gaussian, ElastAlert spike) on the realTweets series."
        ),
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR, help="nab-tweets directory")
    parser.add_argument(
        "--sensitivity",
        default="medium",
        help="Warden sensitivity: low, medium, high or a per-bucket probability (e.g. 2e-6)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--keep-firing-for",
        default="0s",
        help="alert hold after the condition clears, as a rule's keep_firing_for (e.g. 1h)",
    )
    parser.add_argument(
        "--record", type=Path, help="score Warden from this recorded replay (bench/nab/record.py)"
    )
    parser.add_argument(
        "--detectors", default="warden,huginn,gaussian,elastalert", help="comma-separated list"
    )
    args = parser.parse_args(argv)
    if not (args.data / "windows.json").is_file():
        print(f"no NAB data at {args.data}", file=sys.stderr)
        return 2
    corpus = load_corpus(args.data)
    profiles = load_profiles(args.data)
    detectors = [d.strip() for d in args.detectors.split(",") if d.strip()]
    hold = int(parse_duration(args.keep_firing_for) / STEP)
    conditions: dict[str, dict[str, list[bool]]] = {d: {} for d in detectors}
    seconds: dict[str, float] = {d: 0.0 for d in detectors}
    if args.record is not None and "warden" in detectors:
        recorded = json.loads(args.record.read_text())
        scale = volume_tail_probability(
            _sensitivity(args.sensitivity), STEP
        ) / volume_tail_probability("medium", STEP)
        for s in corpus:
            r = recorded[s.name]
            conditions["warden"][s.name] = [
                p <= t * scale for p, t in zip(r["p"], r["threshold"], strict=True)
            ]
            seconds["warden"] += r["cpu"]
    jobs = [
        (d, args.sensitivity, s)
        for d in detectors
        for s in corpus
        if not (d == "warden" and args.record is not None)
    ]
    print(f"replaying {len(jobs)} detector x series runs...", file=sys.stderr)
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for done, (detector, name, out, took) in enumerate(pool.map(_conditions, jobs), 1):
            conditions[detector][name] = out
            seconds[detector] += took
            print(f"  [{done}/{len(jobs)}] {detector} {name}: {took:.1f}s", file=sys.stderr)
    rows = {}
    for d in detectors:
        detections = {name: onsets(c, hold) for name, c in conditions[d].items()}
        summary = _summary(corpus, detections, profiles)
        calls = sum(len(s.values) for s in corpus)
        summary["ms_per_call"] = round(1000 * seconds[d] / calls, 3)
        rows[d] = summary
    result = {
        "sensitivity": args.sensitivity,
        "keep_firing_for": args.keep_firing_for,
        "series": len(corpus),
        "detectors": rows,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    header = (
        f"{'detector':<11} {'standard':>8} {'low_FP':>7} {'low_FN':>7} {'caught':>7} "
        f"{'FA':>4} {'FA/s/wk':>7} {'worst':>6} {'lead h':>6} {'ms/call':>8}"
    )
    print(header)
    print("-" * len(header))
    for d, r in rows.items():
        s = r["scores"]
        print(
            f"{d:<11} {s['standard']:>8.1f} {s['reward_low_FP_rate']:>7.1f} "
            f"{s['reward_low_FN_rate']:>7.1f} {r['caught']:>3}/{r['windows']:<3} "
            f"{r['false_alarms']:>4} {r['false_alarms_per_series_week']:>7.2f} "
            f"{r['worst_series_false_alarms_per_week']:>6.2f} "
            f"{r['median_lead_hours'] if r['median_lead_hours'] is not None else '-':>6} "
            f"{r['ms_per_call']:>8.3f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
