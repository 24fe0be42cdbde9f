"""The `warden` command: a thin argparse front over the package; each module adds its sub-commands.

Every command module exposes `register(subparsers)`, adding parsers whose `func(args)` returns the
exit code. Operator errors (WardenError) are printed as plain messages, never as stack traces.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from warden import __version__
from warden.errors import EXIT_CONFIG, EXIT_FAILURE, ConfigError, WardenError

COMMAND_MODULES = [
    "warden.cli.daemon",
    "warden.cli.check",
    "warden.cli.status",
    "warden.cli.db",
    "warden.cli.schema",
    "warden.cli.sentiment",
    "warden.cli.sources",
    "warden.cli.rules_test",
    "warden.cli.backtest",
    "warden.cli.alerts",
    "warden.cli.silence",
    "warden.cli.report",
    "warden.cli.lookup",
]
"""Modules whose `register()` adds sub-commands, in the order `warden --help` lists them."""

EPILOG = """\
examples:
  warden run                         start the daemon on ./config.yaml
  warden check                       validate config.yaml and every rule file
  warden status                      sources, backlog, firing alerts, outbox, instances
  warden db upgrade                  apply pending database migrations
  warden alerts                      what is firing, muted, acknowledged, delivered
  warden ack 3f2a9c1b7d04            acknowledge an alert (no repeats, no escalation)
  warden report --to digest.html     the week's digest (share of voice, sentiment, trends)
  warden <command> --help            options of one command

config: -c/--config FILE, or the WARDEN_CONFIG environment variable (default ./config.yaml);
-c/--config and --json may come before the command (warden -c /etc/warden/config.yaml check)
or after it (warden check -c /etc/warden/config.yaml)

exit status: 0 ok; 1 a failure outside the configuration (database unreachable, model
missing); 70 a crash (a bug: please report it); 78 an invalid config.yaml or rule file, or an
unwritable database path (restarting cannot help)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="warden",
        description="Crisis early-warning daemon: watches mentions, scores sentiment, alerts.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"warden {__version__}")
    parser.add_argument(
        "-c",
        "--config",
        dest="global_config",
        type=Path,
        metavar="CONFIG",
        help="config file for the command (default: $WARDEN_CONFIG or ./config.yaml)",
    )
    parser.add_argument(
        "--json",
        dest="global_json",
        action="store_true",
        help="machine-readable JSON output, for the commands that have --json",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers)
    return parser


def _command_word(words: list[str]) -> str | None:
    """The sub-command in `words`, past the top-level options (`-c FILE`, `--json`)."""
    i = 0
    while i < len(words):
        word = words[i]
        if word in ("-c", "--config"):
            i += 2
        elif word.startswith(("-c", "--config=")) or word.startswith("-"):
            i += 1
        else:
            return word
    return None


def _apply_global_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """`warden -c FILE CMD` and `warden --json CMD` as if written after the command. A
    -c/--config after the command wins, unless it names the default file itself; a command
    without a config file or without --json refuses them (exit 2)."""
    from warden.cli.common import default_config_path

    given = getattr(args, "global_config", None)
    if given is not None:
        if not hasattr(args, "config"):
            parser.error(f"warden {args.command} does not read a config file (drop -c/--config)")
        if args.config == default_config_path():
            args.config = given
    if getattr(args, "global_json", False):
        if not hasattr(args, "json"):
            parser.error(f"warden {args.command} has no --json output")
        args.json = True


def _fail(args: argparse.Namespace, message: str) -> int:
    """Report an operator error: `{"error": ...}` (stderr) under --json, else one stderr line."""
    if getattr(args, "json", False):
        print(json.dumps({"error": message}, ensure_ascii=False), file=sys.stderr)
    else:
        print(f"warden: {message}", file=sys.stderr)
    return EXIT_FAILURE


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    from warden.log import configure_logging

    if _command_word(words) == "run":
        # The daemon's log routing (JSON lines under systemd) starts before the command
        # modules import their libraries, whose import-time warnings would be plain text.
        configure_logging("info", "auto", capture_process=True)
    else:
        # Other commands print tables and JSON on stdout: their libraries' log lines go to
        # stderr, as key=value, and only from warnings up (a command may ask for more).
        configure_logging("warning", "console")
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    _apply_global_options(parser, args)
    try:
        return int(func(args))
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_CONFIG
    except WardenError as exc:
        return _fail(args, str(exc))
    except DBAPIError as exc:
        # Missing, unreachable or never-upgraded database: one line naming it, for every command.
        from warden.store.db import Database, database_problem

        return _fail(args, database_problem(exc, Database.last_opened or "(unknown)"))
    except KeyboardInterrupt:
        return 130
