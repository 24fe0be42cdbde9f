"""Config and rule files as YAML: anchors, aliases and merge keys work, duplicates are still
caught with their line, alias bombs and huge files are refused with a clear error, a duration
needs a unit, and the inline-secret warning names only real secrets."""

from __future__ import annotations

import resource
from datetime import timedelta
from pathlib import Path

import pytest

from warden.config import load_config
from warden.durations import parse_duration
from warden.errors import ConfigError
from warden.inline_secrets import inline_secret_warnings, url_secrets
from warden.rules.loader import load_rule_file
from warden.rules.schema import VolumeCondition
from warden.yamlbounds import MAX_FILE_BYTES, MAX_NODES
from warden.yamlfile import read_yaml


def _problems(call: object, *args: object) -> list[str]:
    with pytest.raises(ConfigError) as info:
        call(*args)  # type: ignore[operator]
    return info.value.problems


MERGED_RULES = """\
x-common: &common
  entity: "*"
  severity: warning
  keep_firing_for: 5m
  condition: &volume {kind: volume, window: 10m, above: 15}
rules:
  - <<: *common
    name: volume-surge
  - <<: *common
    name: negative-surge
    severity: critical
    condition: {kind: negative_share, window: 15m, above: 0.6}
  - <<: *common
    name: bigger-surge
    condition:
      <<: *volume
      above: 40
"""


def test_rules_may_use_anchors_aliases_and_merge_keys(tmp_path: Path) -> None:
    path = tmp_path / "merged.yaml"
    path.write_text(MERGED_RULES, encoding="utf-8")
    first, second, third = (r.rule for r in load_rule_file(path))
    assert (first.name, first.severity, first.keep_firing_for) == (
        "volume-surge",
        "warning",
        timedelta(minutes=5),
    )
    assert second.severity == "critical"  # the rule's own key wins over the merged one
    assert second.condition.kind == "negative_share"
    assert isinstance(third.condition, VolumeCondition)
    assert (third.condition.above, third.condition.window) == (40, timedelta(minutes=10))


def test_an_error_in_a_merged_rule_names_the_rule_and_a_line(tmp_path: Path) -> None:
    path = tmp_path / "merged.yaml"
    path.write_text(MERGED_RULES.replace("above: 40", "above: lots"), encoding="utf-8")
    (problem,) = _problems(load_rule_file, path)
    assert problem.startswith(f"{path}:17: rules[2].condition.above: expected a valid integer")


def test_config_may_use_merge_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "x-feed: &feed {type: rss, interval: 10m}\n"
        "sources:\n"
        "  - {<<: *feed, name: a, url: https://example.com/a.xml}\n"
        "  - {<<: *feed, name: b, url: https://example.com/b.xml, interval: 2m}\n",
        encoding="utf-8",
    )
    a, b = load_config(path, env={}).sources
    assert (a.interval, b.interval) == (timedelta(minutes=10), timedelta(minutes=2))


def test_duplicate_keys_are_still_reported_with_their_line_next_to_merge_keys(
    tmp_path: Path,
) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(
        "x-c: &c {severity: warning}\n"
        "rules:\n"
        "  - <<: *c\n"
        "    name: a\n"
        "    condition: {kind: volume, window: 5m, above: 1}\n"
        "    name: b\n",
        encoding="utf-8",
    )
    (problem,) = _problems(read_yaml, path)
    assert problem.startswith(f"{path}:6: invalid YAML: duplicate key 'name' (first on line 4)")


BOMB = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
rules: *i
"""


def test_an_alias_bomb_is_refused_with_its_line_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "lol.yaml"
    path.write_text(BOMB, encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    (problem,) = _problems(load_rule_file, path)
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert problem.startswith(f"{path}:6: invalid YAML: its aliases expand to ")
    assert f"more than the {MAX_NODES:,}" in problem
    assert grown_kib < 200_000  # not the gigabytes of walking every alias


def test_a_merge_key_bomb_is_refused_too(tmp_path: Path) -> None:
    lines = ["a0: &a0 {k: 1}"]
    for n in range(1, 25):
        lines.append(f"a{n}: &a{n} {{<<: [*a{n - 1}, *a{n - 1}]}}")
    path = tmp_path / "config.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (problem,) = _problems(load_config, path)
    assert "invalid YAML: its aliases expand to" in problem


def test_an_alias_inside_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("rules: &r\n  - *r\n", encoding="utf-8")
    (problem,) = _problems(load_rule_file, path)
    assert problem.startswith(f"{path}:") and "refers to the value that contains it" in problem


def test_a_file_over_the_size_bound_is_refused_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("rules: []\n" + "# padding\n" * (MAX_FILE_BYTES // 10 + 1), encoding="utf-8")
    (problem,) = _problems(load_rule_file, path)
    assert problem.startswith(f"{path}: ") and "larger than the 1,048,576" in problem


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("notifications:\n  dispatch_every: 5\n", "notifications.dispatch_every"),
        ("rules:\n  evaluate_every: 1.5\n", "rules.evaluate_every"),
        ("sources:\n  - {name: d, type: demo, interval: 30}\n", "sources[0].interval"),
    ],
)
def test_a_bare_number_is_not_a_duration_in_config(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    (problem,) = _problems(load_config, path, {})
    assert f": {where}: expected a duration like 5m, 30s, 1h30m or 2d" in problem
    assert "got the bare number" in problem


def test_a_bare_number_is_not_a_duration_in_rules(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text(
        "rules:\n  - name: a\n    for: 5\n    condition: {kind: volume, window: 10m, above: 1}\n",
        encoding="utf-8",
    )
    (problem,) = _problems(load_rule_file, path)
    assert problem.startswith(f"{path}:3: rules[0].for: expected a duration like 5m")
    assert "write 5s or 5m" in problem


def test_durations_with_units_still_parse() -> None:
    assert parse_duration("1h30m") == timedelta(minutes=90)
    assert parse_duration("0s") == timedelta(0)
    assert parse_duration(timedelta(seconds=3)) == timedelta(seconds=3)
    for bad in (0, 5, 2.5, True, "5", "-5m", "five minutes"):
        with pytest.raises(ValueError, match="expected a duration like 5m"):
            parse_duration(bad)


@pytest.mark.parametrize(
    "url",
    [
        "mailto://127.0.0.1:8025?mode=insecure&to=ops@example.com",
        "mailtos://ops@example.com?smtp=smtp.example.com&pass=${SMTP_PASSWORD}",
        "mailtos://ops:${SMTP_PASSWORD}@example.com",
        "json://127.0.0.1:9000/hook?format=markdown",
        "postgresql+psycopg://warden@db.internal:5432/warden",
        "console://",
    ],
)
def test_urls_without_a_literal_secret_are_not_flagged(url: str) -> None:
    assert url_secrets(url) == []


@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("mailtos://bob:hunter2@smtp.example.com", ["password"]),
        ("mailtos://smtp.example.com?user=bob&pass=hunter2", ["query parameter 'pass'"]),
        ("ntfys://ntfy.example.com/alerts?token=tk_abc", ["query parameter 'token'"]),
        ("postgresql://warden:s3cret@db.internal/warden", ["password"]),
    ],
)
def test_urls_with_a_literal_secret_are_flagged(url: str, found: list[str]) -> None:
    assert url_secrets(url) == found


def test_check_warns_only_about_real_secrets_with_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "database:\n"
        "  url: postgresql://warden:s3cret@db.internal/warden\n"
        "sources:\n"
        "  - name: m\n"
        "    type: mastodon\n"
        "    hashtag: acme\n"
        "    token: abc123\n"
        "  - {name: api, type: http_json, url: 'https://api.example.com/x', items: '$.items',\n"
        "     headers: {Authorization: Bearer xyz, Accept: application/json}}\n"
        "receivers:\n"
        "  - name: mail\n"
        "    urls:\n"
        "      - mailto://127.0.0.1:8025?mode=insecure&to=ops@example.com\n"
        "      - mailtos://ops@example.com?pass=${SMTP_PASSWORD}\n",
        encoding="utf-8",
    )
    warnings = inline_secret_warnings(read_yaml(path))
    assert [w.split(": ", 2)[:2] for w in warnings] == [
        [f"{path}:2", "database.url"],
        [f"{path}:7", "sources[0].token"],
        [f"{path}:9", "sources[1].headers.Authorization"],
    ]
    assert warnings[0].endswith(
        "a password is written inline; use a ${ENV_VAR} reference so it stays out of the file"
    )


def test_the_daemon_keeps_its_rules_when_an_alias_bomb_lands_in_the_folder(
    tmp_path: Path,
) -> None:
    from pipeline_helpers import write_setup

    from warden.daemon import Daemon
    from warden.rules.loader import load_rules

    config = load_config(
        write_setup(
            tmp_path,
            db_url=f"sqlite:///{tmp_path / 'w.db'}",
            feed_url="http://127.0.0.1:9/feed.xml",
            receiver_url="console://",
            model_dir=tmp_path / "no-model",
        )
    )
    daemon = Daemon(config)
    try:
        daemon.db.upgrade()
        daemon.ruleset = load_rules(config)
        (tmp_path / "rules" / "lol.yaml").write_text(BOMB, encoding="utf-8")
        assert daemon.reload_rules(reason="test") is False
        assert [r.rule.name for r in daemon.ruleset.rules] == ["acme-volume"]
    finally:
        daemon.http.close()
        daemon.db.dispose()


@pytest.mark.parametrize("name", ["config", "rules"])
def test_every_duration_field_takes_the_unit_form_only(name: str) -> None:
    """A plain `timedelta` field would take a bare number as seconds (JSON Schema format
    "duration"); every duration of config and rules is a Duration, refusing it."""
    from warden.schemas import render_schema

    text = render_schema(name)  # type: ignore[arg-type]
    assert '"format": "duration"' not in text
    assert '"pattern": "^(\\\\d+(\\\\.\\\\d+)?(ms|s|m|h|d|w))+$"' in text


def test_clock_times_and_colon_durations_are_not_base_60_numbers(tmp_path: Path) -> None:
    """YAML 1.1 reads 22:00 as 1320 and 1:30 as 90; Warden's files keep them strings."""
    path = tmp_path / "config.yaml"
    head = "entities: [{name: Acme}]\nsources: [{name: demo, type: demo}]\n"
    path.write_text(
        head + "receivers:\n  - name: phone\n    urls: ['json://127.0.0.1:9/a']\n"
        "    quiet_hours: {start: 22:00, end: 07:30}\n",
        encoding="utf-8",
    )
    quiet = load_config(path, env={}).receivers[0].quiet_hours
    assert quiet is not None and (quiet.start, quiet.end) == ("22:00", "07:30")
    assert read_yaml(path).data["sources"][0]["name"] == "demo"
    path.write_text(head + "notifications: {dispatch_every: 1:30, top_mentions: 0x10}\n", "utf-8")
    (problem,) = _problems(load_config, path, {})
    assert problem.startswith(f"{path}:3: notifications.dispatch_every: expected a duration")
    assert problem.endswith("got '1:30' (a unit after each number, never a clock form like 1:30)")
