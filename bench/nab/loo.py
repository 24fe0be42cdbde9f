"""Leave one series out: settings chosen on four NAB series, scored on the fifth.

Usage: ``.venv/bin/python -m bench.nab.loo REC.json [--hold 15m] [--json]`` on a replay
recorded by ``bench/nab/record.py``. Two questions, each answered five times (once per
held-out series):

* **Threshold**: the per-bucket probability (a grid of decades around the levels) that
  scores best (NAB standard) on the four others while keeping their false alarms within
  0.5 per series-week, then scored on the held-out series. The held-out outcomes are summed
  into corpus scores (as NAB sums files) and each fold's own score shows the spread.
* **Sensitivity levels**: for each of low, medium and high, the probability whose realised
  false-alarm rate on the four others is nearest (in ratio) to the rate the level promises
  (``VOLUME_EXPECTED_ALARMS``), and the rate it then gives on the held-out series. For the
  shipped rule's level (low) the held-out scores are reported too: the shipped rule with its
  level calibrated without the series it is scored on.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    __package__ = "bench.nab"

from warden.detect.sensitivity import VOLUME_EXPECTED_ALARMS, VOLUME_MODEL_RATES
from warden.durations import parse_duration

from .data import DEFAULT_DIR, STEP, LabelledSeries, load_corpus, load_profiles
from .replay import onsets
from .run import WEEK_ROWS
from .scoring import FileOutcome, normalised, probation_rows, score_file

SHIPPED_LEVEL = "low"
"""The level of the shipped volume-spike rule."""

GRID = [10.0**k for k in range(-5, 4)] + [3 * 10.0**k for k in range(-5, 3)]
"""Per-bucket probabilities relative to medium's (1e-5 to 1e3), tried by the threshold
selection and the calibration of each level; wide enough for ``high`` (1e2)."""


def _outcomes(
    corpus: Sequence[LabelledSeries],
    recorded: dict[str, Any],
    scale: float,
    hold: int,
    weights: dict[str, float],
) -> list[FileOutcome]:
    out = []
    for s in corpus:
        r = recorded[s.name]
        fired = [p <= t * scale for p, t in zip(r["p"], r["threshold"], strict=True)]
        out.append(
            score_file(
                len(s.values),
                s.windows,
                onsets(fired, hold),
                weights["tpWeight"],
                weights["fpWeight"],
                weights["fnWeight"],
            )
        )
    return out


def _weeks(corpus: Sequence[LabelledSeries]) -> float:
    return sum((len(s.values) - probation_rows(len(s.values))) / WEEK_ROWS for s in corpus)


def _rate(corpus: Sequence[LabelledSeries], outcomes: Sequence[FileOutcome]) -> float:
    return sum(o.false_alarms for o in outcomes) / _weeks(corpus)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/nab/loo.py", description=__doc__)
    parser.add_argument("record", type=Path)
    parser.add_argument("--data", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--hold", default="15m", help="keep_firing_for (default 15m)")
    parser.add_argument("--budget", type=float, default=0.5, help="false alarms/series-week")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    corpus = load_corpus(args.data)
    profiles = load_profiles(args.data)
    recorded = json.loads(args.record.read_text())
    hold = int(parse_duration(args.hold) / STEP)
    standard = profiles["standard"]
    folds = []
    held: dict[str, list[FileOutcome]] = {name: [] for name in profiles}
    levels: dict[str, list[float]] = {name: [] for name in VOLUME_EXPECTED_ALARMS}
    shipped_held: dict[str, list[FileOutcome]] = {name: [] for name in profiles}
    for s in corpus:
        train = [c for c in corpus if c.name != s.name]
        best: tuple[float, float] | None = None
        for scale in GRID:
            outs = _outcomes(train, recorded, scale, hold, standard)
            if _rate(train, outs) <= args.budget:
                score = normalised(outs)
                if best is None or score > best[0]:
                    best = (score, scale)
        scale = best[1] if best else min(GRID)
        fold: dict[str, Any] = {"held_out": s.name, "probability_scale": scale}
        for name, w in profiles.items():
            (outcome,) = _outcomes([s], recorded, scale, hold, w)
            held[name].append(outcome)
            fold[name] = round(normalised([outcome]), 1)
            if name == "standard":
                fold["caught"] = f"{outcome.caught}/{outcome.windows}"
                fold["false_alarms_per_week"] = round(_rate([s], [outcome]), 2)
        for level, promised in VOLUME_EXPECTED_ALARMS.items():
            chosen = min(
                GRID,
                key=lambda x: abs(
                    math.log(max(1e-3, _rate(train, _outcomes(train, recorded, x, hold, standard))))
                    - math.log(promised)
                ),
            )
            realised = _rate([s], _outcomes([s], recorded, chosen, hold, standard))
            levels[level].append(realised)
            fold[f"{level}_realised_per_week"] = round(realised, 2)
            if level == SHIPPED_LEVEL:
                fold["shipped_scale"] = chosen
                for name, w in profiles.items():
                    (outcome,) = _outcomes([s], recorded, chosen, hold, w)
                    shipped_held[name].append(outcome)
                    fold[f"shipped_{name}"] = round(normalised([outcome]), 1)
        folds.append(fold)
    summary: dict[str, Any] = {
        name: {
            "held_out_corpus": round(normalised(outs), 1),
            "fold_min": min(f[name] for f in folds),
            "fold_max": max(f[name] for f in folds),
            "fold_stdev": round(statistics.stdev(f[name] for f in folds), 1),
        }
        for name, outs in held.items()
    }
    summary["false_alarms_per_series_week"] = round(_rate(corpus, held["standard"]), 2)
    summary["shipped_level_calibrated_on_four"] = {
        **{
            name: {
                "held_out_corpus": round(normalised(outs), 1),
                "fold_min": min(f[f"shipped_{name}"] for f in folds),
                "fold_max": max(f[f"shipped_{name}"] for f in folds),
            }
            for name, outs in shipped_held.items()
        },
        "caught": sum(o.caught for o in shipped_held["standard"]),
        "false_alarms_per_series_week": round(_rate(corpus, shipped_held["standard"]), 2),
    }
    summary["caught"] = sum(o.caught for o in held["standard"])
    summary["levels"] = {
        level: {
            "promised": VOLUME_EXPECTED_ALARMS[level],
            "held_out_realised": round(
                sum(
                    r * ((len(s.values) - probation_rows(len(s.values))) / WEEK_ROWS)
                    for r, s in zip(rates, corpus, strict=True)
                )
                / _weeks(corpus),
                2,
            ),
        }
        for level, rates in levels.items()
    }
    shipped = {
        level: round(
            _rate(
                corpus,
                _outcomes(
                    corpus,
                    recorded,
                    VOLUME_MODEL_RATES[level] / VOLUME_MODEL_RATES["medium"],
                    hold,
                    standard,
                ),
            ),
            2,
        )
        for level in VOLUME_EXPECTED_ALARMS
    }
    summary["levels_as_shipped_all_five"] = shipped
    result = {"folds": folds, "summary": summary}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"{'held out':<26} {'p scale':>8} {'standard':>8} {'low_FP':>7} {'low_FN':>7} "
        f"{'caught':>6} {'FA/wk':>6} {'low':>5} {'medium':>6} {'high':>5}"
    )
    for f in folds:
        print(
            f"{f['held_out']:<26} {f['probability_scale']:>8.0e} {f['standard']:>8.1f} "
            f"{f['reward_low_FP_rate']:>7.1f} {f['reward_low_FN_rate']:>7.1f} {f['caught']:>6} "
            f"{f['false_alarms_per_week']:>6.2f} {f['low_realised_per_week']:>5.2f} "
            f"{f['medium_realised_per_week']:>6.2f} {f['high_realised_per_week']:>5.2f}"
        )
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
