"""`warden backtest`: replay recorded mentions or counts through rule files; print transitions."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from warden.alerts.lifecycle import Transition
from warden.alerts.replay import scratch_database
from warden.cli.common import (
    add_config_option,
    load_for_command,
    plural,
    print_table,
)
from warden.config import READ_ONLY_UNUSED, Config
from warden.detect.localtime import check_zone
from warden.durations import format_duration, parse_duration
from warden.errors import WardenError
from warden.log import configure_logging
from warden.rules.backtest import (
    MIN_STEP,
    MentionFeed,
    MentionRecord,
    load_counts,
    read_counts,
    read_mentions_jsonl,
    read_stored_mentions,
    run_backtest,
    settle_time,
)
from warden.rules.evaluate import WarmUpNotice
from warden.rules.loader import load_rule_paths, rule_files
from warden.sources.settings import SourceSettings
from warden.store.db import Database
from warden.store.rollup import BUCKET

EPILOG = """\
examples:
  warden backtest rules/early-warning.yaml --counts examples/volume.csv --entity "Banque Exemple"
  warden backtest rules/demo.yaml --mentions examples/mentions.jsonl --table
  warden backtest rules/demo.yaml --mentions examples/mentions.jsonl --step 30s \\
      --from 2026-05-06T10:30 --to 2026-05-06T12:00
  warden backtest rules/early-warning.yaml --counts examples/volume.csv --entity "Banque Exemple" \\
      --timezone Europe/Paris                      (profiles on the Paris clock)
  warden backtest rules/ --from 2026-10-01           (the stored mentions of -c config.yaml)

Data (one of):
  --counts FILE.csv     `timestamp,value` rows, one 5-minute bucket per row
  --mentions FILE.jsonl one mention per line: {"published_at": "2026-10-01T09:12:00Z",
                        "text": "...", "entity": "Acme", "source": "x", "author": "@bob",
                        "followers": 1200, "likes": 3, "sentiment": "negative"}
                        (optional "fetched_at": when it was collected; default published_at)
  (neither)             the mentions stored in the database of config.yaml, with their
                        sentiment scores, copied into a scratch store (the live database is
                        only read). They enter it at the times the daemon fetched and scored
                        them, so the replay sees at each step what the daemon saw. Without
                        --from, the last 30 days are replayed (the 29 before are history).

Step (--step): how often the rules are evaluated. Stored mentions: rules.evaluate_every of
the config by default, the daemon's own cadence, so `for:` holds the same way (5m when that
would take more than 20,000 evaluations, as the backtest then says); a mentions file: 5m by
default; any step from 1s. Counts are whole 5-minute buckets, each known only
once it has ended, so with --counts the step is a multiple of 5m.

End: counts end with the file; stored mentions run to --to or now (quiet is data too); a
mentions file runs past its last mention long enough for pending alerts to fire and firing
ones to resolve.

Output: one JSON line per alert transition on stdout
  {"rule": "volume-spike", "labels": {"entity": "Acme"}, "state": "firing", "at": "..."}
(--table prints a table instead; the default is JSON lines unless stdout is a terminal).
Progress and warm-up notices go to stderr. Times are UTC.
"""


STORED_SPAN = timedelta(days=30)
"""What a backtest of the store replays without --from: the last month."""
HISTORY = timedelta(days=29)
"""Stored mentions read before the first evaluation, for the rules that learn what is usual."""
MANY_STEPS = 20_000
"""Most evaluations a default step may cost: past it (2 weeks at 1m, 3.5 days at 15s), a
backtest of the store evaluates every 5 minutes instead of at the daemon's cadence, and says
so."""


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

    def step(self, moment: datetime, _n: int) -> None:
        now = time.monotonic()
        if self.quiet or now - self.last < 2:
            return
        self.last = now
        total = (self.end - self.start).total_seconds() or 1
        done = (moment - self.start).total_seconds() / total
        print(f"backtest: {moment:%Y-%m-%d %H:%M} ({done:.0%})", file=sys.stderr)

    def notice(self, notice: WarmUpNotice) -> None:
        if self.quiet:
            return
        labels = ", ".join(f"{k}={v}" for k, v in sorted(notice.labels.items()))
        if notice.warming_up:
            text = f"warming up from {notice.at:%Y-%m-%d %H:%M}: {notice.reason}"
        else:
            text = f"warmed up, judging from {notice.at:%Y-%m-%d %H:%M}"
        print(f"backtest: {notice.rule} {{{labels}}}: {text}", file=sys.stderr)


def _step(args: argparse.Namespace, config: Config | None) -> timedelta:
    """The evaluation step: as given, else the daemon's cadence for stored mentions (`config`
    is the config when they are replayed), else 5m."""
    step: timedelta | None = args.step
    if args.counts is not None:
        step = step or BUCKET
        if step.total_seconds() % BUCKET.total_seconds():
            raise WardenError(
                f"--step {format_duration(step)}: with --counts each row is a whole 5-minute "
                "bucket, known only once it has ended, so the step is a multiple of 5m (5m, "
                "15m, 1h); to evaluate more often, replay mentions (--mentions, or the stored "
                "ones)"
            )
        return step
    if step is None:
        step = config.rules.evaluate_every if config is not None else BUCKET
    if step < MIN_STEP:
        raise WardenError(f"--step {format_duration(step)}: expected at least 1s")
    return step


def run(args: argparse.Namespace) -> int:
    # The transitions are the report: the replayed lifecycle's alert.* lines (a critical alert
    # logs at error) would repeat them on stderr; only a failure of the command itself shows.
    configure_logging("critical", "console")
    if args.since is not None and args.until is not None and args.since >= args.until:
        raise WardenError(
            f"--from {args.since:%Y-%m-%d %H:%M} is not before --to {args.until:%Y-%m-%d %H:%M} "
            "(UTC): nothing to replay; give --from the earlier moment"
        )
    ruleset = load_rule_paths(_rule_paths(args.rules))
    if not len(ruleset):
        raise WardenError("no rules in the given files")
    named = sorted({e for r in ruleset.rules for e in r.rule.entities})
    stored = args.counts is None and args.mentions is None
    config = load_for_command(args.config, READ_ONLY_UNUSED) if stored else None
    step = _step(args, config)
    now = datetime.now(UTC)
    if args.counts is None and args.mentions is None and args.since is None:
        args.since = (args.until or now) - STORED_SPAN  # the store: last month by default
    say = _Say(args.quiet)
    began = time.monotonic()
    firing = 0
    with tempfile.TemporaryDirectory(prefix="warden-backtest-") as scratch:
        db = scratch_database(Path(scratch))
        try:
            feed: MentionFeed | None = None
            sources: list[SourceSettings] = []
            zones = _Zones()
            if args.counts is not None:
                entity = args.entity or (named[0] if len(named) == 1 else "series")
                counts = read_counts(args.counts)
                load_counts(db, entity, counts)
                entities = [entity]
                # Evaluate at the end of each step-sized bucket, once its count is complete.
                first, last = _step_end(counts[0][0], step), _step_end(counts[-1][0], step)
                end = min(last, args.until) if args.until else last  # counts end with the file
            else:
                records, sources, zones = _mentions(args, config)
                feed = MentionFeed(db, records)
                entities = sorted({e for r in records for e in r.entities} | set(named))
                if args.entity:
                    entities = [args.entity]
                first = _step_end(records[0].published_at, step)
                if args.until is not None:  # quiet after the last mention is data too
                    end = args.until
                elif args.mentions is None:  # the store: what the daemon saw up to now
                    end = now
                else:  # a file: long enough for the last mentions' alerts to play out
                    end = _step_end(feed.last_visible_at + settle_time(ruleset), step)
            start = max(first, args.since) if args.since else first
            cadence = step
            if args.step is None and feed is not None and (end - start) / step > MANY_STEPS:
                step = max(step, BUCKET)  # the daemon's cadence would take too long
                start = max(_step_end(records[0].published_at, step), args.since or start)
            say(
                f"backtest: {plural(len(ruleset), 'rule')}, {', '.join(entities)}, "
                f"{start:%Y-%m-%d %H:%M:%S} to {end:%Y-%m-%d %H:%M:%S} "
                f"every {format_duration(step)}"
            )
            if step != cadence:
                say(
                    f"backtest: every {format_duration(step)} rather than every "
                    f"{format_duration(cadence)} (the default: the daemon's cadence), which "
                    f"would take {int((end - start) / cadence):,} evaluations; `for:` and "
                    f"`keep_firing_for` count in {format_duration(step)} steps (--step "
                    f"{format_duration(cadence)} to replay at the daemon's cadence)"
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
                feed,
                sources,
                timezone=args.timezone or zones.default,
                zones=zones.by_entity,
            ):
                firing += transition.state == "firing"
                if table:
                    rows.append(transition)
                else:
                    print(json.dumps(_transition_json(transition), ensure_ascii=False), flush=True)
        finally:
            db.dispose()
    if table:
        when = (
            "%Y-%m-%d %H:%M" if step % timedelta(minutes=1) == timedelta(0) else "%Y-%m-%d %H:%M:%S"
        )
        print_table(
            ["at (UTC)", "state", "rule", "labels"],
            [
                (
                    t.at.strftime(when),
                    t.state,
                    t.rule,
                    ", ".join(f"{k}={v}" for k, v in sorted(t.labels.items())),
                )
                for t in rows
            ],
        )
    took = time.monotonic() - began
    say(f"backtest: done in {took:.1f}s, {plural(firing, 'alert')} fired")
    return 0


class _Say:
    """A line on stderr, unless -q was given."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def __call__(self, text: str) -> None:
        if not self.quiet:
            print(text, file=sys.stderr)


@dataclass(frozen=True)
class _Zones:
    """The time zones volume profiles are read in: per entity, else `default` (IANA names)."""

    default: str = "UTC"
    by_entity: dict[str, str] = field(default_factory=dict)


def _mentions(
    args: argparse.Namespace, config: Config | None
) -> tuple[list[MentionRecord], list[SourceSettings], _Zones]:
    """The mentions to replay, the sources they came from and the entities' time zones (those
    of `config`, for the stored mentions; --timezone overrides them all)."""
    if args.mentions is not None or config is None:
        return read_mentions_jsonl(args.mentions, args.entity), [], _Zones()
    until = args.until or datetime.now(UTC)
    since = args.since - HISTORY  # the rules' history before the first evaluation
    live = Database(config.database_url, existing=True)
    try:
        records = read_stored_mentions(live, since, until)
    finally:
        live.dispose()
    if not records:
        raise WardenError(f"no stored mentions between {since:%Y-%m-%d} and {until:%Y-%m-%d}")
    zones = {e.name: e.timezone for e in config.entities if e.timezone}
    return records, list(config.sources), _Zones(config.timezone, {} if args.timezone else zones)


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
        "--step",
        type=_duration,
        help="how often the rules are evaluated (default: rules.evaluate_every for stored "
        "mentions, 5m for files; a multiple of 5m with --counts)",
    )
    parser.add_argument(
        "--timezone",
        type=_zone,
        metavar="ZONE",
        help="IANA time zone the entities' volume profiles are read in, e.g. Europe/Paris "
        "(default: the config's `timezone` settings for stored mentions, else UTC)",
    )
    parser.add_argument("--from", dest="since", type=_time, help="first evaluation (UTC)")
    parser.add_argument("--to", dest="until", type=_time, help="last evaluation (UTC)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="JSON lines on stdout (default)")
    output.add_argument("--table", action="store_true", help="a table for humans")
    parser.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="nothing on stderr but errors (no progress, warm-up notices or summary)",
    )
    add_config_option(parser)
    parser.set_defaults(func=run)
