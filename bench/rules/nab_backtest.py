"""NAB-style scoring of Warden's volume-spike rule run end to end through `warden backtest`.

Each NAB realTweets series is replayed by the real command line,
``warden backtest bench/rules/volume-spike.yaml --counts FILE.csv``, which loads the counts into
a scratch store's rolled-up table and runs the live evaluator and alert lifecycle bucket by
bucket on a simulated clock. The rows where an alert starts firing are scored with the NAB
scorer of ``bench/nab`` (the same one that scores the detector called directly).

Usage (from the repository root): ``.venv/bin/python bench/rules/nab_backtest.py [--json]``.
Progress goes to stderr, the table or JSON to stdout.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.nab.data import DEFAULT_DIR, LabelledSeries, load_corpus, load_profiles  # noqa: E402
from bench.nab.scoring import FileOutcome, normalised, probation_rows, score_file  # noqa: E402
from warden.store.rollup import bucket_index  # noqa: E402

RULE_FILE = Path(__file__).resolve().parent / "volume-spike.yaml"
WARDEN = ROOT / ".venv" / "bin" / "warden"
WEEK_ROWS = 7 * 24 * 12


def backtest_onsets(series: LabelledSeries, data_dir: Path, rules: Path) -> tuple[list[int], float]:
    """Rows where `warden backtest --counts` reports a firing transition, and seconds taken."""
    started = time.perf_counter()
    proc = subprocess.run(
        [
            str(WARDEN),
            "backtest",
            str(rules),
            "--counts",
            str(data_dir / series.name),
            "--entity",
            series.name.removesuffix(".csv"),
            "--json",
            "-q",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"warden backtest failed on {series.name}: {proc.stderr.strip()}")
    row_of = {bucket_index(t): i for i, t in enumerate(series.times)}
    onsets = []
    for line in proc.stdout.splitlines():
        event = json.loads(line)
        if event["state"] != "firing":
            continue
        at = datetime.fromisoformat(event["at"].replace("Z", "+00:00"))
        row = row_of.get(bucket_index(at) - 1)  # an alert fires when its bucket ends
        if row is not None:
            onsets.append(row)
    return onsets, time.perf_counter() - started


def summarise(
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
    weeks = sum((len(s.values) - probation_rows(len(s.values))) / WEEK_ROWS for s in corpus)
    false_alarms = sum(o.false_alarms for o in standard)
    return {
        "scores": scores,
        "caught": sum(o.caught for o in standard),
        "windows": sum(o.windows for o in standard),
        "false_alarms": false_alarms,
        "false_alarms_per_series_week": round(false_alarms / weeks, 2),
        "alerts": sum(len(v) for v in detections.values()),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/rules/nab_backtest.py",
        description="Score `warden backtest --counts` with a volume-spike rule on NAB realTweets.",
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR, help="nab-tweets directory")
    parser.add_argument("--rules", type=Path, default=RULE_FILE, help="rule file to replay")
    parser.add_argument("--jobs", type=int, default=2, help="backtests run at once (default 2)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    if not (args.data / "windows.json").is_file():
        print(f"no NAB data at {args.data}: skipped", file=sys.stderr)
        return 2
    corpus = load_corpus(args.data)
    profiles = load_profiles(args.data)
    detections: dict[str, list[int]] = {}
    seconds: dict[str, float] = {}
    print(
        f"backtesting {len(corpus)} series through `warden backtest --counts`...", file=sys.stderr
    )
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = {s.name: pool.submit(backtest_onsets, s, args.data, args.rules) for s in corpus}
        for name, future in futures.items():
            detections[name], seconds[name] = future.result()
            print(
                f"  {name}: {len(detections[name])} alerts, {seconds[name]:.0f}s", file=sys.stderr
            )
    summary = summarise(corpus, detections, profiles)
    summary["seconds_per_series"] = {k: round(v, 1) for k, v in seconds.items()}
    summary["rows"] = sum(len(s.values) for s in corpus)
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    s = summary["scores"]
    header = ("via", "standard", "low_FP", "low_FN", "caught", "FA", "FA/s/wk")
    print("{:<16} {:>8} {:>7} {:>7} {:>7} {:>4} {:>7}".format(*header))
    print(
        f"{'warden backtest':<16} {s['standard']:>8.1f} {s['reward_low_FP_rate']:>7.1f} "
        f"{s['reward_low_FN_rate']:>7.1f} {summary['caught']:>3}/{summary['windows']:<3} "
        f"{summary['false_alarms']:>4} {summary['false_alarms_per_series_week']:>7.2f}"
    )
    for name, took in seconds.items():
        print(f"  {name}: {took:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
