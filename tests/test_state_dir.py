"""Config in /etc/warden, state in the state directory: where the database lands, and a clear
error (at `warden check` and at `warden run`) when it cannot be written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pipeline_helpers import write_setup

from warden.cli import main
from warden.config import load_config
from warden.errors import EXIT_CONFIG

EXAMPLE = Path(__file__).resolve().parents[1] / "config.yaml"


def server_layout(tmp_path: Path) -> tuple[Path, Path]:
    """The shipped config.yaml and rules copied to <tmp>/etc/warden, and an empty state folder."""
    etc = tmp_path / "etc" / "warden"
    etc.mkdir(parents=True)
    (etc / "config.yaml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    rules = EXAMPLE.parent / "rules"
    (etc / "rules").mkdir()
    for path in rules.glob("*.yaml"):
        (etc / "rules" / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    state = tmp_path / "var" / "lib" / "warden"
    state.mkdir(parents=True)
    return etc / "config.yaml", state


def test_the_shipped_config_puts_the_database_in_the_state_directory(tmp_path: Path) -> None:
    config_path, state = server_layout(tmp_path)
    under_systemd = load_config(config_path, env={"STATE_DIRECTORY": str(state)})
    assert under_systemd.database_url == f"sqlite:///{state}/var/warden.db"
    # Without systemd (a checkout, `make demo`), next to config.yaml as before.
    by_hand = load_config(config_path, env={})
    assert by_hand.database_url == f"sqlite:///{config_path.parent}/var/warden.db"
    # daemon.state_dir wins over both.
    text = config_path.read_text().replace("daemon:\n", f"daemon:\n  state_dir: {state}/x\n", 1)
    config_path.write_text(text)
    chosen = load_config(config_path, env={"STATE_DIRECTORY": str(state)})
    assert chosen.database_url == f"sqlite:///{state}/x/var/warden.db"


def test_check_reports_an_unwritable_database_path(
    tmp_path: Path,
    tiny_model_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config_path, state = server_layout(tmp_path)
    monkeypatch.setenv("WARDEN_SENTIMENT_MODEL", str(tiny_model_dir))  # check looks for it
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder should be")
    monkeypatch.setenv("STATE_DIRECTORY", str(blocker))
    assert main(["check", "-c", str(config_path)]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert f"{config_path}: database.url: cannot write the SQLite folder {blocker}/var" in err
    assert "StateDirectory" in err
    # As the unit's ExecStartPre= runs it: one JSON line for the journal.
    assert main(["check", "--json", "-c", str(config_path)]) == EXIT_CONFIG
    captured = capsys.readouterr()
    (report,) = [json.loads(line) for line in captured.out.splitlines()]
    assert captured.err == ""
    assert report["event"] == "check.failed" and report["level"] == "error"
    assert "cannot write the SQLite folder" in report["problems"][0]
    monkeypatch.setenv("STATE_DIRECTORY", str(state))
    assert main(["check", "-c", str(config_path)]) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["check", "--json", "-c", str(config_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["event"] == "check.ok" and report["problems"] == []
    assert list(state.iterdir()) == [], "warden check created something"


def test_run_with_an_unwritable_database_path_is_a_config_error_not_a_traceback(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    config = write_setup(
        tmp_path,
        db_url=f"sqlite:///{blocker}/warden.db",
        feed_url="http://127.0.0.1:9/feed.xml",
        receiver_url="console://",
        model_dir=tiny_model_dir,
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "warden", "run", "-c", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == EXIT_CONFIG
    assert "Traceback" not in result.stderr
    (line,) = [json.loads(raw) for raw in result.stderr.splitlines()]
    assert line["event"] == "config.invalid" and line["level"] == "error"
    assert f"cannot write the SQLite folder {blocker}" in line["problems"][0]
