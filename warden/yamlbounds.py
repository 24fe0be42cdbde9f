"""Bounds on what one config or rule file may cost to read: its size, and how far its YAML
aliases expand.

A YAML alias stands for a whole copy of what its anchor names, so a few lines of nested
aliases ("billion laughs") stand for billions of values; anything that walks them (the line
index, validation) exhausts memory. `check_expansion` measures the expansion on the composed
nodes, once per distinct node, before anything is built from them.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from warden.errors import ConfigError

MAX_FILE_BYTES = 1_048_576
"""Largest config or rule file read (1 MiB: thousands of rules or entities fit in far less)."""
MAX_NODES = 200_000
"""Most YAML values a file may hold once every alias is expanded (each alias counts as a full
copy of what it names): far above any real rule file, far below what exhausts memory."""


class _RecursiveAlias(Exception):
    def __init__(self, node: yaml.Node) -> None:
        self.node = node


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_: set[int]) -> int:
    """How many values `node` stands for once every alias in it is expanded (memoised on the
    node, so a file costs one pass over its distinct nodes, however many aliases it has)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if id(node) in open_:
        raise _RecursiveAlias(node)
    open_.add(id(node))
    size = 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            size += _expanded_size(key, sizes, open_) + _expanded_size(value, sizes, open_)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            size += _expanded_size(item, sizes, open_)
    open_.discard(id(node))
    sizes[id(node)] = size
    return size


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def check_expansion(root: yaml.Node, path: Path) -> None:
    """Refuse a document whose aliases expand past MAX_NODES, or that refers to itself;
    the error names the line of the smallest part of the file that is too large alone."""
    sizes: dict[int, int] = {}
    try:
        total = _expanded_size(root, sizes, set())
    except _RecursiveAlias as exc:
        line = exc.node.start_mark.line + 1
        raise ConfigError(
            [f"{path}:{line}: invalid YAML: an alias refers to the value that contains it"]
        ) from None
    if total <= MAX_NODES:
        return
    node = root
    while True:
        bigger = [c for c in _children(node) if sizes.get(id(c), 0) > MAX_NODES]
        if not bigger:
            break
        node = bigger[0]
    line = node.start_mark.line + 1
    raise ConfigError(
        [
            f"{path}:{line}: invalid YAML: its aliases expand to {total:,} values, more than "
            f"the {MAX_NODES:,} a file may hold; write the values out, or use fewer "
            "nested aliases"
        ]
    )


def too_large(path: Path, size: int) -> str:
    return (
        f"{path}: {size:,} bytes, larger than the {MAX_FILE_BYTES:,} a config or rule file "
        "may be; split the rules into several files of the rules folder"
    )
