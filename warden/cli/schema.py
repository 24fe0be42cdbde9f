"""`warden schema config|rules`: print the JSON Schema editors use to check config and rules."""

from __future__ import annotations

import argparse
from pathlib import Path

from warden.schemas import render_schema

EPILOG = """\
examples:
  warden schema config > schema/config.schema.json
  warden schema rules --out schema/rules.schema.json

In VS Code (YAML extension) or any yaml-language-server editor, start a file with
  # yaml-language-server: $schema=../schema/rules.schema.json
"""


def _run(args: argparse.Namespace) -> int:
    text = render_schema(args.which)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    else:
        print(text, end="")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "schema",
        help="print the JSON Schema of config.yaml or of rule files",
        description="Print the JSON Schema of config.yaml or of rule files, for editors.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("which", choices=["config", "rules"], help="which schema")
    parser.add_argument("--out", type=Path, help="write to this file instead of stdout")
    parser.set_defaults(func=_run)
