"""Every command that reads the database, against one that is missing, unreachable or empty:
one line naming the database (password masked) and what to do, exit 1, nothing created."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from warden.cli import main

ROOT = Path(__file__).resolve().parents[1]

READERS = [
    ["db", "current"],
    ["status", "--offline"],
    ["status", "--offline", "--json"],
    ["sources", "status"],
    ["alerts"],
    ["alerts", "--json"],
    ["ack", "1"],
    ["ack", "1", "--json"],
    ["silence", "list"],
    ["silence", "list", "--json"],
    ["silence", "add", "entity=Acme", "--duration", "2h", "--comment", "x"],
    ["silence", "expire", "1"],
    ["mention", "label", "12", "negative"],
    ["backtest", str(ROOT / "rules" / "demo.yaml"), "-q"],
]
"""Sub-commands reading an existing database; `db upgrade` creates a missing SQLite file."""

IDS = [" ".join(c[:3]) for c in READERS]
TABLE_READERS = [c for c in READERS if c[:2] != ["mention", "label"]]
"""`mention label` writes: it upgrades an existing database, as the daemon would."""
TABLE_IDS = [" ".join(c[:3]) for c in TABLE_READERS]


def _config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        f'database: {{url: "{url}"}}\n'
        "entities: [{name: Acme}]\n"
        "sources: [{name: demo, type: demo}]\n",
        encoding="utf-8",
    )
    return config


def _one_line(capsys: pytest.CaptureFixture[str], command: list[str]) -> str:
    captured = capsys.readouterr()
    err = captured.err.strip() or captured.out.strip()  # `db current` reports on stdout
    assert "Traceback" not in err and "\n" not in err, err
    if "--json" in command and err.startswith("{"):
        err = json.loads(err)["error"]
    return err


@pytest.mark.parametrize("command", READERS, ids=IDS)
def test_a_missing_sqlite_file_is_one_line_and_stays_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    db_file = tmp_path / "state" / "warden.db"
    config = _config(tmp_path, f"sqlite:///{db_file}")
    assert main([*command, "-c", str(config)]) == 1
    err = _one_line(capsys, command)
    assert str(db_file) in err and "`warden db upgrade`" in err
    assert not db_file.exists() and not db_file.parent.exists()


@pytest.mark.parametrize("command", TABLE_READERS, ids=TABLE_IDS)
def test_a_sqlite_file_without_tables_says_to_upgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    db_file = tmp_path / "warden.db"
    db_file.touch()
    config = _config(tmp_path, f"sqlite:///{db_file}")
    assert main([*command, "-c", str(config)]) == 1
    err = _one_line(capsys, command)
    assert str(db_file) in err and "`warden db upgrade`" in err


@pytest.mark.postgres
@pytest.mark.parametrize("command", [["db", "upgrade"], *READERS], ids=["db upgrade", *IDS])
def test_a_missing_postgresql_database_is_one_line_with_the_password_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    name = f"warden_nope_{uuid.uuid4().hex[:8]}"
    config = _config(tmp_path, f"postgresql+psycopg://postgres:s3cret@127.0.0.1:5432/{name}")
    assert main([*command, "-c", str(config)]) == 1
    err = _one_line(capsys, command)
    assert "s3cret" not in err and "***" in err
    assert name in err and "does not exist" in err and "database.url" in err


@pytest.mark.postgres
@pytest.mark.parametrize("command", TABLE_READERS, ids=TABLE_IDS)
def test_a_postgresql_database_without_tables_says_to_upgrade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pg_clean_url: str, command: list[str]
) -> None:
    config = _config(tmp_path, pg_clean_url)
    assert main([*command, "-c", str(config)]) == 1
    err = _one_line(capsys, command)
    assert "`warden db upgrade`" in err
