"""`warden silence add|list|expire`: mute alerts matching labels for a while, list the
silences and end one early. They write the daemon's database; the daemon applies them at its
next evaluation."""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import datetime, timedelta

from sqlalchemy import select

from warden.alerts import silences
from warden.alerts.ack import find_alert
from warden.cli.alerts import command_parser, current_time, duration_option, when, who
from warden.cli.common import config_from_args, plural, print_json, print_table
from warden.config import READ_ONLY_UNUSED, Config
from warden.errors import ConfigError, WardenError
from warden.rules.loader import load_rules
from warden.store.db import Database
from warden.store.models import Alert, Silence

SILENCE_EPILOG = """\
examples:
  warden silence add entity=Acme --duration 2h --comment "known outage, comms on it"
  warden silence add rule=acme-volume 'source=~rss|x' --duration 30m --comment "feed test"
  warden silence add --alert 3f2a9c1b7d04 --duration 2h --comment "handled"
  warden silence list                silences in force
  warden silence list --all --json   expired ones too, as JSON
  warden silence expire 4            end silence #4 now

Matchers: name=value, name!=value, name=~regex, name!~regex; rule and severity match too.
A label no rule or current alert has is refused (a typo silences nothing) unless --force;
`silence add` says how many current alerts match, and warns when none does. At most 365d.
Silenced alerts are still recorded and listed by `warden alerts`; they are only not sent.
"""


MAX_SILENCE = timedelta(days=365)
"""Longest silence: past a year it is forgotten, not meant (expire and re-add to extend)."""


def _silence_id(text: str) -> int:
    """A silence number as typed (`4` or `#4`) for argparse."""
    try:
        number = int(text.strip().removeprefix("#"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a silence number (like 4 or #4; see `warden silence list`)"
        ) from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a silence number (1 or more)")
    return number


def _known_labels(config: Config, current: list[Alert]) -> set[str]:
    """Label names an alert can carry: the rules' (group_by, labels), and current alerts'."""
    known = {"rule", "severity"}
    with contextlib.suppress(ConfigError):  # broken rule files: `warden check` says why
        known |= load_rules(config).label_names()
    for alert in current:
        known |= set(alert.labels)
    return known


def _silence_add(args: argparse.Namespace) -> int:
    config = config_from_args(args, READ_ONLY_UNUSED)
    db = Database(config.database_url, existing=True)
    matchers = [silences.parse_matcher(m) for m in args.matchers]
    duration = duration_option(args.duration, "--duration")
    if duration > MAX_SILENCE:
        raise WardenError(
            f"--duration {args.duration}: longer than a year (365d); silence for less, and "
            "add a new silence when it ends if the reason still holds"
        )
    with db.session() as session:
        current = list(session.scalars(select(Alert).where(Alert.state.in_(("firing", "pending")))))
        known = _known_labels(config, current)
        unknown = sorted({m["name"] for m in matchers} - known)
        if unknown and not args.force:
            raise WardenError(
                f"no rule or alert has the label {', '.join(map(repr, unknown))} "
                f"(labels: {', '.join(sorted(known))}); check the spelling, or --force"
            )
        if args.alert:
            alert = find_alert(session, args.alert)
            matchers = (
                [{"name": "rule", "op": "=", "value": alert.rule}]
                + [{"name": k, "op": "=", "value": v} for k, v in sorted(alert.labels.items())]
                + matchers
            )
            if not silences.matches(matchers, silences.alert_labels(alert)) and not args.force:
                raise WardenError(
                    f"the matchers given with --alert do not match alert #{alert.id} itself "
                    f"(its labels: {silences.describe(matchers[: len(alert.labels) + 1])}); "
                    "drop them, or --force"
                )
        silence = silences.add(
            session, matchers, duration, who(args.author), args.comment, current_time()
        )
        matching = sum(
            silences.matches(silence.matchers, silences.alert_labels(a)) for a in current
        )
        result = {**_silence_json(silence), "matching": matching}
    if args.json:
        print_json(result)
        return 0
    print(
        f"silence #{result['id']} until {when(silence.ends_at)}: "
        f"{silences.describe(silence.matchers)} ({plural(matching, 'current alert')} match)"
    )
    if matching == 0:
        print(
            "warning: it matches no firing or pending alert now (it will mute later ones "
            "that match; check the matchers with `warden alerts`)",
            file=sys.stderr,
        )
    return 0


def _silence_json(s: Silence) -> dict[str, object]:
    return {
        "id": s.id,
        "matchers": [{"name": m["name"], "op": m["op"], "value": m["value"]} for m in s.matchers],
        "starts_at": s.starts_at.isoformat(),
        "ends_at": s.ends_at.isoformat(),
        "created_by": s.created_by,
        "comment": s.comment,
    }


def _silence_list(args: argparse.Namespace) -> int:
    config = config_from_args(args, READ_ONLY_UNUSED)
    db = Database(config.database_url, existing=True)
    now = current_time()
    with db.session() as session:
        query = select(Silence).order_by(Silence.id)
        if not args.all:
            query = query.where(Silence.ends_at > now)
        rows = [(_silence_json(s), s.ends_at > now) for s in session.scalars(query)]
    if args.json:
        print_json([{**r, "active": active} for r, active in rows])
        return 0
    if not rows:
        print("no silences" if args.all else "no active silences")
        return 0
    print_table(
        ["ID", "MATCHERS", "UNTIL", "BY", "COMMENT", "STATE"],
        [
            [
                f"#{r['id']}",
                silences.describe(r["matchers"]),  # type: ignore[arg-type]
                when(datetime.fromisoformat(str(r["ends_at"]))),
                r["created_by"],
                r["comment"],
                "active" if active else "expired",
            ]
            for r, active in rows
        ],
    )
    return 0


def _silence_expire(args: argparse.Namespace) -> int:
    config = config_from_args(args, READ_ONLY_UNUSED)
    db = Database(config.database_url, existing=True)
    with db.session() as session:
        silence, was_active = silences.expire(session, args.id, current_time())
        result = {**_silence_json(silence), "was_active": was_active}
    if args.json:
        print_json(result)
    elif was_active:
        print(f"silence #{result['id']} expired")
    else:
        print(f"silence #{result['id']} had already expired at {when(silence.ends_at)}; unchanged")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    silence = subparsers.add_parser(
        "silence",
        help="mute alerts matching labels for a while",
        description="Silences: alerts whose labels match are recorded but not sent.",
        epilog=SILENCE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = silence.add_subparsers(dest="silence_command", metavar="SUBCOMMAND", required=True)
    add = command_parser(sub, "add", "create a silence", SILENCE_EPILOG)
    add.add_argument("matchers", nargs="*", metavar="MATCHER", help="name=value, name=~regex, ...")
    add.add_argument("--alert", help="silence this alert's rule and labels (number or prefix)")
    add.add_argument("--duration", required=True, help="how long, e.g. 2h")
    add.add_argument("--comment", required=True, help="why (shown to everyone)")
    add.add_argument("--author", help="who (default: your user name)")
    add.add_argument(
        "--force", action="store_true", help="accept label names no rule or alert has (yet)"
    )
    add.set_defaults(func=_silence_add)
    listing = command_parser(sub, "list", "list silences", SILENCE_EPILOG)
    listing.add_argument("--all", action="store_true", help="expired silences too")
    listing.set_defaults(func=_silence_list)
    expire = command_parser(sub, "expire", "end a silence now", SILENCE_EPILOG)
    expire.add_argument("id", type=_silence_id, help="silence number (4 or #4)")
    expire.set_defaults(func=_silence_expire)
