"""Options and helpers shared by `warden` sub-commands (config path, JSON output, tables)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from warden.cli.terminal import terminal_safe
from warden.config import Config, load_config
from warden.log import set_console_zone

DEFAULT_CONFIG = "config.yaml"


def default_config_path() -> Path:
    """The config file when -c/--config is not given: $WARDEN_CONFIG, else ./config.yaml."""
    return Path(os.environ.get("WARDEN_CONFIG", DEFAULT_CONFIG))


def add_config_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-c",
        "--config",
        type=Path,
        default=default_config_path(),
        help="config file (default: $WARDEN_CONFIG or ./config.yaml)",
    )


def add_json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable JSON output")


_DISPLAY_ZONE = {"zone": "UTC"}
"""The time zone human tables show times in: the loaded config's `timezone`."""


def load_for_command(path: Path, unused: Iterable[str] = ()) -> Config:
    """config.yaml at `path` for a command that does not use the sections `unused`: an unset
    `${NAME}` in them is left as written (see `load_config`), and one line on stderr names
    the variables (names only, never values)."""
    config = load_config(path, unused=unused)
    if config.unset_env:
        print(
            f"warden: {', '.join(config.unset_env)} not set; not needed by this command",
            file=sys.stderr,
        )
    return config


def config_from_args(args: argparse.Namespace, unused: Iterable[str] = ()) -> Config:
    """The config named by -c/--config (or $WARDEN_CONFIG), read by :func:`load_for_command`;
    its `timezone` becomes the zone `local_time` writes times in for this command."""
    config = load_for_command(args.config, unused)
    _DISPLAY_ZONE["zone"] = config.timezone
    set_console_zone(config.timezone)
    return config


def local_time(value: datetime | None, seconds: bool = False, date: bool = True) -> str:
    """A moment for a human table, in the config's time zone with its abbreviation:
    `2026-03-02 13:26 CET` (`13:26 CET` without the date, `13:26:05 CET` with seconds);
    `-` for None. A naive value is taken as UTC. --json output stays ISO-8601 UTC."""
    if value is None:
        return "-"
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    local = moment.astimezone(ZoneInfo(_DISPLAY_ZONE["zone"]))
    fmt = ("%Y-%m-%d " if date else "") + ("%H:%M:%S" if seconds else "%H:%M") + " %Z"
    return local.strftime(fmt)


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 alert`, `2 alerts`, `0 alerts` (`words` for an irregular plural)."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], file: Any = None) -> None:
    """A plain aligned table for humans (use --json for scripts)."""
    out = file or sys.stdout
    # Cells can hold text from outside (labels, names, reasons): one safe line each.
    cells = [[str(h) for h in headers]] + [
        ["" if c is None else terminal_safe(str(c)) for c in r] for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)
