"""The rule language: every condition kind loads, and mistakes read as located, plain messages."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.errors import ConfigError
from warden.rules.loader import load_rule_file
from warden.rules.notation import expand_series
from warden.rules.schema import AllCondition, VolumeSpikeCondition


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "r.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_rule_file(path)
    return [p.replace(f"{path}:", "r.yaml:") for p in exc.value.problems]


def test_every_kind_loads_with_its_defaults(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        """\
rules:
  - {name: a, condition: {kind: volume, window: 10m, above: 5}}
  - {name: b, condition: {kind: negative_share, window: 15m, above: 0.6}}
  - {name: c, condition: {kind: volume_spike, sensitivity: 0.001, direction: both}}
  - {name: d, condition: {kind: negative_surge}}
  - {name: e, condition: {kind: sentiment_shift}}
  - {name: f, condition: {kind: keywords, phrases: [boycott], exclude: [boycott day]}}
  - {name: g, condition: {kind: influential_author, reach: 50000}}
  - {name: h, condition: {kind: virality, min_gain: 100}}
  - {name: i, condition: {kind: new_term}}
  - {name: j, condition: {kind: flatline, source: news, silent_for: 2h}}
  - name: k
    group_by: [entity, source]
    condition:
      kind: any
      conditions:
        - {kind: volume_spike, step: 15m}
        - kind: all
          conditions: [{kind: keywords, phrases: [x]}, {kind: volume, window: 5m, above: 1}]
""",
        encoding="utf-8",
    )
    rules = [r.rule for r in load_rule_file(path)]
    assert [r.name for r in rules] == list("abcdefghijk")
    spike = rules[2].condition
    assert isinstance(spike, VolumeSpikeCondition) and spike.sensitivity == 0.001
    assert isinstance(rules[10].condition.conditions[1], AllCondition)  # type: ignore[union-attr]


def test_nested_errors_name_the_path_and_the_expected_values(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        """\
rules:
  - name: r
    condition:
      kind: all
      conditions:
        - {kind: volume, window: 5m, above: 3}
        - {kind: volume_spike, sensitivity: extreme}
        - {kind: volume_spike, direction: sideways, step: 7m}
        - {kind: spike}
""",
    )
    assert problems == [
        "r.yaml:7: rules[0].condition.conditions[1].sensitivity: expected one of low, medium, "
        "high, or a probability between 0 and 1, got 'extreme'",
        "r.yaml:8: rules[0].condition.conditions[2].direction: expected one of up, down, both, "
        "got 'sideways'",
        "r.yaml:8: rules[0].condition.conditions[2].step: expected a multiple of 5m "
        "(5m, 15m, 1h, ...)",
        "r.yaml:9: rules[0].condition.conditions[3].kind: unknown value 'spike'; expected one of "
        "volume, negative_share, volume_spike, negative_surge, sentiment_shift, keywords, "
        "influential_author, virality, new_term, flatline, all, any",
    ]
    assert not any("any of the given schemas" in p for p in problems)


def test_top_level_sensitivity_error(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path, "rules:\n  - name: r\n    condition: {kind: volume_spike, sensitivity: 2}\n"
    )
    assert problems == [
        "r.yaml:3: rules[0].condition.sensitivity: expected one of low, medium, high, "
        "or a probability between 0 and 1, got 2"
    ]


def test_unknown_placeholders_are_refused_at_load(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "rules:\n  - name: r\n    condition: {kind: volume_spike}\n"
        "    annotations: {summary: '{{ count }} vs {{ basline }}'}\n",
    )
    assert len(problems) == 1
    assert problems[0].startswith(
        "r.yaml:4: rules[0].annotations.summary: unknown placeholder {{ basline }}; known: "
    )
    assert "baseline" in problems[0]


def test_group_by_must_keep_the_entity(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "rules:\n  - name: r\n    group_by: [source]\n    condition: {kind: volume_spike}\n",
    )
    assert problems == [
        "r.yaml:3: rules[0].group_by: must include entity (alerts are always per entity)"
    ]


def test_compact_series_notation() -> None:
    assert expand_series("5+0x3 40 80") == [5, 5, 5, 5, 40, 80]
    assert expand_series("1+1x2 10-5x2 _x1 7x1") == [1, 2, 3, 10, 5, 0, 0, 0, 7, 7]
    with pytest.raises(ValueError, match="cannot read '5\\+x3'"):
        expand_series("5+x3")


def test_rules_are_checked_against_the_config(tmp_path: Path) -> None:
    from warden.config import Config, EntitySettings
    from warden.rules.loader import load_rules

    path = tmp_path / "r.yaml"
    path.write_text(
        "rules:\n"
        "  - {name: a, entity: [Acme, Nope], condition: {kind: volume_spike}}\n"
        "  - {name: b, condition: {kind: flatline, source: rss, silent_for: 1h}}\n",
        encoding="utf-8",
    )
    config = Config(entities=[EntitySettings(name="Acme")])
    with pytest.raises(ConfigError) as exc:
        load_rules(config, [path])
    assert exc.value.problems == [
        f"{path}:2: a.entity: unknown entity 'Nope' (entities in config.yaml: Acme)",
        f"{path}:3: b.condition: unknown source 'rss' (sources in config.yaml: none defined)",
    ]


def test_unknown_receivers_are_reported_at_their_own_line(tmp_path: Path) -> None:
    from warden.config import Config, ReceiverSettings
    from warden.rules.loader import load_rules

    path = tmp_path / "r.yaml"
    path.write_text(
        """\
routes:
  - match: {severity: critical}
    receivers:
      - oncall
      - pager
rules:
  - name: a
    condition:
      kind: all
      conditions:
        - {kind: volume_spike}
        - kind: flatline
          source: rss
          silent_for: 1h
    receivers:
      - oncall
      - comms
""",
        encoding="utf-8",
    )
    config = Config(receivers=[ReceiverSettings(name="oncall", urls=["json://localhost/"])])
    with pytest.raises(ConfigError) as exc:
        load_rules(config, [path])
    assert exc.value.problems == [
        f"{path}:13: a.condition: unknown source 'rss' (sources in config.yaml: none defined)",
        f"{path}:17: a.receivers: unknown receiver 'comms' (receivers in config.yaml: oncall)",
        f"{path}:5: routes[0].receivers: unknown receiver 'pager' "
        "(receivers in config.yaml: oncall)",
    ]


def test_routes_send_alerts_by_their_labels(tmp_path: Path) -> None:
    from warden.alerts.routing import receivers_for
    from warden.config import ReceiverSettings

    path = tmp_path / "r.yaml"
    path.write_text(
        """\
routes:
  - {match: {entity: Acme, severity: critical}, receivers: [acme-oncall]}
  - {match: {team: comms}, receivers: [comms]}
rules:
  - {name: a, severity: critical, condition: {kind: volume_spike}}
  - {name: b, labels: {team: comms}, condition: {kind: volume_spike}}
  - {name: c, receivers: [ops], condition: {kind: volume_spike}}
""",
        encoding="utf-8",
    )
    a, b, c = (loaded.rule for loaded in load_rule_file(path))
    everyone = [
        ReceiverSettings(name=n, urls=["json://localhost/"])
        for n in ("acme-oncall", "comms", "ops")
    ]

    def names(rule: object, labels: dict[str, str]) -> list[str]:
        return [r.name for r in receivers_for(rule, everyone, labels)]  # type: ignore[arg-type]

    assert names(a, {"entity": "Acme"}) == ["acme-oncall"]
    assert names(a, {"entity": "Beta"}) == ["acme-oncall", "comms", "ops"]  # by severity
    assert names(b, {"entity": "Beta", "team": "comms"}) == ["comms"]
    assert names(c, {"entity": "Acme"}) == ["ops"]
    problems = _problems(
        tmp_path,
        "rules:\n  - name: r\n    condition: {kind: volume_spike}\n"
        "    routes: [{receivers: [x]}]\n",
    )
    assert problems == ["r.yaml:4: rules[0].routes: go at the top of the file, next to `rules:`"]
