"""`warden db upgrade|current|prune`: apply or inspect the migrations, delete old mentions."""

from __future__ import annotations

import argparse
import json
import sys

from warden.cli.common import (
    add_config_option,
    config_from_args,
    local_time,
    plural,
)
from warden.clock import SystemClock
from warden.config import READ_ONLY_UNUSED
from warden.durations import parse_duration
from warden.store.db import Database, NoDatabase
from warden.store.retention import prune

EPILOG = """\
examples:
  warden db upgrade          apply pending migrations (also done at every start)
  warden db current          show the applied and the latest revision
  warden db prune --dry-run  what database.keep_mentions would delete now
  warden db prune --older-than 180d --json
"""


UPGRADE_EPILOG = """\
examples:
  warden db upgrade                      the database of ./config.yaml
  warden db upgrade -c /etc/warden/config.yaml
"""

CURRENT_EPILOG = """\
examples:
  warden db current                      the applied and the latest revision
  warden db current || warden db upgrade

Exit status: 0 when up to date, 1 when an upgrade is needed or there is no database yet.
"""

PRUNE_EPILOG = """\
examples:
  warden db prune --dry-run              what database.keep_mentions would delete now
  warden db prune                        delete it (progress on a terminal)
  warden db prune --older-than 120d      another period, at least 35d
  warden db prune --dry-run --json       {"before": "...", "mentions": 1200, "buckets": 300, ...}
"""


def _upgrade(args: argparse.Namespace) -> int:
    config = config_from_args(args, READ_ONLY_UNUSED)
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
    config = config_from_args(args, READ_ONLY_UNUSED)
    try:
        db = Database(config.database_url, existing=True)
    except NoDatabase as exc:
        print(f"{exc}; nothing was created", file=sys.stderr)
        return 1
    try:
        current, head = db.current_revision(), db.head_revision()
    finally:
        db.dispose()
    state = "up to date" if current == head else "upgrade needed: run `warden db upgrade`"
    print(f"{db.safe_url}: revision {current or '(empty)'}, latest {head} ({state})")
    return 0 if current == head else 1


def _prune(args: argparse.Namespace) -> int:
    config = config_from_args(args, READ_ONLY_UNUSED)
    try:
        keep = parse_duration(args.older_than) if args.older_than else None
    except ValueError as exc:
        print(f"warden db prune: --older-than: {exc}", file=sys.stderr)
        return 2
    keep = keep or config.database.keep_mentions
    if keep is None:
        print(
            "warden db prune: no period: set database.keep_mentions in config.yaml "
            "or pass --older-than (e.g. 180d)",
            file=sys.stderr,
        )
        return 2
    db = Database(config.database_url)
    db.upgrade()

    def progress(done: int, total: int) -> None:
        if not args.json and sys.stderr.isatty():
            print(f"\r  {done:,} / {total:,} mentions deleted", end="", file=sys.stderr)

    try:
        result = prune(db, keep, SystemClock().now(), dry_run=args.dry_run, on_progress=progress)
    except ValueError as exc:
        print(f"warden db prune: {exc}", file=sys.stderr)
        return 2
    if not args.json and sys.stderr.isatty() and result.mentions and not args.dry_run:
        print(file=sys.stderr)
    if args.json:
        print(
            json.dumps(
                {
                    "before": result.cutoff.isoformat(),
                    "mentions": result.mentions,
                    "buckets": result.buckets,
                    "labelled_kept": result.labelled_kept,
                    "dry_run": result.dry_run,
                }
            )
        )
        return 0
    verb = "would delete" if result.dry_run else "deleted"
    print(
        f"{db.safe_url}: {verb} {plural(result.mentions, 'mention')} and "
        f"{plural(result.buckets, 'rolled-up bucket')} published before "
        f"{local_time(result.cutoff)}; kept "
        f"{plural(result.labelled_kept, 'older mention')} labelled by an operator"
    )
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "db",
        help="database migrations and retention",
        description="Apply or inspect Warden's database migrations; delete old mentions.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="db_command", metavar="SUBCOMMAND", required=True)
    upgrade = sub.add_parser(
        "upgrade",
        help="apply pending migrations",
        description="Apply every pending migration to the database of config.yaml, creating "
        "it when there is none. The daemon does the same at every start; safe to repeat.",
        epilog=UPGRADE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(upgrade)
    upgrade.set_defaults(func=_upgrade)
    current = sub.add_parser(
        "current",
        help="show the applied revision",
        description="Show the migration revision the database is at and the latest one. "
        "Only reads: a database that does not exist yet is reported, not created.",
        epilog=CURRENT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(current)
    current.set_defaults(func=_current)
    pruning = sub.add_parser(
        "prune",
        help="delete mentions older than database.keep_mentions (or --older-than)",
        description="Delete mentions published longer ago than the kept period, with their "
        "scores and rolled-up buckets. Mentions labelled by an operator are kept. The daemon "
        "does this every hour when database.keep_mentions is set.",
        epilog=PRUNE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(pruning)
    pruning.add_argument(
        "--older-than", metavar="DURATION", help="instead of database.keep_mentions, e.g. 180d"
    )
    pruning.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    pruning.add_argument("--json", action="store_true", help="one JSON object on stdout")
    pruning.set_defaults(func=_prune)
