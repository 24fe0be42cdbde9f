"""YAML files read with line numbers, and validation errors turned into `file:line: path: message`.

Config and rule files share this: an operator who broke line 12 is told "line 12", with the key
path and the form that was expected, never a stack trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from warden.errors import ConfigError

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


@dataclass
class YamlDocument:
    """A parsed YAML document: plain data plus the line of every key and list item."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """Line (1-based) of the deepest node of `loc` that exists in the file."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return 1


def _index_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            child = (*loc, key)
            lines[child] = key_node.start_mark.line + 1
            _index_lines(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*loc, i), lines)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node))


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, path: Path) -> YamlDocument:
    """Parse YAML text; syntax errors become a ConfigError naming file and line."""
    try:
        node = yaml.compose(text, Loader=_UniqueKeyLoader)
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([f"{path}:{line}: invalid YAML: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}:1: invalid YAML: {exc}"]) from None
    lines: dict[Loc, int] = {}
    if node is not None:
        _index_lines(node, (), lines)
    return YamlDocument(path=path, data=data, lines=lines)


def read_yaml(path: Path) -> YamlDocument:
    """Read and parse a YAML file; an unreadable file is a ConfigError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {exc}"]) from None
    return parse_yaml(text, path)


def format_loc(loc: Loc) -> str:
    """`('sources', 1, 'interval')` → `sources[1].interval`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _data_loc(data: Any, loc: Loc) -> Loc:
    """Drop the tags pydantic inserts for discriminated unions, keeping the file's own path."""
    kept: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict):
            if part in node:
                kept.append(part)
                node = node[part]
                continue
            if isinstance(part, str) and part in {str(v) for v in node.values()}:
                continue  # the union's tag value, not a key of the file
            kept.append(part)
            node = None
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            kept.append(part)
            node = node[part]
        elif isinstance(part, str) and part.startswith(("function-", "tagged-union[")):
            continue
        else:
            kept.append(part)
            node = None
    return tuple(kept)


_LITERAL = re.compile(r"^Input should be (.+)$")


def _humanise(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", ""))
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return "required, but missing"
    if kind == "extra_forbidden":
        return "unknown key (check its spelling and indentation)"
    if kind == "union_tag_invalid":
        expected = str(ctx.get("expected_tags", "")).replace("'", "")
        return f"unknown value {ctx.get('tag')!r}; expected one of {expected}"
    if kind == "union_tag_not_found":
        key = str(ctx.get("discriminator", "type")).strip("'")
        return f"required key `{key}` is missing"
    if kind == "literal_error":
        expected = str(ctx.get("expected", "")).replace("'", "").replace(" or ", ", ")
        return f"expected one of {expected}, got {err.get('input')!r}"
    if kind in ("value_error", "assertion_error"):
        return msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    got = f", got {err.get('input')!r}"
    if kind == "too_short":
        n = ctx.get("min_length")
        return f"expected at least {n} item{'s' if n != 1 else ''}{got}"
    if kind == "too_long":
        n = ctx.get("max_length")
        return f"expected at most {n} item{'s' if n != 1 else ''}{got}"
    if kind in ("string_too_short", "string_too_long"):
        n = ctx.get("min_length" if kind == "string_too_short" else "max_length")
        word = "at least" if kind == "string_too_short" else "at most"
        return f"expected {word} {n} character{'s' if n != 1 else ''}{got}"
    bounds = {"greater_than_equal": ("ge", "at least"), "less_than_equal": ("le", "at most")}
    if kind in bounds:
        key, word = bounds[kind]
        return f"expected {word} {ctx.get(key)}{got}"
    if kind in ("greater_than", "less_than"):
        key = "gt" if kind == "greater_than" else "lt"
        word = "more than" if kind == "greater_than" else "less than"
        return f"expected {word} {ctx.get(key)}{got}"
    m = _LITERAL.match(msg)
    if m:
        return f"expected {m.group(1)}, got {err.get('input')!r}"
    return msg


def validation_problems(doc: YamlDocument, exc: ValidationError, prefix: Loc = ()) -> list[str]:
    """One `file:line: key.path: message` line per pydantic error."""
    out = []
    for err in exc.errors():
        loc = _data_loc(doc.data, (*prefix, *err["loc"]))
        if err["type"] == "union_tag_invalid":  # point at the `type:` line itself
            loc = (*loc, str((err.get("ctx") or {}).get("discriminator", "type")).strip("'"))
        line = doc.line_of(loc)
        out.append(f"{doc.path}:{line}: {format_loc(loc)}: {_humanise(dict(err))}")
    return out


def validate_document(doc: YamlDocument, model: type[M], prefix: Loc = ()) -> M:
    """Validate `doc.data` against `model`; raise ConfigError with located messages."""
    try:
        return model.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as exc:
        raise ConfigError(validation_problems(doc, exc, prefix)) from None
