"""Commands that only read never create a database as a side effect of looking."""

from __future__ import annotations

from pathlib import Path

import pytest

from warden.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _config(tmp_path: Path) -> tuple[Path, Path]:
    db_file = tmp_path / "state" / "warden.db"
    config = tmp_path / "config.yaml"
    config.write_text(
        f'database: {{url: "sqlite:///{db_file}"}}\n'
        "entities: [{name: Acme}]\n"
        "sources: [{name: demo, type: demo}]\n",
        encoding="utf-8",
    )
    return config, db_file


@pytest.mark.parametrize(
    "command",
    [
        ["db", "current"],
        ["sources", "status"],
        ["sources", "status", "--json"],
        ["backtest", str(ROOT / "rules" / "demo.yaml"), "-q"],
        ["mention", "label", "12", "negative"],
        ["report", "--to", "digest.html"],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_a_read_only_command_creates_no_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    config, db_file = _config(tmp_path)
    assert main([*command, "-c", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"no database at {db_file}" in err
    assert "`warden db upgrade`" in err
    assert not db_file.exists() and not db_file.parent.exists()


def test_db_current_reads_an_existing_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, _ = _config(tmp_path)
    assert main(["db", "upgrade", "-c", str(config)]) == 0
    capsys.readouterr()
    assert main(["db", "current", "-c", str(config)]) == 0
    assert "(up to date)" in capsys.readouterr().out
