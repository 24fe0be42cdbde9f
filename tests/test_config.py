"""config.yaml: the shipped example loads; every mistake is reported as file:line: path: what."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from warden.config import load_config
from warden.errors import ConfigError
from warden.inline_secrets import inline_secret_warnings
from warden.yamlfile import read_yaml

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env or {})
    return info.value.problems


def test_shipped_example_config_is_valid_and_resolves_paths() -> None:
    config = load_config(ROOT / "config.yaml", env={})
    assert config.sources[0].type == "demo"
    assert config.database_url == f"sqlite:///{ROOT / 'var' / 'warden.db'}"
    assert config.rules_dir == ROOT / "rules"
    assert config.entities[0].name == "Banque Exemple"
    assert config.notifications.repeat_interval == timedelta(hours=4)


def test_bad_duration_names_file_line_and_key_path(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n"
        "  - name: a\n    type: demo\n"
        "  - name: news\n    type: rss\n    url: https://example.com/feed\n"
        "    interval: every five minutes\n",
    )
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:7: sources[1].interval: expected a duration like 5m")


def test_out_of_range_values_say_the_bound_in_plain_words(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "daemon:\n  workers: 0\n"
        "sources:\n  - name: m\n    type: mastodon\n    hashtag: acme\n    page_size: 41\n"
        "receivers:\n  - name: mail\n    urls: []\n",
    )
    assert problems_of(path) == [
        f"{path}:2: daemon.workers: expected at least 1, got 0",
        f"{path}:7: sources[0].page_size: expected at most 40, got 41",
        f"{path}:10: receivers[0].urls: expected at least 1 item, got []",
    ]


def test_unknown_source_type_lists_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - name: a\n    type: telegraph\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:3: sources[0].type: unknown value 'telegraph'; expected")
    assert "rss" in problem


def test_misspelt_key_is_an_error_not_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "notifications:\n  repeat_intervall: 1h\n")
    (problem,) = problems_of(path)
    assert (
        problem == f"{path}:2: notifications.repeat_intervall: "
        "unknown key (check its spelling and indentation)"
    )


def test_broken_yaml_reports_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "database:\n  url: sqlite:///x.db\n receivers: [\n")
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:3: invalid YAML")


def test_duplicate_keys_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "logging:\n  level: info\n  level: debug\n")
    (problem,) = problems_of(path)
    assert f"{path}:3:" in problem and "duplicate key 'level'" in problem


def test_secrets_come_from_the_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "receivers:\n  - name: mail\n    urls: ['mailtos://alerts:${SMTP_PASSWORD}@smtp.example.com']\n",
    )
    config = load_config(path, env={"SMTP_PASSWORD": "s3cret"})
    assert config.receivers[0].urls == ["mailtos://alerts:s3cret@smtp.example.com"]
    (problem,) = problems_of(path, env={})
    assert problem.startswith(f"{path}:3: receivers[0].urls[0]: environment variable SMTP_PASSWORD")
    assert "s3cret" not in problem


def test_env_default_is_used_when_unset(tmp_path: Path) -> None:
    path = write(tmp_path, "database:\n  url: ${WARDEN_DB:-sqlite:///db/w.db}\n")
    assert load_config(path, env={}).database_url == f"sqlite:///{tmp_path / 'db' / 'w.db'}"
    env = {"WARDEN_DB": "postgresql+psycopg://warden@db/warden"}
    assert load_config(path, env=env).database_url == env["WARDEN_DB"]


def test_inline_password_is_flagged(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "receivers:\n  - name: mail\n    urls:\n      - mailtos://me:hunter2@smtp.example.com\n",
    )
    (warning,) = inline_secret_warnings(read_yaml(path))
    assert warning.startswith(f"{path}:4: receivers[0].urls[0]: a password is written inline")


def test_duplicate_source_names_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - {name: a, type: demo}\n  - {name: a, type: demo}\n")
    (problem,) = problems_of(path)
    assert "two sources are named 'a'" in problem


def test_missing_config_file_is_named(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path / "nope.yaml")
    assert problem == f"{tmp_path / 'nope.yaml'}: file not found"


def test_relative_source_files_are_relative_to_the_config(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "sources:\n"
        "  - {name: replay, type: demo, scenario: crises/outage.jsonl}\n"
        "  - {name: export, type: jsonl, path: /var/lib/warden/export.jsonl}\n",
    )
    config = load_config(path, env={})
    assert config.sources[0].scenario == tmp_path / "crises" / "outage.jsonl"  # type: ignore[union-attr]
    assert config.sources[1].path == Path("/var/lib/warden/export.jsonl")  # type: ignore[union-attr]


def test_a_source_can_only_name_known_entities(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "entities: [{name: Acme}]\n"
        "sources:\n  - {name: feed, type: demo, entities: [Acme, Acne]}\n",
    )
    (problem,) = problems_of(path)
    assert (
        "source 'feed' names entity 'Acne', which is not an entity; did you mean 'Acme'? "
        "(entities: Acme)" in problem
    )


def test_an_unknown_competitor_suggests_the_closest_other_entity(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "entities:\n"
        "  - {name: Banque Exemple, competitors: [Autre Banqe]}\n"
        "  - {name: Autre Banque}\n",
    )
    (problem,) = problems_of(path)
    assert problem.endswith(
        "entity 'Banque Exemple' names competitor 'Autre Banqe', which is not an entity; "
        "did you mean 'Autre Banque'? (other entities: Autre Banque)"
    )


def test_a_relative_model_folder_is_relative_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "models" / "acme").mkdir(parents=True)
    path = write(tmp_path, "sentiment:\n  model: models/acme\n")
    assert load_config(path, env={}).sentiment.model == str(tmp_path / "models" / "acme")
    path = write(tmp_path, "sentiment:\n  model: cardiffnlp/twitter-xlm-roberta-base-sentiment\n")
    hub_id = "cardiffnlp/twitter-xlm-roberta-base-sentiment"
    assert load_config(path, env={}).sentiment.model == hub_id


@pytest.mark.parametrize("account", ['""', '"   "', '"@"', '"@@mastodon.social"'])
def test_an_account_without_a_name_is_refused_at_its_line(tmp_path: Path, account: str) -> None:
    path = write(
        tmp_path,
        f'entities:\n  - name: Banque Exemple\n    accounts: ["@BanqueExemple", {account}]\n',
    )
    (problem,) = problems_of(path)
    assert problem.startswith(f"{path}:3: entities[0].accounts[1]: ")
    assert "an account needs a name" in problem
