"""`warden sources status`: the health table and its JSON form."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from warden.cli import main
from warden.store.db import Database
from warden.store.models import SourceState


def write_config(tmp_path: Path) -> Path:
    config = tmp_path / "config.yaml"
    config.write_text(
        "database:\n  url: sqlite:///warden.db\n"
        "sources:\n"
        "  - {name: news, type: rss, url: 'https://news.example/feed'}\n"
        "  - {name: hn, type: hackernews, query: acme}\n"
        "  - {name: quiet, type: hackernews, query: acme, enabled: false}\n"
    )
    db = Database(f"sqlite:///{tmp_path / 'warden.db'}")
    db.upgrade()
    when = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    with db.session() as session:
        session.add(
            SourceState(
                source="news",
                cursor={},
                last_poll_at=when,
                last_success_at=when,
                consecutive_failures=0,
                items_last_poll=4,
                total_items=40,
            )
        )
        session.add(
            SourceState(
                source="hn",
                cursor={},
                last_poll_at=when,
                last_error_at=when,
                last_error="https://hn: HTTP 500",
                consecutive_failures=3,
                items_last_poll=0,
                total_items=7,
            )
        )
    db.dispose()
    return config


def test_status_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path)
    assert main(["sources", "status", "-c", str(config)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:3] == ["SOURCE", "TYPE", "STATUS"]
    assert out[2].split()[:3] == ["news", "rss", "ok"]
    assert out[3].split()[:3] == ["hn", "hackernews", "failing"]
    assert "HTTP 500" in out[3]
    assert out[4].split()[:3] == ["quiet", "hackernews", "disabled"]


def test_status_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path)
    assert main(["sources", "status", "--json", "-c", str(config)]) == 0
    sources = json.loads(capsys.readouterr().out)["sources"]
    assert [s["source"] for s in sources] == ["news", "hn", "quiet"]
    assert sources[0]["last_success_at"] == "2026-11-26T12:00:00+00:00"
    assert sources[1]["consecutive_failures"] == 3 and sources[1]["total_items"] == 7


def test_status_without_schema_is_a_plain_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("database:\n  url: sqlite:///empty.db\n")
    assert main(["sources", "status", "-c", str(config)]) == 1
    assert "warden db upgrade" in capsys.readouterr().err
