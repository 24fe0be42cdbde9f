"""The status page's look-up box: /lookup?q=Name asks every searchable source (local fakes)
and the store, and shows the results grouped by source with their sentiment, as text."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from lookup_helpers import Platforms, platforms, store, write_config
from source_servers import FakeServer

from warden.clock import SimulatedClock
from warden.config import load_config
from warden.entities import matcher_from_settings
from warden.store import Database
from warden.web.server import build_web_server

NOW = datetime(2026, 11, 2, tzinfo=UTC)


def test_lookup_groups_results_by_source_with_sentiment(tmp_path: Path, server: FakeServer) -> None:
    fakes: Platforms = platforms(server)
    fakes.bluesky.add("Acme Bank <script>alert(1)</script> is terrible")
    fakes.hackernews.add("Acme Bank outage", story=True)
    config = load_config(write_config(tmp_path, server.url, extra="web: {port: 0, language: fr}\n"))
    db = Database(config.database_url)
    db.upgrade()
    store(db, [("Acme Bank ferme trois agences", NOW, "negative", -0.7)])
    web = build_web_server(config, db, matcher_from_settings(config.entities), SimulatedClock(NOW))
    web.start()
    try:
        page = httpx.get(web.url + "/lookup", params={"q": "Acme Bank"}, timeout=30)
    finally:
        web.stop()
        db.dispose()
    assert page.status_code == 200
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))
    groups = re.findall(r"<h3>\s*([^<\s]+)", page.text)
    assert groups[0] == "stored" and {"bsky-acme", "hn-acme"} <= set(groups)
    stored = text.split("stored", 1)[1].split("x-acme", 1)[0]
    assert "Acme Bank ferme trois agences" in stored and "négative 100 %" in stored
    assert "Acme Bank <script>alert(1)</script> is terrible" in text
    assert "<script>alert(1)" not in page.text
    assert 'value="Acme Bank"' in page.text  # the box keeps the name
    assert "Résultats pour «\u202fAcme Bank\u202f»" in page.text  # French quotes in French
    # No watch button: adding a name to the watched entities is done on the command line.
    assert '<form method="post"' not in page.text


def _serve_lookup(tmp_path: Path, server: FakeServer) -> tuple[object, Database]:
    config = load_config(write_config(tmp_path, server.url, extra="web: {port: 0}\n"))
    db = Database(config.database_url)
    db.upgrade()
    web = build_web_server(config, db, matcher_from_settings(config.entities), SimulatedClock(NOW))
    web.start()
    return web, db


def test_the_english_page_quotes_the_name_in_english(tmp_path: Path, server: FakeServer) -> None:
    platforms(server)
    web, db = _serve_lookup(tmp_path, server)
    try:
        page = httpx.get(web.url + "/lookup", params={"q": "RED"}, timeout=30)  # type: ignore[attr-defined]
    finally:
        web.stop()  # type: ignore[attr-defined]
        db.dispose()
    text = html.unescape(re.sub(r"<[^>]+>", " ", page.text))
    assert "Results for “RED”" in text
    assert "«" not in text and "»" not in text


def test_control_characters_and_escapes_never_reach_the_log_or_the_sources(
    tmp_path: Path, server: FakeServer, capsys: pytest.CaptureFixture[str]
) -> None:
    platforms(server)
    web, db = _serve_lookup(tmp_path, server)
    try:
        page = httpx.get(
            web.url + "/lookup",  # type: ignore[attr-defined]
            params={"q": "\x1b[2J\x1b[31mAcme\x00\x07  \t Bank\u202e"},
            timeout=30,
        )
    finally:
        web.stop()  # type: ignore[attr-defined]
        db.dispose()
    assert page.status_code == 200
    assert 'value="Acme Bank"' in page.text
    sent = [v for r in server.requests for vs in r.repeated.values() for v in vs]
    assert sent and any("Acme Bank" in v for v in sent)
    assert not any(re.search(r"[\x00-\x1f\x7f\u202e]", v) for v in sent)
    logged = capsys.readouterr()
    assert "Acme Bank" in logged.out
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", logged.out + logged.err)


def test_a_name_with_nothing_printable_is_refused_with_a_message(
    tmp_path: Path, server: FakeServer
) -> None:
    platforms(server)
    web, db = _serve_lookup(tmp_path, server)
    try:
        page = httpx.get(web.url + "/lookup", params={"q": "\x00\x01 \x1b[2J"}, timeout=30)  # type: ignore[attr-defined]
    finally:
        web.stop()  # type: ignore[attr-defined]
        db.dispose()
    assert page.status_code == 200
    assert "no printable characters" in html.unescape(page.text)
    assert server.requests == []  # no source was asked
