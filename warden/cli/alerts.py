"""`warden alerts`, `warden ack`, `warden silence add|list|expire`, `warden notify test`: the
on-call's commands. They read and write the daemon's database; the daemon picks changes up at
its next evaluation."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from warden.alerts import silences
from warden.alerts.ack import acknowledge, find_alert
from warden.alerts.listing import list_alerts
from warden.cli.common import (
    add_config_option,
    add_json_option,
    config_from_args,
    plural,
    print_json,
    print_table,
)
from warden.clock import SystemClock
from warden.config import Config
from warden.durations import parse_duration
from warden.errors import ConfigError, WardenError
from warden.notify.channels import channel_for
from warden.notify.message import MessageView
from warden.notify.render import Renderer
from warden.notify.send import Envelope, send
from warden.notify.words import Words
from warden.rules.loader import load_rules
from warden.store.db import Database
from warden.store.models import Alert, Silence

ALERTS_EPILOG = """\
examples:
  warden alerts                      firing, pending and last-24h alerts, one line each
  warden alerts --recent 7d          resolved alerts of the last week too
  warden alerts --json               the same as JSON (labels, silences, acks, delivery)

MUTED says why an alert is not sent (silenced by #3, inhibited by #12); DELIVERY gives, per
receiver, the last message and its status (sent, pending, superseded, unconfirmed, dead).
"""

ACK_EPILOG = """\
examples:
  warden ack 3f2a9c1b7d04            by the fingerprint prefix printed in the message
  warden ack '#12' --by alice        by number, saying who

An acknowledged alert gets no repeats and no escalation until it resolves.
"""

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

NOTIFY_EPILOG = """\
examples:
  warden notify test oncall-email    send a test message to every URL of the receiver

Prints, per URL, "sent" or the exact error; exits 1 if any URL failed.
"""


def _now() -> datetime:
    return SystemClock().now()


def _who(given: str | None) -> str:
    if given:
        return given
    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _duration(text: str, option: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise WardenError(f"{option} {text!r}: {exc}") from None


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _alerts(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    db = Database(config.database_url, existing=True)
    recent = _duration(args.recent, "--recent")
    with db.session() as session:
        rows = list_alerts(session, config, _now(), recent)
    if args.json:
        print_json([r.as_json() for r in rows])
        return 0
    if not rows:
        print("no firing, pending or recent alerts")
        return 0
    print_table(
        [
            "ID",
            "FINGERPRINT",
            "STATE",
            "SEVERITY",
            "RULE",
            "LABELS",
            "SINCE",
            "MUTED",
            "ACK",
            "DELIVERY",
        ],
        [
            [
                f"#{r.id}",
                r.fingerprint[:12],
                r.state,
                r.severity,
                r.rule,
                ",".join(f"{k}={v}" for k, v in sorted(r.labels.items())),
                _when(r.fired_at or r.since),
                str(r.muted) if r.muted else "-",
                r.acked_by or "-",
                " ".join(f"{k}:{d['kind']}/{d['status']}" for k, d in r.delivery.items()) or "-",
            ]
            for r in rows
        ],
    )
    dead = [
        (r.id, k, v) for r in rows for k, v in r.errors.items() if r.delivery[k]["status"] == "dead"
    ]
    for alert_id, receiver, error in dead:
        print(f"#{alert_id} to {receiver}: dead: {error}")
    return 0


def _ack(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    db = Database(config.database_url, existing=True)
    with db.session() as session:
        alert = acknowledge(session, args.alert, _who(args.by), _now())
        result = {"id": alert.id, "fingerprint": alert.fingerprint, "acked_by": alert.acked_by}
    if args.json:
        print_json(result)
    else:
        print(f"alert #{result['id']} acknowledged by {result['acked_by']}")
    return 0


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
    config = config_from_args(args)
    db = Database(config.database_url, existing=True)
    matchers = [silences.parse_matcher(m) for m in args.matchers]
    duration = _duration(args.duration, "--duration")
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
        silence = silences.add(session, matchers, duration, _who(args.author), args.comment, _now())
        matching = sum(
            silences.matches(silence.matchers, silences.alert_labels(a)) for a in current
        )
        result = {**_silence_json(silence), "matching": matching}
    if args.json:
        print_json(result)
        return 0
    print(
        f"silence #{result['id']} until {result['ends_at']}: "
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
    config = config_from_args(args)
    db = Database(config.database_url, existing=True)
    now = _now()
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
                str(r["ends_at"])[:16],
                r["created_by"],
                r["comment"],
                "active" if active else "expired",
            ]
            for r, active in rows
        ],
    )
    return 0


def _silence_expire(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    db = Database(config.database_url, existing=True)
    with db.session() as session:
        silence, was_active = silences.expire(session, args.id, _now())
        result = {**_silence_json(silence), "was_active": was_active}
    if args.json:
        print_json(result)
    elif was_active:
        print(f"silence #{result['id']} expired")
    else:
        print(f"silence #{result['id']} had already expired at {_when(silence.ends_at)}; unchanged")
    return 0


def _notify_test(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    receiver = config.receiver(args.receiver)
    if receiver is None:
        names = ", ".join(r.name for r in config.receivers) or "none"
        raise WardenError(f"no receiver {args.receiver!r} in {args.config} (receivers: {names})")
    words = Words(receiver.language, receiver.timezone)
    renderer = Renderer(config.notifications.templates_dir)
    failed = 0
    results = []
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for index, url in enumerate(receiver.urls):
        channel = channel_for(url, receiver.kind)
        message = renderer.render(MessageView("test", []), channel, words, receiver.max_length)
        envelope = Envelope(
            title=message.title or "[TEST] Warden",
            body=message.body,
            html=message.html,
            severity="info",
            kind="test",
            idempotency_key=f"test:{receiver.name}:{index}:{stamp}",
        )
        outcome = send(url, channel, envelope, receiver.timeout.total_seconds())
        results.append({"url": index + 1, "kind": channel.kind, "error": outcome.error})
        if outcome.error is not None:
            failed += 1
    if args.json:
        print_json({"receiver": receiver.name, "results": results})
    else:
        for r in results:
            where = f"{receiver.name} URL {r['url']} of {len(receiver.urls)} ({r['kind']})"
            if r["error"] is None:
                print(f"sent: {where}")
            else:
                print(f"failed: {where}: {r['error']}", file=sys.stderr)
    return 1 if failed else 0


def _parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_: str, epilog: str
) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        name,
        help=help_,
        description=help_[0].upper() + help_[1:] + ".",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(parser)
    add_json_option(parser)
    return parser


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    alerts = _parser(subparsers, "alerts", "firing, pending and recent alerts", ALERTS_EPILOG)
    alerts.add_argument(
        "--recent", default="24h", metavar="DURATION", help="resolved alerts this far back"
    )
    alerts.set_defaults(func=_alerts)

    ack = _parser(subparsers, "ack", "acknowledge an alert: no repeats, no escalation", ACK_EPILOG)
    ack.add_argument("alert", help="alert number (#12) or fingerprint prefix")
    ack.add_argument("--by", help="who acknowledges (default: your user name)")
    ack.set_defaults(func=_ack)

    silence = subparsers.add_parser(
        "silence",
        help="mute alerts matching labels for a while",
        description="Silences: alerts whose labels match are recorded but not sent.",
        epilog=SILENCE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = silence.add_subparsers(dest="silence_command", metavar="SUBCOMMAND", required=True)
    add = _parser(sub, "add", "create a silence", SILENCE_EPILOG)
    add.add_argument("matchers", nargs="*", metavar="MATCHER", help="name=value, name=~regex, ...")
    add.add_argument("--alert", help="silence this alert's rule and labels (number or prefix)")
    add.add_argument("--duration", required=True, help="how long, e.g. 2h")
    add.add_argument("--comment", required=True, help="why (shown to everyone)")
    add.add_argument("--author", help="who (default: your user name)")
    add.add_argument(
        "--force", action="store_true", help="accept label names no rule or alert has (yet)"
    )
    add.set_defaults(func=_silence_add)
    listing = _parser(sub, "list", "list silences", SILENCE_EPILOG)
    listing.add_argument("--all", action="store_true", help="expired silences too")
    listing.set_defaults(func=_silence_list)
    expire = _parser(sub, "expire", "end a silence now", SILENCE_EPILOG)
    expire.add_argument("id", type=_silence_id, help="silence number (4 or #4)")
    expire.set_defaults(func=_silence_expire)

    notify = subparsers.add_parser(
        "notify",
        help="try receivers",
        description="Check that receivers can be reached.",
        epilog=NOTIFY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    nsub = notify.add_subparsers(dest="notify_command", metavar="SUBCOMMAND", required=True)
    test = _parser(nsub, "test", "send a test message to a receiver", NOTIFY_EPILOG)
    test.add_argument("receiver", help="receiver name from config.yaml")
    test.set_defaults(func=_notify_test)
