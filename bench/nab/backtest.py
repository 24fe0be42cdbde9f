"""Score Warden through ``warden backtest --counts``: the live rule evaluator, not a driver.

Usage: ``.venv/bin/python -m bench.nab.backtest [--sensitivity medium] [--keep-firing-for 1h]
[--min-count 5] [--json]``. Each NAB series is written as a ``timestamp,value`` CSV to a
temporary folder with a one-rule file: the ``volume-spike`` rule read from
``rules/early-warning.yaml`` as shipped (its condition and ``keep_firing_for``; labels and
annotations dropped), with only what the options name changed. ``warden backtest``
replays it on a simulated clock and prints its alert transitions as JSON lines. Each
``firing`` transition at time ``t`` judged the bucket that ended at ``t``; that bucket's row
is the detection, scored with the same NAB scorer as ``bench/nab/run.py``. These are the
official figures: the code path the daemon runs.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "bench.nab"

import yaml

from bench.checkout import checkout_env

from .data import DEFAULT_DIR, STEP, LabelledSeries, load_corpus, load_profiles
from .run import _summary

WARDEN = Path(sys.executable).with_name("warden")

SHIPPED = Path(__file__).resolve().parents[2] / "rules" / "early-warning.yaml"


def shipped_rule(
    sensitivity: str | None, hold: str | None, min_count: str | None
) -> dict[str, object]:
    """The ``volume-spike`` rule of rules/early-warning.yaml, with the given settings changed."""
    rules = yaml.safe_load(SHIPPED.read_text())["rules"]
    rule = dict(next(r for r in rules if r["name"] == "volume-spike"))
    condition = dict(rule["condition"])
    if sensitivity is not None:
        condition["sensitivity"] = float(sensitivity) if sensitivity[0].isdigit() else sensitivity
    if min_count is not None:
        condition["min_count"] = float(min_count)
    if hold is not None:
        rule["keep_firing_for"] = hold
    keep = ("name", "description", "entity", "keep_firing_for", "severity")
    return {**{k: rule[k] for k in keep if k in rule}, "condition": condition}


def _bucket(t: datetime) -> datetime:
    t = t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)
    seconds = int(t.timestamp())
    return datetime.fromtimestamp(seconds - seconds % int(STEP.total_seconds()), UTC)


def detections(s: LabelledSeries, rule: Path, folder: Path) -> tuple[list[int], float]:
    """Rows of the buckets whose judgement started an alert, and the backtest's wall time."""
    entity = Path(s.name).stem
    data = folder / f"{entity}.csv"
    with data.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["timestamp", "value"])
        for t, v in zip(s.times, s.values, strict=True):
            writer.writerow([t.isoformat(), int(v)])
    row_of = {_bucket(t): i for i, t in enumerate(s.times)}
    started = time.monotonic()
    done = subprocess.run(
        [
            *(str(WARDEN), "backtest", str(rule), "--counts", str(data)),
            "--entity",
            entity,
            "--json",
            "-q",
        ],
        cwd=folder,
        env=checkout_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    took = time.monotonic() - started
    rows = []
    for line in done.stdout.splitlines():
        event = json.loads(line)
        if event.get("state") != "firing":
            continue
        at = datetime.fromisoformat(event["at"].replace("Z", "+00:00"))
        judged = _bucket(at - timedelta(seconds=1))
        if judged in row_of:
            rows.append(row_of[judged])
    return rows, took


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/nab/backtest.py", description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--sensitivity", help="instead of the shipped rule's")
    parser.add_argument("--keep-firing-for", help="instead of the shipped rule's")
    parser.add_argument("--min-count", help="instead of the shipped rule's")
    parser.add_argument("--jobs", type=int, default=2, help="backtests run at once")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    corpus = load_corpus(args.data)
    profiles = load_profiles(args.data)
    with tempfile.TemporaryDirectory(prefix="warden-nab-") as tmp:
        folder = Path(tmp)
        rule = folder / "volume-spike.yaml"
        settings = shipped_rule(args.sensitivity, args.keep_firing_for, args.min_count)
        rule.write_text(yaml.safe_dump({"rules": [settings]}, sort_keys=False))
        found: dict[str, list[int]] = {}
        seconds = 0.0
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = {s.name: pool.submit(detections, s, rule, folder) for s in corpus}
            for name, future in futures.items():
                found[name], took = future.result()
                seconds += took
                print(f"  {name}: {len(found[name])} onsets, {took:.0f}s", file=sys.stderr)
    summary = _summary(corpus, found, profiles)
    summary["backtest_seconds"] = round(seconds)
    summary["onsets"] = found
    result = {
        "rule": settings,
        "via": "warden backtest --counts",
        "warden": summary,
    }
    print(json.dumps(result, indent=None if not args.json else 2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
