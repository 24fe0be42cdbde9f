"""`warden sources status [--json]`: per-source health as recorded by the running daemon."""

from __future__ import annotations

import argparse
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from warden.cli.common import (
    add_config_option,
    add_json_option,
    config_from_args,
    print_json,
    print_table,
)
from warden.clock import SystemClock
from warden.errors import WardenError
from warden.sources.health import SourceHealth, read_health
from warden.store.db import Database

EPILOG = """\
examples:
  warden sources status              one line per source: status, last success, last error
  warden sources status --json       the same as JSON, for scripts and monitoring

status is ok, failing (last poll failed), backing_off (resting after repeated failures or a
rate limit), disabled, or never_polled.
"""


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


def _row(h: SourceHealth) -> list[str]:
    error = (h.last_error or "").replace("\n", " ")
    return [
        h.source,
        h.type or "?",
        h.status,
        _when(h.last_success_at),
        str(h.consecutive_failures),
        str(h.items_last_poll),
        str(h.total_items),
        _when(h.backoff_until) if h.status == "backing_off" else "-",
        (error[:70] + "…") if len(error) > 71 else (error or "-"),
    ]


def _status(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    db = Database(config.database_url)
    try:
        with db.session() as session:
            health = read_health(session, config.sources, SystemClock().now())
    except SQLAlchemyError as exc:
        raise WardenError(
            f"cannot read source health from {db.safe_url} ({type(exc).__name__}); "
            "is the database reachable and migrated (`warden db upgrade`)?"
        ) from None
    finally:
        db.dispose()
    if args.json:
        print_json({"sources": [h.as_json() for h in health]})
        return 0
    if not health:
        print("no sources configured")
        return 0
    headers = [
        "SOURCE",
        "TYPE",
        "STATUS",
        "LAST SUCCESS",
        "FAILURES",
        "ITEMS/POLL",
        "TOTAL",
        "RETRY AT",
        "LAST ERROR",
    ]
    print_table(headers, [_row(h) for h in health])
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sources",
        help="mention sources: health",
        description="Inspect the mention sources the daemon polls.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="sources_command", metavar="SUBCOMMAND", required=True)
    status = sub.add_parser(
        "status",
        help="per-source health: last success, last error, failures, items per poll",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(status)
    add_json_option(status)
    status.set_defaults(func=_status)
