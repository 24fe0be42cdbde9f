"""`warden backtest`: replay recorded mentions or counts through rule files; print transitions."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from warden.alerts.lifecycle import Transition
from warden.alerts.replay import scratch_database
from warden.cli.common import add_config_option, print_table
from warden.config import load_config
from warden.detect.localtime import check_zone
from warden.durations import format_duration, parse_duration
from warden.errors import WardenError
from warden.log import configure_logging
from warden.rules.backtest import (
    MentionRecord,
    load_counts,
    load_mentions,
    read_counts,
    read_mentions_jsonl,
    read_stored_mentions,
    run_backtest,
)
from warden.rules.evaluate import WarmUpNotice
from warden.rules.loader import load_rule_paths, rule_files
from warden.store.db import Database
from warden.store.rollup import BUCKET

EPILOG = """\
examples:
  warden backtest rules/early-warning.yaml --counts volume.csv --entity Acme
  warden backtest rules/ --mentions export.jsonl --from 2026-10-01 --to 2026-11-01
  warden backtest rules/early-warning.yaml --from 2026-10-01      (stored mentions, -c config)
  warden backtest rules/crisis.yaml --counts volume.csv --table
  warden backtest rules/early-warning.yaml --counts paris.csv --entity Acme --timezone Europe/Paris

Data (one of):
  --counts FILE.csv     `timestamp,value` rows, one bucket per row (5 minutes by default)
  --mentions FILE.jsonl one mention per line: {"published_at": "2026-10-01T09:12:00Z",
                        "text": "...", "entity": "Acme", "source": "x", "author": "@bob",
                        "followers": 1200, "likes": 3, "sentiment": "negative"}
  (neither)             the mentions stored in the database of config.yaml, copied into a
                        scratch store (the live database is only read)

Output: one JSON line per alert transition on stdout
  {"rule": "volume-spike", "labels": {"entity": "Acme"}, "state": "firing", "at": "..."}
(--table prints a table instead; the default is JSON lines unless stdout is a terminal).
Progress and warm-up notices go to stderr. Times are UTC.
"""


def _time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO-8601 date or time, got {text!r}"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _duration(text: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _step_end(moment: datetime, step: timedelta) -> datetime:
    """End of the `step`-sized bucket (aligned on the epoch, like the rollup's) holding `moment`."""
    size = int(step.total_seconds())
    return datetime.fromtimestamp((int(moment.timestamp()) // size + 1) * size, UTC)


def _rule_paths(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        out.extend(rule_files(path) if path.is_dir() else [path])
    return out


def _transition_json(t: Transition) -> dict[str, Any]:
    return {
        "rule": t.rule,
        "labels": t.labels,
        "state": t.state,
        "at": t.at.isoformat().replace("+00:00", "Z"),
    }


class _Progress:
    """Progress on stderr, at most every couple of seconds."""

    def __init__(self, start: datetime, end: datetime, quiet: bool) -> None:
        self.start, self.end, self.quiet = start, end, quiet
        self.last = time.monotonic()
        self.began = self.last

    def step(self, moment: datetime, _n: int) -> None:
        now = time.monotonic()
        if self.quiet or now - self.last < 2:
            return
        self.last = now
        total = (self.end - self.start).total_seconds() or 1
        done = (moment - self.start).total_seconds() / total
        print(f"backtest: {moment:%Y-%m-%d %H:%M} ({done:.0%})", file=sys.stderr)

    def notice(self, notice: WarmUpNotice) -> None:
        labels = ", ".join(f"{k}={v}" for k, v in sorted(notice.labels.items()))
        if notice.warming_up:
            text = f"warming up from {notice.at:%Y-%m-%d %H:%M}: {notice.reason}"
        else:
            text = f"warmed up, judging from {notice.at:%Y-%m-%d %H:%M}"
        print(f"backtest: {notice.rule} {{{labels}}}: {text}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    configure_logging("error", "console")
    ruleset = load_rule_paths(_rule_paths(args.rules))
    if not len(ruleset):
        raise WardenError("no rules in the given files")
    named = sorted({e for r in ruleset.rules for e in r.rule.entities})
    step: timedelta = args.step
    if step < BUCKET or step.total_seconds() % BUCKET.total_seconds():
        raise WardenError("--step must be a multiple of 5m")
    with tempfile.TemporaryDirectory(prefix="warden-backtest-") as scratch:
        db = scratch_database(Path(scratch))
        try:
            if args.counts is not None:
                entity = args.entity or (named[0] if len(named) == 1 else "series")
                counts = read_counts(args.counts)
                load_counts(db, entity, counts)
                entities = [entity]
                # Evaluate at the end of each step-sized bucket, once its count is complete.
                first, last = _step_end(counts[0][0], step), _step_end(counts[-1][0], step)
            else:
                records = _mentions(args)
                load_mentions(db, records)
                entities = sorted({e for r in records for e in r.entities} | set(named))
                if args.entity:
                    entities = [args.entity]
                first = _step_end(records[0].published_at, step)
                last = _step_end(records[-1].published_at, step)
            start = max(first, args.since) if args.since else first
            if args.until is None:
                end = last
            else:  # mentions: quiet after the last one is data too; counts end with the file
                end = min(last, args.until) if args.counts is not None else args.until
            print(
                f"backtest: {len(ruleset)} rules, {', '.join(entities)}, "
                f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} every {format_duration(step)}",
                file=sys.stderr,
            )
            progress = _Progress(start, end, args.quiet)
            table = args.table or (not args.json and sys.stdout.isatty())
            rows: list[Transition] = []
            for transition in run_backtest(
                db,
                ruleset,
                entities,
                start,
                end,
                step,
                progress.step,
                progress.notice,
                timezone=args.timezone,
            ):
                if table:
                    rows.append(transition)
                else:
                    print(json.dumps(_transition_json(transition), ensure_ascii=False), flush=True)
        finally:
            db.dispose()
    if table:
        print_table(
            ["at (UTC)", "state", "rule", "labels"],
            [
                (
                    f"{t.at:%Y-%m-%d %H:%M}",
                    t.state,
                    t.rule,
                    ", ".join(f"{k}={v}" for k, v in sorted(t.labels.items())),
                )
                for t in rows
            ],
        )
    firing = sum(1 for t in rows if t.state == "firing") if table else None
    took = time.monotonic() - progress.began
    summary = f"backtest: done in {took:.1f}s"
    if firing is not None:
        summary += f", {firing} alerts fired"
    print(summary, file=sys.stderr)
    return 0


def _mentions(args: argparse.Namespace) -> list[MentionRecord]:
    if args.mentions is not None:
        return read_mentions_jsonl(args.mentions, args.entity)
    config = load_config(args.config)
    until = args.until or datetime.now(UTC)
    since = (args.since or until - timedelta(days=30)) - timedelta(days=29)  # + history
    live = Database(config.database_url)
    try:
        records = read_stored_mentions(live, since, until)
    finally:
        live.dispose()
    if not records:
        raise WardenError(f"no stored mentions between {since:%Y-%m-%d} and {until:%Y-%m-%d}")
    return records


def _zone(text: str) -> str:
    try:
        return check_zone(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "backtest",
        help="replay past mentions or counts through rule files",
        description="Replay stored mentions, a JSONL of mentions or a CSV of counts through "
        "rule files with the live evaluator on a simulated clock, and print the alert "
        "transitions: tune a rule on last month before deploying it.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "rules", nargs="+", type=Path, metavar="RULES", help="rule files or folders"
    )
    data = parser.add_mutually_exclusive_group()
    data.add_argument("--counts", type=Path, metavar="FILE.csv", help="CSV of timestamp,value")
    data.add_argument("--mentions", type=Path, metavar="FILE.jsonl", help="JSONL of mentions")
    parser.add_argument("--entity", help="entity the counts (or unlabelled mentions) are about")
    parser.add_argument(
        "--step", type=_duration, default=BUCKET, help="evaluation step (default 5m)"
    )
    parser.add_argument(
        "--timezone",
        type=_zone,
        default="UTC",
        metavar="ZONE",
        help="IANA time zone the entities' volume profiles are read in (default UTC), "
        "as `timezone` in config.yaml, e.g. Europe/Paris",
    )
    parser.add_argument("--from", dest="since", type=_time, help="first evaluation (UTC)")
    parser.add_argument("--to", dest="until", type=_time, help="last evaluation (UTC)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="JSON lines on stdout (default)")
    output.add_argument("--table", action="store_true", help="a table for humans")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    add_config_option(parser)
    parser.set_defaults(func=run)
