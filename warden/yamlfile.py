"""YAML files read with line numbers, and validation errors turned into `file:line: path: message`.

Config and rule files share this: an operator who broke line 12 is told "line 12", with the key
path and the form that was expected, never a stack trace.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from warden.errors import ConfigError
from warden.yamlbounds import MAX_FILE_BYTES, check_expansion, too_large

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)


class PathError(ValueError):
    """A validator's complaint about one option below the model it validates: `loc` is that
    option's key path relative to the model (`("entities", 2, "competitors", 0)`), so the
    message is located at the option's own line, not at the model's first line."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc


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


_MERGE_TAG = "tag:yaml.org,2002:merge"


def _merge_sources(value: yaml.Node) -> list[yaml.MappingNode]:
    """The mappings a `<<:` value merges in (one mapping, or a list of them)."""
    if isinstance(value, yaml.MappingNode):
        return [value]
    if isinstance(value, yaml.SequenceNode):
        return [v for v in value.value if isinstance(v, yaml.MappingNode)]
    return []


def _pairs(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
    """A mapping's effective entries: its own keys, then the merged-in keys it does not set
    (earlier merged mappings win over later ones, as YAML's merge key says)."""
    own = [(k, v) for k, v in node.value if k.tag != _MERGE_TAG]
    taken = {k.value for k, _ in own if isinstance(k, yaml.ScalarNode)}
    out = list(own)
    for key, value in node.value:
        if key.tag != _MERGE_TAG:
            continue
        for source in _merge_sources(value):
            for k, v in _pairs(source):
                name = k.value if isinstance(k, yaml.ScalarNode) else None
                if name is None or name not in taken:
                    out.append((k, v))
                    if name is not None:
                        taken.add(name)
    return out


def _index_lines(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in _pairs(node):
            key = key_node.value
            if not isinstance(key, str):
                continue  # a list or mapping used as a key: the schema refuses it anyway
            child = (*loc, key)
            lines.setdefault(child, key_node.start_mark.line + 1)
            _index_lines(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*loc, i), lines)


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one.

    Merge keys (`<<: *common`) are YAML's own way of reusing a mapping: the keys they bring in
    may be overridden by the mapping's own keys, so only the mapping's own keys must be unique.
    """


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if key_node.tag == _MERGE_TAG:
            continue
        key = loader.construct_object(key_node)
        if not isinstance(key, Hashable):
            continue  # a list or mapping as a key: construct_pairs reports it
        first = seen.get(key)
        if first is not None:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {first})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node))


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

_INT = re.compile(
    r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"
)
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_NUMBERS = {"tag:yaml.org,2002:int": _INT, "tag:yaml.org,2002:float": _FLOAT}
# YAML 1.1 reads 22:00 and 1:30 as base-60 numbers (1320, 90): a clock time or a duration
# written without quotes would arrive as a confusing integer. Warden's files keep them strings
# (as YAML 1.2 does); every other implicit type resolves as in SafeLoader.
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, _NUMBERS.get(tag, regexp)) for tag, regexp in resolvers]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, path: Path) -> YamlDocument:
    """Parse YAML text; syntax errors, and aliases that expand past MAX_NODES values (an
    "alias bomb"), become a ConfigError naming file and line.

    Anchors, aliases and merge keys are allowed. The text is composed once; the expansion is
    measured on the composed nodes before anything is built from them.
    """
    if len(text) > MAX_FILE_BYTES:
        raise ConfigError([too_large(path, len(text.encode("utf-8")))])
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            check_expansion(node, path)
        lines: dict[Loc, int] = {}
        if node is not None:
            _index_lines(node, (), lines)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError([f"{path}:{line}: invalid YAML: {problem}"]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([f"{path}:1: invalid YAML: {exc}"]) from None
    except RecursionError:
        raise ConfigError([f"{path}:1: invalid YAML: nested too deeply"]) from None
    finally:
        loader.dispose()
    return YamlDocument(path=path, data=data, lines=lines)


def read_yaml(path: Path) -> YamlDocument:
    """Read and parse a YAML file; an unreadable file, or one over MAX_FILE_BYTES, is a
    ConfigError naming it."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
            if len(raw) > MAX_FILE_BYTES:
                handle.seek(0, 2)
                raise ConfigError([too_large(path, handle.tell())])
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{path}: is a folder, expected a YAML file"]) from None
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
        cause = (err.get("ctx") or {}).get("error")
        inner: Loc = cause.loc if isinstance(cause, PathError) else ()
        loc = _data_loc(doc.data, (*prefix, *err["loc"], *inner))
        if err["type"] == "union_tag_invalid":  # point at the `type:` line itself
            loc = (*loc, str((err.get("ctx") or {}).get("discriminator", "type")).strip("'"))
        line = doc.line_of(loc)
        out.append(f"{doc.path}:{line}: {format_loc(loc)}: {_humanise(dict(err))}")
    return out


EXTENSION_PREFIX = "x-"
"""Top-level keys starting with this are the file's own (anchors to merge elsewhere, as in
Docker Compose files): allowed in config and rule files, and ignored."""
EXTENSION_KEYS = {"^x-": {"description": "Ignored: a place for YAML anchors (`x-common: &c`)."}}
"""The JSON Schema `patternProperties` that allows extension keys."""


def without_extensions(data: Any) -> Any:
    """`data` without its top-level `x-...` keys."""
    if not isinstance(data, dict):
        return data
    return {
        k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith(EXTENSION_PREFIX))
    }


def validate_document(doc: YamlDocument, model: type[M], prefix: Loc = ()) -> M:
    """Validate `doc.data` against `model`; raise ConfigError with located messages.

    Top-level `x-...` keys (anchors kept for merging) are left out of the validation."""
    data = without_extensions(doc.data) if not prefix else doc.data
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise ConfigError(validation_problems(doc, exc, prefix)) from None
