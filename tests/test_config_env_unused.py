"""A command needs only the secrets of the sections it uses: `warden alerts` by hand, without
the service's EnvironmentFile, works although web.auth and the receivers reference unset
variables; `warden check` and `warden run` still refuse them."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.cli import main
from warden.config import load_config
from warden.errors import ConfigError

SECRETS = ("WARDEN_TEST_WEB_TOKEN", "WARDEN_TEST_SMTP_PASS", "WARDEN_TEST_DB")


def _write(tmp_path: Path, database: str | None = None) -> Path:
    url = database or f"sqlite:///{tmp_path / 'warden.db'}"
    config = tmp_path / "config.yaml"
    config.write_text(
        f'database: {{url: "{url}"}}\n'
        "entities: [{name: Acme}]\n"
        "web:\n"
        "  auth:\n"
        "    token: ${WARDEN_TEST_WEB_TOKEN}\n"
        "receivers:\n"
        "  - name: oncall\n"
        '    urls: ["mailtos://${WARDEN_TEST_SMTP_USER:-alerts}:${WARDEN_TEST_SMTP_PASS}'
        '@smtp.example.com:587?to=oncall@example.com"]\n',
        encoding="utf-8",
    )
    return config


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*SECRETS, "WARDEN_TEST_SMTP_USER"):
        monkeypatch.delenv(name, raising=False)


def test_load_config_leaves_unused_sections_unset_references_as_written(tmp_path: Path) -> None:
    path = _write(tmp_path)
    env = {"WARDEN_TEST_SMTP_USER": "ops-user"}
    config = load_config(path, env, unused=("web", "receivers", "digests", "sources"))
    assert config.unset_env == ("WARDEN_TEST_WEB_TOKEN", "WARDEN_TEST_SMTP_PASS")
    assert config.web.auth is not None and config.web.auth.token == "${WARDEN_TEST_WEB_TOKEN}"
    # a set variable is still expanded next to an unset one
    assert config.receivers[0].urls[0].startswith("mailtos://ops-user:${WARDEN_TEST_SMTP_PASS}@")
    assert "unset_env" not in config.model_dump()
    with pytest.raises(ConfigError) as strict:
        load_config(path, env)
    assert (
        f"{path}:5: web.auth.token: environment variable WARDEN_TEST_WEB_TOKEN is not set"
        in (strict.value.problems[0])
    )
    token = {"WARDEN_TEST_WEB_TOKEN": "t" * 20}
    assert load_config(path, {**env, **token}, unused=("receivers",)).unset_env == (
        "WARDEN_TEST_SMTP_PASS",
    )


def test_load_config_set_variables_are_expanded_in_unused_sections_too(tmp_path: Path) -> None:
    env = {"WARDEN_TEST_WEB_TOKEN": "s3cret-token-0123456789", "WARDEN_TEST_SMTP_PASS": "pw"}
    config = load_config(_write(tmp_path), env, unused=("web", "receivers"))
    assert config.unset_env == ()
    assert config.web.auth is not None and config.web.auth.token == env["WARDEN_TEST_WEB_TOKEN"]
    assert config.receivers[0].urls[0] == (
        "mailtos://alerts:pw@smtp.example.com:587?to=oncall@example.com"
    )


def test_a_short_reference_is_read_with_a_stand_in(tmp_path: Path) -> None:
    """`${TOK}` is shorter than the 16 characters of a token: a stand-in takes its place."""
    path = tmp_path / "config.yaml"
    path.write_text("web:\n  auth:\n    token: ${TOK}\n", encoding="utf-8")
    config = load_config(path, {}, unused=("web",))
    assert config.unset_env == ("TOK",)
    assert config.web.auth is not None and config.web.auth.token == "unset-TOK0000000"
    with pytest.raises(ConfigError):
        load_config(path, {})  # strict where the section is used


def test_a_reference_that_cannot_stand_for_its_value_reports_the_unset_variable(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("web:\n  port: ${WPORT}\n", encoding="utf-8")  # not a number either way
    with pytest.raises(ConfigError) as exc:
        load_config(path, {}, unused=("web",))
    assert f"{path}:2: web.port: environment variable WPORT is not set" in exc.value.problems[0]


def test_alerts_by_hand_without_the_service_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARDEN_TEST_SMTP_USER", "ops-user-value")
    config = str(_write(tmp_path))
    assert main(["db", "upgrade", "-c", config]) == 0
    capsys.readouterr()
    assert main(["alerts", "--json", "-c", config]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == "[]"
    assert err.splitlines() == [
        "warden: WARDEN_TEST_WEB_TOKEN, WARDEN_TEST_SMTP_PASS not set; not needed by this command"
    ]
    assert "ops-user-value" not in err
    assert main(["silence", "list", "-c", config]) == 0
    assert "not needed by this command" in capsys.readouterr().err


def test_check_still_fails_on_the_unset_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write(tmp_path)
    assert main(["check", "-c", str(config)]) != 0
    err = capsys.readouterr().err
    assert f"{config}:5: web.auth.token: environment variable WARDEN_TEST_WEB_TOKEN is not set" in (
        err
    )
    assert f"{config}:8: receivers[0].urls[0]: environment variable WARDEN_TEST_SMTP_PASS" in err


def test_notify_test_still_needs_the_receivers_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write(tmp_path)
    assert main(["notify", "test", "oncall", "-c", str(config)]) != 0
    assert "environment variable WARDEN_TEST_SMTP_PASS is not set" in capsys.readouterr().err


def test_an_unset_variable_in_the_database_url_still_fails_alerts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _write(tmp_path, database="${WARDEN_TEST_DB}")
    assert main(["alerts", "--json", "-c", str(config)]) != 0
    err = capsys.readouterr().err
    assert f"{config}:1: database.url: environment variable WARDEN_TEST_DB is not set" in err


def test_backtest_on_stored_mentions_without_the_service_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = str(_write(tmp_path))
    assert main(["db", "upgrade", "-c", config]) == 0
    capsys.readouterr()
    rules = str(Path(__file__).resolve().parents[1] / "rules" / "demo.yaml")
    argv = ["backtest", rules, "-c", config, "--from", "2026-03-02", "--to", "2026-03-03"]
    # The config loads (once) without the secrets; the empty store is the only complaint.
    assert main([*argv, "--json", "-q"]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines == [
        "warden: WARDEN_TEST_WEB_TOKEN, WARDEN_TEST_SMTP_PASS not set; not needed by this command",
        '{"error": "no stored mentions between 2026-02-01 and 2026-03-03"}',
    ]
