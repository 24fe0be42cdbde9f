"""`warden status`: the installation at a glance (sources, backlog, alerts, outbox, instances)."""

from __future__ import annotations

import argparse
from datetime import datetime

from sqlalchemy.exc import DBAPIError

from warden.alerts.silences import describe
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
from warden.config import READ_ONLY_UNUSED
from warden.errors import WardenError
from warden.sources.health import removed_line
from warden.status import Snapshot, read_snapshot
from warden.store.db import Database, database_problem

EPILOG = """\
examples:
  warden status                      tables: instance, sources, backlog, alerts, silences, outbox
  warden status --json               the same as one JSON object, for scripts
  warden status -c /etc/warden/config.yaml

Exit status: 0 when the database answered (whatever it holds), 1 when it could not be read.
"""


WHY_WIDTH = 70
"""Characters of an alert's reason the table shows (`--json` has all of it)."""


def _when(value: datetime | None) -> str:
    return local_time(value, seconds=True)


def _print(snapshot: Snapshot) -> None:
    listener = snapshot.listener
    if listener.get("running"):
        state = (
            "ready"
            if listener.get("ready")
            else "NOT READY: "
            + ", ".join(
                f"{name} ({check.get('reason')})"
                for name, check in listener.get("checks", {}).items()
                if not check.get("ok")
            )
        )
        print(f"instance: {listener['url'].rsplit('/', 1)[0]} {state}")
    elif listener:
        print(f"instance: not running here ({listener['url']}: {listener['error']})")
    print(f"database: {snapshot.database}")
    if snapshot.instances:
        print("instances: " + ", ".join(i["name"] for i in snapshot.instances))
    print()
    print_table(
        ["source", "type", "status", "last poll", "last success", "failures", "total"],
        [
            [
                h.source,
                h.type or "?",
                h.status,
                _when(h.last_poll_at),
                _when(h.last_success_at),
                h.consecutive_failures,
                h.total_items,
            ]
            for h in snapshot.sources
        ],
    )
    removed = removed_line(snapshot.removed_sources, _when)
    if removed:
        print(removed)
    print()
    oldest = _when(snapshot.oldest_unscored_at)
    print(f"scoring backlog: {snapshot.scoring_backlog} (oldest fetched {oldest})")
    outbox = snapshot.outbox
    print(
        f"outbox: {outbox['pending']} pending ({outbox['failing']} failing), "
        f"{outbox['sent']} sent, {outbox['dead']} dead, {outbox['unconfirmed']} unconfirmed, "
        f"{outbox['superseded']} superseded"
    )
    print()
    if snapshot.firing:
        print_table(
            ["alert", "rule", "severity", "labels", "firing since", "why"],
            [
                [
                    a["id"],
                    a["rule"],
                    a["severity"],
                    " ".join(f"{k}={v}" for k, v in sorted(a["labels"].items())),
                    _when(a["since"]),
                    terminal_safe(a["reason"], WHY_WIDTH) or "-",
                ]
                for a in snapshot.firing
            ],
        )
    else:
        print("firing alerts: none")
    print()
    if snapshot.silences:
        print_table(
            ["silence", "matches", "until", "by", "comment"],
            [
                [s["id"], describe(s["matchers"]), _when(s["until"]), s["by"], s["comment"]]
                for s in snapshot.silences
            ],
        )
    else:
        print("silences: none")
    if snapshot.leases:
        print()
        print_table(
            ["lease", "held by", "until"],
            [[lease.stage, lease.holder, _when(lease.until)] for lease in snapshot.leases],
        )


def _status(args: argparse.Namespace) -> int:
    config = config_from_args(args, READ_ONLY_UNUSED)
    db = Database(config.database_url, existing=True)
    try:
        if db.current_revision() is None:
            raise WardenError(
                f"the database {db.safe_url} holds no Warden tables yet: start Warden "
                "(`warden run`) or create them with `warden db upgrade`"
            )
        snapshot = read_snapshot(config, db, SystemClock().now(), ask_listener=not args.offline)
    except DBAPIError as exc:
        raise WardenError(database_problem(exc, db.safe_url)) from None
    finally:
        db.dispose()
    if args.json:
        print_json(snapshot.as_json())
    else:
        _print(snapshot)
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "status",
        help="sources, backlog, firing alerts, silences, outbox, instances",
        description="Show the state of this Warden installation, read from its database and "
        "from the local instance's /readyz.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(parser)
    add_json_option(parser)
    parser.add_argument(
        "--offline", action="store_true", help="do not ask the local instance's /readyz"
    )
    parser.set_defaults(func=_status)
