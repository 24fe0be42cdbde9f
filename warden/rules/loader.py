"""Loading every rule file of the rules folder into one validated `RuleSet`, or every error found.

A rule set is built completely before it is used: the daemon swaps it in whole on reload, so a
broken edit never half-applies and the last good set keeps running.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from warden.closest import unknown_hint
from warden.config import Config
from warden.errors import ConfigError
from warden.rules.schema import FlatlineCondition, Rule, RuleFile, walk_paths
from warden.yamlfile import Loc, read_yaml, validate_document

RULE_SUFFIXES = (".yaml", ".yml")


def _first_line(loc: Loc) -> int:
    return 1


@dataclass(frozen=True)
class LoadedRule:
    """A rule with where it was written: its file, its line, and the line of any part of it."""

    rule: Rule
    file: Path
    line: int
    index: int = 0
    locate: Callable[[Loc], int] = field(default=_first_line, compare=False, repr=False)
    """Line of a path in the rule's file, e.g. ``("rules", 0, "receivers", 1)``."""

    def line_of(self, *path: str | int) -> int:
        """Line of a part of this rule, e.g. ``line_of("receivers", 1)``."""
        return self.locate(("rules", self.index, *path))


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[LoadedRule, ...] = ()
    files: tuple[Path, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, name: str) -> Rule | None:
        return next((r.rule for r in self.rules if r.rule.name == name), None)

    def label_names(self) -> set[str]:
        """Every label an alert of these rules can carry (group_by, labels), plus `rule` and
        `severity`, which silences, routes and grouping match too."""
        names = {"rule", "severity"}
        for loaded in self.rules:
            names |= set(loaded.rule.group_by) | set(loaded.rule.labels)
        return names


def rule_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise ConfigError([f"{directory}: rules folder not found (set rules.dir in config.yaml)"])
    return sorted(p for p in directory.iterdir() if p.suffix in RULE_SUFFIXES and p.is_file())


def load_rule_file(path: Path) -> list[LoadedRule]:
    doc = read_yaml(path)
    if doc.data is None:
        return []
    if not isinstance(doc.data, dict):
        raise ConfigError([f"{path}:1: expected a mapping with a `rules:` list"])
    parsed = validate_document(doc, RuleFile)
    routes = tuple(parsed.routes)
    return [
        LoadedRule(
            rule=r.model_copy(update={"routes": routes}) if routes else r,
            file=path,
            line=doc.line_of(("rules", i)),
            index=i,
            locate=doc.line_of,
        )
        for i, r in enumerate(parsed.rules)
    ]


def _load_files(paths: list[Path]) -> tuple[list[LoadedRule], list[str]]:
    """Every rule of every file, and every problem of every file (not just the first)."""
    loaded: list[LoadedRule] = []
    problems: list[str] = []
    for path in paths:
        try:
            loaded.extend(load_rule_file(path))
        except ConfigError as exc:
            problems.extend(exc.problems)
    return loaded, problems


def load_rule_paths(paths: list[Path]) -> RuleSet:
    """Load rule files without checking them against a config (tests and backtests)."""
    loaded, problems = _load_files(paths)
    if problems:
        raise ConfigError(problems)
    return RuleSet(rules=tuple(loaded), files=tuple(paths))


def _unknown(where: str, kind: str, kinds: str, name: str, known: set[str]) -> str:
    return f"{where}: unknown {kind} {name!r}{unknown_hint(name, known, kinds + ' in config.yaml')}"


def load_rules(config: Config, paths: list[Path] | None = None) -> RuleSet:
    """Load and cross-check rules (unique names, known entities and receivers)."""
    files = paths if paths is not None else rule_files(config.rules_dir)
    loaded, problems = _load_files(files)
    seen: dict[str, LoadedRule] = {}
    entities = {e.name for e in config.entities}
    receivers = {r.name for r in config.receivers}
    sources = {s.name for s in config.sources}
    for item in loaded:
        rule = item.rule
        if rule.name in seen:
            first = seen[rule.name]
            problems.append(
                f"{item.file}:{item.line}: rule name {rule.name!r} is already used at "
                f"{first.file}:{first.line}"
            )
        seen.setdefault(rule.name, item)
        for k, entity in enumerate(rule.entities):
            if entity not in entities:
                where = f"{item.file}:{item.line_of('entity', k)}: {rule.name}.entity"
                problems.append(_unknown(where, "entity", "entities", entity, entities))
        for cond, at in walk_paths(rule.condition):
            if isinstance(cond, FlatlineCondition) and cond.source not in {"*", *sources}:
                where = f"{item.file}:{item.line_of(*at, 'source')}: {rule.name}.condition"
                problems.append(_unknown(where, "source", "sources", cond.source, sources))
        for j, name in enumerate(rule.receivers or []):
            if name not in receivers:
                where = f"{item.file}:{item.line_of('receivers', j)}: {rule.name}.receivers"
                problems.append(_unknown(where, "receiver", "receivers", name, receivers))
    first_of_file = {item.file: item for item in reversed(loaded)}
    for file, item in sorted(first_of_file.items()):
        for r, route in enumerate(item.rule.routes):
            for j, name in enumerate(route.receivers):
                if name not in receivers:
                    line = item.locate(("routes", r, "receivers", j))
                    where = f"{file}:{line}: routes[{r}].receivers"
                    problems.append(_unknown(where, "receiver", "receivers", name, receivers))
    if problems:
        raise ConfigError(problems)
    return RuleSet(rules=tuple(loaded), files=tuple(files))
