"""`warden db upgrade|current`: apply or inspect the database migrations."""

from __future__ import annotations

import argparse

from warden.cli.common import add_config_option, config_from_args
from warden.store.db import Database

EPILOG = """\
examples:
  warden db upgrade          apply pending migrations (also done at every start)
  warden db current          show the applied and the latest revision
"""


def _upgrade(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    db = Database(config.database_url)
    before = db.current_revision()
    db.upgrade()
    after = db.current_revision()
    if before == after:
        print(f"{db.safe_url}: already at revision {after}")
    else:
        print(f"{db.safe_url}: upgraded {before or '(empty)'} -> {after}")
    return 0


def _current(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    db = Database(config.database_url)
    current, head = db.current_revision(), db.head_revision()
    state = "up to date" if current == head else "upgrade needed: run `warden db upgrade`"
    print(f"{db.safe_url}: revision {current or '(empty)'}, latest {head} ({state})")
    return 0 if current == head else 1


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "db",
        help="database migrations",
        description="Apply or inspect Warden's database migrations.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    upgrade = sub.add_parser("upgrade", help="apply pending migrations")
    add_config_option(upgrade)
    upgrade.set_defaults(func=_upgrade)
    current = sub.add_parser("current", help="show the applied revision")
    add_config_option(current)
    current.set_defaults(func=_current)
