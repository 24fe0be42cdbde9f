"""`warden report`: the digest of a period on demand: a table, JSON, or an HTML file with charts."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError

from warden.cli.common import (
    add_config_option,
    add_json_option,
    config_from_args,
    print_json,
    print_table,
)
from warden.clock import SystemClock
from warden.closest import unknown_hint
from warden.config import READ_ONLY_UNUSED, Config
from warden.detect.localtime import check_zone
from warden.durations import parse_duration
from warden.errors import WardenError
from warden.folding import fold
from warden.notify.words import Words
from warden.report.data import ReportData, read_report
from warden.report.period import period_ending
from warden.report.render import ReportWords, render_report
from warden.report.response import ResponseTime
from warden.rules.loader import RuleSet, load_rules
from warden.store.db import Database, database_problem

EPILOG = """\
examples:
  warden report                                  the last 7 days of every brand, as a table
  warden report --period 24h --entity Acme       one brand (and its competitors), last day
  warden report --period 7d --to digest.html     the e-mail digest as an HTML file, with charts
  warden report --lang fr --timezone Europe/Paris --to synthese.html
  warden report --end 2026-11-30T08:00 --json    the numbers of the week before that time

A brand is compared with the `competitors:` of its entity in config.yaml; by default every
entity of kind brand is reported; --entity matches names whatever their case or accents.
A period of 3 days or more is cut into calendar days of --timezone (today so far is the last
one), a shorter one into clock hours. --end may not be in the future; without a zone it is
read in --timezone (default: the config's timezone). The response time needs the brand's
`accounts:`. Read-only: the database must exist (`warden db upgrade` creates it).

Exit status: 0 when the report was written, 1 when the database could not be read.
"""


def _duration(text: str) -> timedelta:
    try:
        span = parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if span <= timedelta(0):
        raise argparse.ArgumentTypeError(f"expected a positive duration, got {text!r}")
    return span


def _top(text: str) -> int:
    if not text.isdigit() or int(text) > 50:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 50, got {text!r}")
    return int(text)


def _zone(text: str) -> str:
    try:
        return check_zone(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _moment(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected an ISO-8601 date or time (2026-11-30T08:00), got {text!r}"
        ) from None


COLUMNS = {
    "en": ["entity", "mentions", "trend", "share", "negative", "neutral", "positive", "alerts",
           "response"],
    "fr": ["entité", "mentions", "évolution", "part de voix", "négatives", "neutres",
           "positives", "alertes", "réponse"],
}  # fmt: skip
RESPONSE = {
    "en": {
        "none": "no reply data",
        "nothing": "nothing addressed",
        "answered": "{answered}/{addressed} answered, median {median}",
    },
    "fr": {
        "none": "pas de données de réponse",
        "nothing": "rien d’adressé",
        "answered": "{answered}/{addressed} répondues, médiane {median}",
    },
}


def _print(data: ReportData, words: ReportWords) -> None:
    period = words.span(data.period.start, data.period.end)
    print(f"{words['period']}{words['colon']} {period}")
    print(words.compared(data.period))
    for comparison in data.comparisons:
        print()
        print_table(
            COLUMNS[words.language],
            [
                [
                    e.name,
                    words.number(e.volume),
                    words.change(e),
                    words.ratio(e.share),
                    words.number(e.sentiment["negative"]),
                    words.number(e.sentiment["neutral"]),
                    words.number(e.sentiment["positive"]),
                    words.number(len(e.alerts)),
                    _response(e.response, words) if e.has_accounts else "",
                ]
                for e in comparison.entities
            ],
        )
        for e in comparison.entities:
            for a in e.alerts:
                end = words.time(a.resolved_at) if a.resolved_at else words["open"]
                print(f"  ! {e.name}: {a.summary} ({words[a.severity]}, "
                      f"{words.time(a.fired_at)} → {end})")  # fmt: skip


def _response(response: ResponseTime | None, words: Words) -> str:
    said = RESPONSE[words.language]
    if response is None:
        return said["none"]
    if not response.addressed:
        return said["nothing"]
    median = words.duration(response.median) if response.median is not None else "-"
    return said["answered"].format(
        answered=response.answered, addressed=response.addressed, median=median
    )


def _entity_names(config: Config, asked: list[str] | None) -> list[str] | None:
    """`asked` as the config spells them, matched case- and accent-insensitively; raises
    WardenError for a name that is no entity (listing them)."""
    if not asked:
        return None
    by_fold = {fold(e.name): e.name for e in config.entities}
    out = []
    for name in asked:
        found = by_fold.get(fold(name.strip()))
        if found is None:
            hint = unknown_hint(name, by_fold.values(), "entities")
            raise WardenError(f"--entity {name!r} is not an entity of config.yaml{hint}")
        out.append(found)
    return out


def _rules(config: Config) -> RuleSet | None:
    """The rules, for the alerts' summaries; None when they cannot be loaded (a report does
    not need them: summaries then fall back to each alert's reason)."""
    try:
        return load_rules(config)
    except WardenError:
        return None


def run_report(args: argparse.Namespace) -> int:
    config = config_from_args(args, READ_ONLY_UNUSED)
    entities = _entity_names(config, args.entity)
    timezone = args.timezone or config.timezone
    now = SystemClock().now()
    end = args.end or now
    if end.tzinfo is None:
        end = end.replace(tzinfo=ZoneInfo(timezone))
    end = end.astimezone(UTC)
    if end > now + timedelta(minutes=1):
        raise WardenError(
            f"--end {args.end.isoformat()} is in the future (now {now:%Y-%m-%dT%H:%M}Z): "
            "a report covers what has happened; leave --end out for a period ending now"
        )
    period = period_ending(end, args.period, timezone)
    db = Database(config.database_url, existing=True)
    try:
        if db.current_revision() is None:
            raise WardenError(
                f"the database {db.safe_url} holds no Warden tables yet: start Warden "
                "(`warden run`) or create them with `warden db upgrade`"
            )
        with db.session() as session:
            data = read_report(
                session, config, period, now, entities, args.top, _rules(config), args.lang
            )
    except DBAPIError as exc:
        raise WardenError(database_problem(exc, db.safe_url)) from None
    finally:
        db.dispose()
    if args.to is not None:
        rendered = render_report(data, args.lang, timezone)
        try:
            args.to.write_text(rendered.html, encoding="utf-8")
        except OSError as exc:
            raise WardenError(f"cannot write {args.to}: {exc.strerror}") from None
    if args.json:
        print_json(data.as_json())
    elif args.to is not None:
        print(f"{args.to}: {len(data.comparisons)} comparison(s), {args.lang}, {timezone}")
        for name in entities or ():
            print(f"entity: {name}")
    else:
        if entities and [n.strip() for n in args.entity] != entities:
            print(f"entity: {', '.join(entities)}")
        _print(data, ReportWords(args.lang, timezone))
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report",
        help="share of voice, sentiment, trends, alerts and top mentions of a period",
        description="Report a period: for each brand and its competitors, mentions, share of "
        "voice, sentiment, trend against the previous period, alerts, most-engaged negative and "
        "positive mentions, and the response time of the brand's accounts.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(parser)
    add_json_option(parser)
    parser.add_argument(
        "--period", type=_duration, default=timedelta(days=7), help="span reported (default 7d)"
    )
    parser.add_argument(
        "--to", type=Path, metavar="FILE.html", help="write the HTML digest (charts inline) here"
    )
    parser.add_argument(
        "--entity",
        action="append",
        metavar="NAME",
        help="report this entity and its competitors (repeatable; default every brand)",
    )
    parser.add_argument("--lang", choices=["en", "fr"], default="en", help="language (en)")
    parser.add_argument(
        "--timezone", type=_zone, metavar="ZONE", help="zone of dates (default: config's)"
    )
    parser.add_argument(
        "--end", type=_moment, metavar="DATETIME", help="end of the period (default: now)"
    )
    parser.add_argument(
        "--top", type=_top, default=3, metavar="N", help="top mentions per sentiment (default 3)"
    )
    parser.set_defaults(func=run_report)
