"""`warden alerts`, `warden ack`, `warden silence add|list|expire`, `warden notify test`: the
on-call's commands. They read and write the daemon's database; the daemon picks changes up at
its next evaluation."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime, timedelta
from typing import Any

from warden.alerts.ack import acknowledge
from warden.alerts.listing import list_alerts
from warden.cli.common import (
    add_config_option,
    add_json_option,
    config_from_args,
    local_time,
    print_json,
    print_table,
)
from warden.cli.terminal import terminal_safe
from warden.clock import SystemClock
from warden.closest import unknown_hint
from warden.config import READ_ONLY_UNUSED
from warden.durations import parse_duration
from warden.errors import WardenError
from warden.notify.channels import channel_for
from warden.notify.message import MessageView
from warden.notify.render import Renderer
from warden.notify.send import Envelope, send
from warden.notify.words import Words
from warden.store.db import Database

ALERTS_EPILOG = """\
examples:
  warden alerts                      firing, pending and last-24h alerts, one line each
  warden alerts --recent 7d          resolved alerts of the last week too
  warden alerts --json               the same as JSON (labels, silences, acks, delivery)

MUTED says why an alert is not sent (silenced by #3, inhibited by #12); DELIVERY gives, per
receiver, the last message and its status (sent, pending, superseded, unconfirmed, dead), or
"held until ..." when the receiver's quiet hours, or the wait for the sentiment of the
mentions it quotes, keep it back (times are UTC).
"""

ACK_EPILOG = """\
examples:
  warden ack 3f2a9c1b7d04            by the fingerprint prefix printed in the message
  warden ack '#12' --by alice        by number, saying who

An acknowledged alert gets no repeats and no escalation until it resolves.
"""

NOTIFY_EPILOG = """\
examples:
  warden notify test oncall-email    send a test message to every URL of the receiver

Prints, per URL, "sent" or the exact error; exits 1 if any URL failed.
"""


NOTIFY_TEST_WORKERS = 8
"""URLs of a receiver `warden notify test` sends to at the same time."""

WHY_WIDTH = 160
"""Characters of an alert's reason `warden alerts` prints (`--json` has all of it)."""


def current_time() -> datetime:
    return SystemClock().now()


def who(given: str | None) -> str:
    if given:
        return given
    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def duration_option(text: str, option: str) -> timedelta:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise WardenError(f"{option} {text!r}: {exc}") from None


def when(value: datetime | None) -> str:
    """A moment in the config's time zone, for a table: `2026-03-02 13:26 CET`."""
    return local_time(value)


def _alerts(args: argparse.Namespace) -> int:
    config = config_from_args(args, READ_ONLY_UNUSED)
    db = Database(config.database_url, existing=True)
    recent = duration_option(args.recent, "--recent")
    with db.session() as session:
        rows = list_alerts(session, config, current_time(), recent)
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
                when(r.fired_at or r.since),
                str(r.muted) if r.muted else "-",
                r.acked_by or "-",
                " ".join(_delivery(k, d) for k, d in r.delivery.items()) or "-",
            ]
            for r in rows
        ],
    )
    for r in rows:
        if r.reason and r.state != "resolved":
            print(f"#{r.id} why: {terminal_safe(r.reason, WHY_WIDTH)}")
        if r.held_since is not None:
            held = when(r.held_since)
            print(f"#{r.id} condition last held at {held}; kept firing by keep_firing_for")
    dead = [
        (r.id, k, v) for r in rows for k, v in r.errors.items() if r.delivery[k]["status"] == "dead"
    ]
    for alert_id, receiver, error in dead:
        print(f"#{alert_id} to {receiver}: dead: {error}")
    for r in rows:
        for k, d in r.delivery.items():
            if d["status"] == "held":
                until = when(datetime.fromisoformat(d["until"]))
                why = _HELD_BY.get(d.get("held_by") or "", "held")
                print(f"#{r.id} to {k}: {d['kind']} {why} until {until}")
    return 0


_HELD_BY = {
    "quiet_hours": "held by quiet hours",
    "scores": "held for the sentiment of the mentions it quotes",
}


def _delivery(receiver: str, d: dict[str, Any]) -> str:
    """`oncall:firing/sent`, or `oncall:firing/held-until-06:00` for a message quiet hours
    hold back (one word, so the column stays one field per receiver)."""
    if d["status"] == "held":
        until = local_time(datetime.fromisoformat(d["until"]), date=False).replace(" ", "-")
        return f"{receiver}:{d['kind']}/held-until-{until}"
    return f"{receiver}:{d['kind']}/{d['status']}"


def _ack(args: argparse.Namespace) -> int:
    config = config_from_args(args, READ_ONLY_UNUSED)
    db = Database(config.database_url, existing=True)
    with db.session() as session:
        alert = acknowledge(session, args.alert, who(args.by), current_time())
        result = {"id": alert.id, "fingerprint": alert.fingerprint, "acked_by": alert.acked_by}
    if args.json:
        print_json(result)
    else:
        print(f"alert #{result['id']} acknowledged by {result['acked_by']}")
    return 0


def _notify_test(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    receiver = config.receiver(args.receiver)
    if receiver is None:
        hint = unknown_hint(args.receiver, [r.name for r in config.receivers], "receivers")
        raise WardenError(f"no receiver {args.receiver!r} in {args.config}{hint}")
    words = Words(receiver.language, receiver.timezone)
    renderer = Renderer(config.notifications.templates_dir)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    total = len(receiver.urls)

    def attempt(index: int) -> dict[str, Any]:
        url = receiver.urls[index]
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
        return {"url": index + 1, "kind": channel.kind, "error": outcome.error}

    # Every URL at once: one unreachable server costs its timeout once, not once per URL
    # after it. Each line is printed as its URL answers.
    results = []
    # With --json, stdout holds the JSON alone: a console:// receiver prints to stderr.
    quiet = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    with quiet, ThreadPoolExecutor(max_workers=min(NOTIFY_TEST_WORKERS, total) or 1) as pool:
        for done in as_completed([pool.submit(attempt, i) for i in range(total)]):
            r = done.result()
            results.append(r)
            if args.json:
                continue
            where = f"{receiver.name} URL {r['url']} of {total} ({r['kind']})"
            if r["error"] is None:
                print(f"sent: {where}", flush=True)
            else:
                print(f"failed: {where}: {r['error']}", file=sys.stderr, flush=True)
    results.sort(key=lambda r: int(r["url"]))
    failed = sum(r["error"] is not None for r in results)
    if args.json:
        print_json({"receiver": receiver.name, "results": results})
    return 1 if failed else 0


def command_parser(
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
    alerts = command_parser(
        subparsers, "alerts", "firing, pending and recent alerts", ALERTS_EPILOG
    )
    alerts.add_argument(
        "--recent", default="24h", metavar="DURATION", help="resolved alerts this far back"
    )
    alerts.set_defaults(func=_alerts)

    ack = command_parser(
        subparsers, "ack", "acknowledge an alert: no repeats, no escalation", ACK_EPILOG
    )
    ack.add_argument("alert", help="alert number (#12) or fingerprint prefix")
    ack.add_argument("--by", help="who acknowledges (default: your user name)")
    ack.set_defaults(func=_ack)

    notify = subparsers.add_parser(
        "notify",
        help="try receivers",
        description="Check that receivers can be reached.",
        epilog=NOTIFY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    nsub = notify.add_subparsers(dest="notify_command", metavar="SUBCOMMAND", required=True)
    test = command_parser(nsub, "test", "send a test message to a receiver", NOTIFY_EPILOG)
    test.add_argument("receiver", help="receiver name from config.yaml")
    test.set_defaults(func=_notify_test)
