"""Options and helpers shared by `warden` sub-commands (config path, JSON output, tables)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from warden.config import Config, load_config

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


def config_from_args(args: argparse.Namespace) -> Config:
    return load_config(args.config)


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 alert`, `2 alerts`, `0 alerts` (`words` for an irregular plural)."""
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str))


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], file: Any = None) -> None:
    """A plain aligned table for humans (use --json for scripts)."""
    out = file or sys.stdout
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)
