"""Settings each valid in form but doubtful in meaning: zero periods, receivers naming themselves
or looping, lengths over a channel's limit, empty quiet hours, clock-like values YAML 1.1 would
read as base-60 numbers. Each is reported at its own line and key path."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warden.cli import main
from warden.config import load_config
from warden.errors import ConfigError
from warden.schemas import json_schema

BASE = "entities: [{name: Acme}]\nsources: [{name: demo, type: demo}]\n"


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "config.yaml"
    path.write_text(BASE + text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    return [p.replace(str(path), "config.yaml") for p in info.value.problems]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("notifications: {dispatch_every: 0s}\n", "config.yaml:3: notifications.dispatch_every"),
        ("notifications: {retry_initial: 0m}\n", "config.yaml:3: notifications.retry_initial"),
        ("notifications: {repeat_interval: 0h}\n", "config.yaml:3: notifications.repeat_interval"),
        ("rules: {evaluate_every: 0s}\n", "config.yaml:3: rules.evaluate_every"),
        ("sentiment: {interval: 0s}\n", "config.yaml:3: sentiment.interval"),
    ],
)
def test_a_period_of_zero_is_refused(tmp_path: Path, text: str, where: str) -> None:
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith(f"{where}: must be longer than 0s, got 0s")


def test_the_schema_shows_which_durations_must_be_positive() -> None:
    text = json.dumps(json_schema("config"))
    assert '"not": {"pattern": "^(0+(\\\\.0+)?(ms|s|m|h|d|w))+$"}' in text


def _receivers(*lines: str) -> str:
    return "receivers:\n" + "".join(f"  {line}\n" for line in lines)


def test_receiver_references_are_checked_at_their_own_line(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        _receivers(
            "- name: a",
            "  urls: ['json://127.0.0.1:9/a']",
            "  escalate_to: b",
            "  fallback: a",
            "- name: b",
            "  urls: ['json://127.0.0.1:9/b']",
            "  escalate_to: a",
            "  fallback: nobody",
            "- name: c",
            "  urls: ['json://127.0.0.1:9/c']",
            "  escalate_to: c",
        ),
    )
    assert problems == [
        "config.yaml:7: receivers[0].fallback: receiver 'a' names itself; name another receiver",
        "config.yaml:6: receivers[0].escalate_to: escalation loops back: a -> b -> a; "
        "end the chain at one receiver",
        "config.yaml:11: receivers[1].fallback: 'nobody' is not a receiver (other receivers: a, c)",
        "config.yaml:10: receivers[1].escalate_to: escalation loops back: b -> a -> b; "
        "end the chain at one receiver",
        "config.yaml:14: receivers[2].escalate_to: receiver 'c' names itself; "
        "name another receiver",
    ]


def test_max_length_over_the_channel_limit_and_empty_quiet_hours(tmp_path: Path) -> None:
    phone = ("- name: phone", "  kind: sms", "  urls: ['json://127.0.0.1:9/a']")
    (problem,) = _problems(tmp_path, _receivers(*phone, "  max_length: 2000"))
    assert problem == (
        "config.yaml:7: receivers[0].max_length: 2000 is over the sms limit of 1600 characters"
    )
    (problem,) = _problems(
        tmp_path, _receivers(*phone, "  quiet_hours: {start: 22:00, end: 22:00}")
    )
    assert problem == (
        "config.yaml:7: receivers[0].quiet_hours.end: start and end are both 22:00: an empty span; "
        "give two different times (22:00 to 07:00 crosses midnight) or remove quiet_hours"
    )


def test_check_warns_of_doubtful_but_workable_settings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "r.yaml").write_text(
        "rules:\n  - name: acme-volume\n    entity: Acme\n"
        "    condition: {kind: volume, window: 10m, above: 15}\n",
        encoding="utf-8",
    )
    path = tmp_path / "config.yaml"
    path.write_text(
        BASE
        + f'database: {{url: "sqlite:///{tmp_path}/w.db"}}\n'
        + "sentiment: {model: lexicon}\n"
        + "notifications: {group_by: [entity, nosuch]}\n"
        + _receivers(
            "- name: a",
            "  urls: ['json://127.0.0.1:9/a']",
            "  escalate_to: b",
            "- name: b",
            "  urls: ['json://127.0.0.1:9/b']",
        ),
        encoding="utf-8",
    )
    main(["check", "-c", str(path)])
    err = capsys.readouterr().err
    assert f"warning: {path}:9: receivers[0].escalate_to: no escalate_after" in err
    assert f"warning: {path}:5: notifications.group_by[1]: no rule gives alerts the label " in err
