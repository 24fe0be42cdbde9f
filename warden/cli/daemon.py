"""`warden run`: start the daemon in the foreground (systemd runs exactly this)."""

from __future__ import annotations

import argparse

from warden.cli.common import add_config_option
from warden.service import run_daemon

EPILOG = """\
examples:
  warden run                              on ./config.yaml
  warden run -c /etc/warden/config.yaml   as the systemd unit does
  WARDEN_SENTIMENT_MODEL=/srv/models/xlmt warden run   with a local copy of the model

Stops cleanly on SIGTERM or Ctrl-C; reloads the rule files on SIGHUP or when they change.
"""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "run",
        help="start the daemon",
        description="Poll sources, score mentions, evaluate rules and send notifications.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(parser)
    parser.set_defaults(func=lambda args: run_daemon(args.config))
