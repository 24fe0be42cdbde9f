"""Loading every rule file of the rules folder into one validated `RuleSet`, or every error found.

A rule set is built completely before it is used: the daemon swaps it in whole on reload, so a
broken edit never half-applies and the last good set keeps running.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from warden.config import Config
from warden.errors import ConfigError
from warden.rules.schema import FlatlineCondition, Rule, RuleFile, walk
from warden.yamlfile import read_yaml, validate_document

RULE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class LoadedRule:
    rule: Rule
    file: Path
    line: int


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[LoadedRule, ...] = ()
    files: tuple[Path, ...] = field(default=())

    def __len__(self) -> int:
        return len(self.rules)

    def get(self, name: str) -> Rule | None:
        return next((r.rule for r in self.rules if r.rule.name == name), None)


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
        )
        for i, r in enumerate(parsed.rules)
    ]


def load_rule_paths(paths: list[Path]) -> RuleSet:
    """Load rule files without checking them against a config (tests and backtests)."""
    loaded: list[LoadedRule] = []
    problems: list[str] = []
    for path in paths:
        try:
            loaded.extend(load_rule_file(path))
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return RuleSet(rules=tuple(loaded), files=tuple(paths))


def load_rules(config: Config, paths: list[Path] | None = None) -> RuleSet:
    """Load and cross-check rules (unique names, known entities and receivers)."""
    files = paths if paths is not None else rule_files(config.rules_dir)
    problems: list[str] = []
    loaded: list[LoadedRule] = []
    for path in files:
        try:
            loaded.extend(load_rule_file(path))
        except ConfigError as exc:
            problems.extend(exc.problems)
    seen: dict[str, LoadedRule] = {}
    entities = {e.name for e in config.entities}
    receivers = {r.name for r in config.receivers}
    sources = {s.name for s in config.sources}
    for item in loaded:
        rule, where = item.rule, f"{item.file}:{item.line}"
        if rule.name in seen:
            first = seen[rule.name]
            problems.append(
                f"{where}: rule name {rule.name!r} is already used at {first.file}:{first.line}"
            )
        seen.setdefault(rule.name, item)
        for entity in rule.entities:
            if entity not in entities:
                known = ", ".join(sorted(entities)) or "none defined"
                problems.append(
                    f"{where}: {rule.name}.entity: unknown entity {entity!r} "
                    f"(entities in config.yaml: {known})"
                )
        for cond in walk(rule.condition):
            if isinstance(cond, FlatlineCondition) and cond.source not in {"*", *sources}:
                known = ", ".join(sorted(sources)) or "none defined"
                problems.append(
                    f"{where}: {rule.name}.condition: unknown source {cond.source!r} "
                    f"(sources in config.yaml: {known})"
                )
        for name in rule.receivers or []:
            if name not in receivers:
                known = ", ".join(sorted(receivers)) or "none defined"
                problems.append(
                    f"{where}: {rule.name}.receivers: unknown receiver {name!r} "
                    f"(receivers in config.yaml: {known})"
                )
    for path, routes in {r.file: r.rule.routes for r in loaded}.items():
        for name in dict.fromkeys(n for route in routes for n in route.receivers):
            if name not in receivers:
                known = ", ".join(sorted(receivers)) or "none defined"
                problems.append(
                    f"{path}:1: routes: unknown receiver {name!r} "
                    f"(receivers in config.yaml: {known})"
                )
    if problems:
        raise ConfigError(problems)
    return RuleSet(rules=tuple(loaded), files=tuple(files))
