"""Human tables of the command line show times in the config's time zone with its
abbreviation; --json keeps ISO-8601 UTC; library log lines go to stderr, never into a table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from alerting_helpers import AT, add_alert
from lookup_helpers import Platforms, platforms, write_config
from source_servers import FakeServer

from warden.cli import main
from warden.config import load_config
from warden.store.db import Database


def _paris(tmp_path: Path) -> Path:
    path = tmp_path / "config.yaml"
    data = {"timezone": "Europe/Paris", "database": {"url": f"sqlite:///{tmp_path / 'w.db'}"}}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    db = Database(load_config(path).database_url)
    db.upgrade()
    add_alert(db, at=AT)  # 09:05 UTC: 10:05 in Paris (CET)
    db.dispose()
    return path


def test_alerts_and_silences_read_in_the_configured_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _paris(tmp_path)
    assert main(["alerts", "-c", str(path)]) == 0
    table = capsys.readouterr().out
    assert "2026-03-02 10:05 CET" in table
    assert "09:05" not in table
    assert main(["-c", str(path), "--json", "alerts"]) == 0
    (row,) = json.loads(capsys.readouterr().out)
    assert row["since"].startswith("2026-03-02T09:0") and row["since"].endswith("+00:00")
    assert (
        main(
            ["silence", "add", "-c", str(path), "entity=Acme", "--duration", "2h", "--comment", "x"]
        )
        == 0
    )
    said = capsys.readouterr().out
    assert " CET: entity=" in said or " CEST: entity=" in said, said
    assert main(["silence", "list", "-c", str(path)]) == 0
    listed = capsys.readouterr().out
    assert " CET " in listed or " CEST " in listed, listed


def test_status_reads_in_the_configured_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _paris(tmp_path)
    assert main(["status", "-c", str(path), "--offline"]) == 0
    out = capsys.readouterr().out
    assert "2026-03-02 10:05:00 CET" in out, out


@pytest.fixture
def fakes(server: FakeServer) -> Platforms:
    return platforms(server)


def test_lookup_times_are_local_and_log_lines_stay_off_the_table(
    tmp_path: Path, fakes: Platforms, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes.mastodon.add("acme without a usable link", url="mailto:x", uri="mailto:x")
    path = write_config(tmp_path, fakes.server.url, extra="timezone: America/New_York\n")
    code = main(["lookup", "Acme", "-c", str(path), "--no-sentiment", "--source", "masto-acme"])
    out, err = capsys.readouterr()
    assert code == 0
    assert "acme without a usable link" in out
    assert " EST " in out or " EDT " in out, out
    assert "link_unusable" not in out and '"event"' not in out
    assert "source.link_unusable" in err
    assert "{" not in err.split("source.link_unusable", 1)[0].splitlines()[-1]  # not JSON
