"""The webhook receiver: signed and token-authenticated pushes, limits, /healthz."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import structlog

from warden.clock import SimulatedClock
from warden.config import Config
from warden.entities import Entity, EntityMatcher
from warden.sources.webhook import sign
from warden.store.db import Database
from warden.store.models import Mention, SourceState
from warden.web import WebServer, build_push_server

SECRET = "hook-secret"
TOKEN = "hook-token"


def config(**extra: Any) -> Config:
    hooks = [
        {"type": "webhook", "name": "signed", "secret": SECRET, "port": 0, "entities": ["Acme"]},
        {
            "type": "webhook",
            "name": "bearer",
            "token": TOKEN,
            "port": 0,
            "path": "/in",
            "max_body_bytes": 2048,
        },
    ]
    entities = [{"name": "Acme"}, {"name": "Globex"}]
    return Config.model_validate({"entities": entities, "sources": hooks, **extra})


@pytest.fixture
def web(source_db: Database, sim_clock: SimulatedClock) -> Iterator[WebServer]:
    server = build_push_server(config(), source_db, EntityMatcher([Entity("Globex")]), sim_clock)
    assert server is not None
    server.start()
    yield server
    server.stop()


def stored(db: Database) -> list[Mention]:
    with db.session() as session:
        return list(session.query(Mention).order_by(Mention.id))


def post_signed(web: WebServer, body: bytes, signature: str | None = None) -> httpx.Response:
    headers = {
        "Content-Type": "application/json",
        "X-Warden-Signature": signature or sign(SECRET, body),
    }
    return httpx.post(f"{web.url}/hooks/signed", content=body, headers=headers)


def test_signed_push_is_normalised_tagged_and_stored(web: WebServer, source_db: Database) -> None:
    body = json.dumps(
        {
            "mentions": [
                {
                    "id": "a1",
                    "text": "<p>Globex  rachète</p> Acme",
                    "url": "https://ex.com/a1",
                    "author": {"handle": "jo", "name": "Jo", "followers": 12},
                    "published_at": "2026-11-20T10:00:00+01:00",
                    "likes": 3,
                    "lang": "fr",
                },
                {"id": "a2", "text": "second", "author": "ann", "published_at": 1795000000},
            ]
        }
    ).encode()
    response = post_signed(web, body)
    assert response.status_code == 200, response.text
    assert response.json() == {"accepted": 2, "duplicates": 0, "skipped": []}
    first, second = stored(source_db)
    assert first.text == "Globex rachète Acme" and first.author_followers == 12
    assert first.published_at.isoformat() == "2026-11-20T09:00:00+00:00"
    assert sorted(e.entity for e in first.entities) == ["Acme", "Globex"]
    assert second.author_handle == "ann"
    again = post_signed(web, body)
    assert again.json()["duplicates"] == 2 and len(stored(source_db)) == 2
    with source_db.session() as session:
        row = session.get(SourceState, "signed")
        assert row is not None and row.total_items == 2 and row.last_success_at


def test_bad_signature_is_rejected_logged_and_not_stored(
    web: WebServer, source_db: Database
) -> None:
    body = json.dumps({"id": "x", "text": "forged"}).encode()
    with structlog.testing.capture_logs() as logs:
        response = post_signed(web, body, signature=sign("wrong", body))
        missing = httpx.post(f"{web.url}/hooks/signed", content=body)
    assert response.status_code == 401 and missing.status_code == 401
    assert stored(source_db) == []
    rejected = [e for e in logs if e["event"] == "webhook.rejected"]
    assert [e["reason"] for e in rejected] == ["bad signature", "missing X-Warden-Signature header"]
    assert all(e["source"] == "signed" for e in rejected)
    assert SECRET not in json.dumps(logs, default=str)


def test_bearer_token(web: WebServer, source_db: Database) -> None:
    body = [{"id": "b1", "text": "by token"}]
    ok = httpx.post(f"{web.url}/in", json=body, headers={"Authorization": f"Bearer {TOKEN}"})
    bad = httpx.post(f"{web.url}/in", json=body, headers={"Authorization": "Bearer nope"})
    assert (ok.status_code, bad.status_code) == (200, 401)
    assert [m.text for m in stored(source_db)] == ["by token"]


def test_malformed_json_oversized_body_and_unusable_items(
    web: WebServer, source_db: Database
) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    truncated = httpx.post(f"{web.url}/in", content=b'{"id": "1", "te', headers=auth)
    assert truncated.status_code == 400 and "malformed JSON" in truncated.json()["error"]
    big = httpx.post(f"{web.url}/in", content=b"[" + b" " * 4096 + b"]", headers=auth)
    assert big.status_code == 413
    empty = httpx.post(f"{web.url}/in", json=[{"id": "1", "text": " "}], headers=auth)
    assert empty.status_code == 422
    mixed = httpx.post(
        f"{web.url}/in", json=[{"text": "no id"}, {"id": "2", "text": "ok"}], headers=auth
    )
    assert mixed.json() == {"accepted": 1, "duplicates": 0, "skipped": ["item 0: item has no id"]}
    assert [m.text for m in stored(source_db)] == ["ok"]


def test_healthz_and_unknown_paths(web: WebServer) -> None:
    health = httpx.get(f"{web.url}/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok"
    assert [s["source"] for s in body["sources"]] == ["signed", "bearer"]
    assert body["sources"][0]["status"] == "never_polled"
    assert httpx.get(f"{web.url}/nope").status_code == 404
    assert httpx.get(f"{web.url}/in").status_code == 405


def test_no_webhook_means_no_server(source_db: Database, sim_clock: SimulatedClock) -> None:
    assert build_push_server(Config(), source_db, EntityMatcher([]), sim_clock) is None


def test_webhooks_must_share_an_address() -> None:
    with pytest.raises(ValueError, match="share one host and port"):
        Config.model_validate(
            {
                "sources": [
                    {"type": "webhook", "name": "a", "token": "t", "port": 9001},
                    {"type": "webhook", "name": "b", "token": "t", "port": 9002},
                ]
            }
        )


def test_webhook_needs_authentication() -> None:
    with pytest.raises(ValueError, match="needs a `secret`"):
        Config.model_validate({"sources": [{"type": "webhook", "name": "open"}]})


def test_an_oversized_body_is_refused_before_it_is_sent(web: WebServer) -> None:
    import socket

    with socket.create_connection(("127.0.0.1", web.port), timeout=5) as sock:
        sock.sendall(
            b"POST /in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 999999\r\nExpect: 100-continue\r\n\r\n"
        )
        answer = sock.recv(1024)
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_pushed_relative_link_without_base_is_not_stored_and_said_once(
    web: WebServer, source_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    """A relative link cannot be followed from an alert, and would collide with another
    source's same path: without `fields.url_base` the mention is stored without it."""
    items = [{"id": f"r{n}", "text": f"Acme {n}", "url": f"/posts/{n}"} for n in range(2)]
    response = post_signed(web, json.dumps(items).encode())
    assert response.json()["accepted"] == 2
    assert [m.url for m in stored(source_db)] == [None, None]
    assert capsys.readouterr().out.count("source.link_unusable") == 1


def test_concurrent_pushes_to_a_new_source_are_all_stored_and_counted(
    db: Database, sim_clock: SimulatedClock
) -> None:
    """The first pushes of a new source arrive together: none fails on the source's health row
    (created once, whoever comes first), and the source's total counts every mention."""
    server = build_push_server(config(), db, EntityMatcher([Entity("Globex")]), sim_clock)
    assert server is not None
    server.start()
    try:

        def push(n: int) -> int:
            body = json.dumps([{"id": f"{n}-{k}", "text": f"Globex {n} {k}"} for k in range(5)])
            while True:
                answer = httpx.post(
                    f"{server.url}/in",
                    content=body,
                    headers={"Authorization": f"Bearer {TOKEN}"},
                    timeout=30,
                )
                if answer.status_code != 503:  # back-pressure: retry, as senders should
                    assert answer.status_code == 200, answer.text
                    return int(answer.json()["accepted"])

        with ThreadPoolExecutor(8) as pool:
            accepted = sum(pool.map(push, range(16)))
    finally:
        server.stop()
    assert accepted == 80
    assert len(stored(db)) == 80
    with db.session() as session:
        row = session.get(SourceState, "bearer")
        assert row is not None and row.total_items == 80


def test_a_flood_of_pushes_gets_back_pressure_not_a_queue(web: WebServer) -> None:
    """With every storing slot busy, a push is answered 503 with Retry-After at once instead
    of piling up in memory; once a slot frees, it is stored."""
    from warden.web.server import MAX_PUSHES_IN_FLIGHT

    web.push_wait = 0.1
    for _ in range(MAX_PUSHES_IN_FLIGHT):
        assert web.pushes.acquire(timeout=1)
    body = json.dumps({"id": "f1", "text": "Globex flood"}).encode()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    try:
        busy = httpx.post(f"{web.url}/in", content=body, headers=headers)
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"
    finally:
        for _ in range(MAX_PUSHES_IN_FLIGHT):
            web.pushes.release()
    stored_now = httpx.post(f"{web.url}/in", content=body, headers=headers)
    assert stored_now.status_code == 200 and stored_now.json()["accepted"] == 1
