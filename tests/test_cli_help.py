"""Every `warden` command explains itself: a description, one block of examples, and a row in
the README's command table."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from warden.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser, bool]]:
    """(command path, its parser, whether it has subcommands) for every command, depth first."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    yield path, parser, bool(subs)
    for action in subs:
        for name, child in action.choices.items():
            yield from _commands(child, (*path, name))


COMMANDS = [(" ".join(p), parser, grouped) for p, parser, grouped in _commands(build_parser())]


@pytest.mark.parametrize(("name", "parser", "grouped"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_every_command_has_a_description_and_one_examples_block(
    name: str, parser: argparse.ArgumentParser, grouped: bool
) -> None:
    text = parser.format_help()
    assert parser.description, f"`warden {name} --help` has no description"
    blocks = re.findall(r"^examples:$", text, re.MULTILINE)
    assert len(blocks) == 1, f"`warden {name} --help` has {len(blocks)} examples blocks"
    example_lines = text.split("examples:", 1)[1].strip().splitlines()
    assert example_lines and example_lines[0].strip().startswith("warden")
    for line in example_lines:
        # A backslash ending a source line joins it to the next unless it is escaped.
        assert not re.search(r"\S {3,}--", line), f"`warden {name} --help`: {line!r}"


def test_the_readme_table_lists_every_command() -> None:
    rows = [line for line in README.read_text("utf-8").splitlines() if line.startswith("| `warden")]
    listed = " ".join(rows)
    for name, _parser, grouped in COMMANDS:
        if name and not grouped:
            assert f"`warden {name}" in listed, f"`warden {name}` is missing from README's table"
