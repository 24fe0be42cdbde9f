"""`warden sources status`: the health table and its JSON form."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from source_servers import FakeServer, Reply

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


def try_config(tmp_path: Path, url: str) -> Path:
    config = tmp_path / "try.yaml"
    config.write_text(
        "database:\n  url: sqlite:///never-created.db\n"
        "entities:\n  - {name: Acme}\n"
        "sources:\n"
        f"  - {{name: api, type: http_json, url: '{url}/items', items: data,\n"
        "      fields: {id: uid, text: body, author_handle: who}}\n"
        "  - {name: hook, type: webhook, token: t}\n"
    )
    return config


def test_try_polls_once_and_stores_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: FakeServer
) -> None:
    items = [
        {"uid": "1", "body": "<p>Acme is down</p>", "who": "jo"},
        {"uid": "2", "body": ""},
        {"uid": "3", "body": "unrelated", "who": "al"},
    ]
    server.route("GET", "/items", lambda r: Reply(200, {"data": items}))
    config = try_config(tmp_path, server.url)
    assert main(["sources", "try", "api", "-c", str(config)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["PUBLISHED", "AUTHOR", "ENTITIES", "LANG", "TEXT"]
    assert "jo" in lines[2] and "Acme" in lines[2] and lines[2].endswith("Acme is down")
    assert "api: 2 mentions, 1 item skipped" in out and "nothing was stored" in out
    assert not (tmp_path / "never-created.db").exists()
    assert main(["sources", "try", "api", "--json", "-c", str(config)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [m["external_id"] for m in report["mentions"]] == ["1", "3"]
    assert report["mentions"][0]["entities"] == ["Acme"] and report["skipped"] == 1


def test_try_explains_what_it_cannot_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], server: FakeServer
) -> None:
    config = try_config(tmp_path, server.url)
    assert main(["sources", "try", "nope", "-c", str(config)]) == 1
    assert "no source named 'nope'" in capsys.readouterr().err
    assert main(["sources", "try", "hook", "-c", str(config)]) == 1
    assert "pushed" in capsys.readouterr().err
    server.fail(500, times=2)
    assert main(["sources", "try", "api", "-c", str(config)]) == 1
    assert "HTTP 500" in capsys.readouterr().err
