"""Who may read the status page: web.auth (token or basic), the loopback rule at config load,
and the endpoints auth leaves alone (webhooks, /healthz, /readyz, /metrics)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from web_helpers import NOW, TOKEN, add_mention, add_source_state, write_config

from warden.cli import main
from warden.clock import SimulatedClock
from warden.errors import ConfigError
from warden.store.db import Database
from warden.web.pages.auth import COOKIE
from warden.web.server import WebServer, build_web_server

TOKEN_AUTH = {"auth": {"token": "${WARDEN_WEB_TOKEN}"}}
BASIC_AUTH = {"auth": {"basic": {"username": "ops", "password": "${WEB_PASSWORD}"}}}


def serve(tmp_path: Path, web: dict[str, Any], **extra: Any) -> tuple[WebServer, Database]:
    config = write_config(tmp_path, web, **extra)
    db = Database(config.database_url)
    db.upgrade()
    add_mention(db, "Acme private matters")
    from warden.entities import matcher_from_settings

    server = build_web_server(
        config,
        db,
        matcher_from_settings(config.entities),
        SimulatedClock(NOW),
        pages={"/readyz": lambda: (200, "application/json", b'{"ready": true}')},
    )
    server.start()
    return server, db


@pytest.fixture
def token_web(tmp_path: Path) -> Iterator[WebServer]:
    hook = {"type": "webhook", "name": "push", "token": "hook-token-123"}
    server, db = serve(tmp_path, TOKEN_AUTH, sources=[hook])
    yield server
    server.stop()
    db.dispose()


def test_without_the_token_every_page_is_refused(token_web: WebServer) -> None:
    for path in ("/", "/stream", "/stream/events", "/alerts/1", "/lookup?q=x", "/charts/x.png"):
        page = httpx.get(token_web.url + path, timeout=10)
        assert page.status_code == 401, path
        assert page.headers["www-authenticate"] == 'Bearer realm="Warden"'
        assert "Acme private matters" not in page.text
    wrong = httpx.get(token_web.url + "/stream", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert httpx.get(token_web.url + "/stream?token=nope").status_code == 401


def test_bearer_token_opens_the_pages(token_web: WebServer) -> None:
    page = httpx.get(token_web.url + "/stream", headers={"Authorization": f"Bearer {TOKEN}"})
    assert page.status_code == 200 and "Acme private matters" in page.text


def test_token_in_the_address_sets_a_lax_http_only_cookie_once(token_web: WebServer) -> None:
    with httpx.Client(base_url=token_web.url, timeout=10) as browser:
        first = browser.get("/stream", params={"token": TOKEN, "source": "news"})
        assert first.status_code == 303
        assert first.headers["location"] == "/stream?source=news"  # the token leaves the URL
        cookie = first.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE}=") and TOKEN not in cookie
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # plain http on loopback: a Secure cookie would be lost
        later = browser.get("/stream")  # the cookie alone is enough from now on
        assert later.status_code == 200 and "Acme private matters" in later.text


def test_a_link_followed_from_another_site_opens_once_signed_in(token_web: WebServer) -> None:
    """A link in Slack or a webmail is a cross-site top-level GET: the cookie goes with it."""
    with httpx.Client(base_url=token_web.url, timeout=10) as browser:
        signed_in = browser.get("/", params={"token": TOKEN})
        assert "SameSite=Lax" in signed_in.headers["set-cookie"]
        followed = browser.get(
            "/stream",
            headers={
                "Referer": "https://app.slack.com/client/T1/C1",
                "Sec-Fetch-Site": "cross-site",
                "Sec-Fetch-Mode": "navigate",
            },
        )
        assert followed.status_code == 200 and "Acme private matters" in followed.text


def test_behind_https_the_cookie_is_secure(token_web: WebServer) -> None:
    first = httpx.get(
        token_web.url + "/",
        params={"token": TOKEN},
        headers={"X-Forwarded-Proto": "https"},
        timeout=10,
    )
    assert "Secure" in first.headers["set-cookie"]


def test_a_https_public_url_makes_the_cookie_secure(tmp_path: Path) -> None:
    web = {**TOKEN_AUTH, "public_url": "https://status.example"}
    server, db = serve(tmp_path, web)
    try:
        first = httpx.get(server.url + "/", params={"token": TOKEN}, timeout=10)
        cookie = first.headers["set-cookie"]
        assert "Secure" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie
    finally:
        server.stop()
        db.dispose()


def test_auth_leaves_health_metrics_and_webhooks_alone(token_web: WebServer) -> None:
    assert httpx.get(token_web.url + "/healthz").status_code == 200
    assert httpx.get(token_web.url + "/readyz").json() == {"ready": True}
    push = httpx.post(
        token_web.url + "/hooks/push",
        json={"items": []},
        headers={"Authorization": "Bearer hook-token-123"},
    )
    assert push.status_code != 401
    refused = httpx.post(token_web.url + "/hooks/push", json={"items": []})
    assert refused.status_code == 401 and refused.headers["content-type"].startswith(
        "application/json"
    )


SECRET_FEED = "HTTP 404 from https://www.google.com/alerts/feeds/0123456789/987654321"


def test_healthz_stays_open_but_says_no_more_than_each_source_status_under_auth(
    tmp_path: Path,
) -> None:
    feed = {"type": "rss", "name": "galerts", "url": "https://www.google.com/alerts/feeds/1/2"}
    server, db = serve(tmp_path, TOKEN_AUTH, sources=[feed])
    add_source_state(db, "galerts", error=SECRET_FEED)
    try:
        health = httpx.get(server.url + "/healthz", timeout=10)
        signed_in = httpx.get(server.url + "/", headers={"Authorization": f"Bearer {TOKEN}"})
    finally:
        server.stop()
        db.dispose()
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "degraded"
    assert body["sources"] == [{"source": "galerts", "status": "failing"}]
    assert "alerts/feeds" not in health.text and "0123456789" not in health.text
    assert "0123456789/987654321" in signed_in.text  # in full for who signed in


def test_without_auth_healthz_keeps_the_details(tmp_path: Path) -> None:
    server, db = serve(tmp_path, {})
    add_source_state(db, "news", error="HTTP 503 from https://news.example/feed")
    try:
        body = httpx.get(server.url + "/healthz", timeout=10).json()
    finally:
        server.stop()
        db.dispose()
    news = next(s for s in body["sources"] if s["source"] == "news")
    assert news["last_error"] == "HTTP 503 from https://news.example/feed"


def test_basic_auth(tmp_path: Path) -> None:
    server, db = serve(tmp_path, BASIC_AUTH)
    try:
        refused = httpx.get(server.url + "/")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == 'Basic realm="Warden", charset="UTF-8"'
        assert httpx.get(server.url + "/", auth=("ops", "wrong")).status_code == 401
        assert httpx.get(server.url + "/", auth=("other", "pa55-w0rd")).status_code == 401
        page = httpx.get(server.url + "/stream", auth=("ops", "pa55-w0rd"))
        assert page.status_code == 200 and "Acme private matters" in page.text
    finally:
        server.stop()
        db.dispose()


def test_the_token_is_never_logged(
    token_web: WebServer, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx.get(token_web.url + "/stream", params={"token": TOKEN})
    httpx.get(token_web.url + "/", headers={"Authorization": f"Bearer {TOKEN}"})
    httpx.get(token_web.url + "/", params={"token": TOKEN + "x"})
    captured = capsys.readouterr()
    assert TOKEN not in captured.out + captured.err


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "status.example.com"])
def test_a_status_page_off_loopback_needs_auth(tmp_path: Path, host: str) -> None:
    with pytest.raises(ConfigError) as refused:
        write_config(tmp_path, {"host": host})
    assert "web.auth" in str(refused.value) and host in str(refused.value)
    assert write_config(tmp_path, {"host": host, **TOKEN_AUTH}).web.auth is not None
    assert not write_config(tmp_path, {"host": host, "status_page": False}).web.status_page


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.53"])
def test_loopback_needs_no_auth(tmp_path: Path, host: str) -> None:
    assert write_config(tmp_path, {"host": host}).web.auth is None


def test_a_webhook_listening_off_loopback_counts_too(tmp_path: Path) -> None:
    hook = {"type": "webhook", "name": "push", "token": "t", "host": "0.0.0.0", "port": 0}
    with pytest.raises(ConfigError, match=r"web\.auth"):
        write_config(tmp_path, {}, sources=[hook])


def test_auth_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="exactly one of `token` or `basic`"):
        write_config(tmp_path, {"auth": {}})
    with pytest.raises(ConfigError, match="at least 16"):
        write_config(tmp_path, {"auth": {"token": "short"}})
    with pytest.raises(ConfigError, match="WARDEN_WEB_TOKEN_MISSING"):
        write_config(tmp_path, {"auth": {"token": "${WARDEN_WEB_TOKEN_MISSING}"}})


def test_check_warns_of_a_published_status_page_without_auth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rules").mkdir()
    monkeypatch.setenv("WARDEN_WEB_TOKEN", TOKEN)
    published = {"public_url": "https://warden.example.com"}
    write_config(tmp_path, published)
    main(["check", "-c", str(tmp_path / "config.yaml")])
    err = capsys.readouterr().err
    assert "web.public_url: the status page is published at https://warden.example.com" in err
    assert "set web.auth" in err
    write_config(tmp_path, {**published, **TOKEN_AUTH})
    main(["check", "-c", str(tmp_path / "config.yaml")])
    err = capsys.readouterr().err
    assert "WARDEN_WEB_TOKEN" not in err  # the config loaded (the token is in the env)
    assert "web.public_url" not in err


def test_the_icon_needs_no_sign_in_and_tells_nothing(token_web: WebServer) -> None:
    icon = httpx.get(token_web.url + "/favicon.ico", timeout=10)
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")
    assert "Acme" not in icon.text


def test_a_hostile_address_leaves_no_control_character_in_the_log(token_web: WebServer) -> None:
    import io

    import structlog

    from warden.log import configure_logging

    for fmt in ("console", "json"):
        log = io.StringIO()
        configure_logging("debug", fmt, stream=log)  # type: ignore[arg-type]
        try:
            refused = httpx.get(token_web.url + "/%1b%5b2J%1b%5b31mRED%00%c2%9b", timeout=10)
        finally:
            structlog.reset_defaults()
        assert refused.status_code == 401
        logged = log.getvalue()
        assert "web.unauthorised" in logged, fmt
        assert "RED" in logged and not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", logged), fmt


def test_no_page_changes_anything_on_a_get(tmp_path: Path) -> None:
    """What makes SameSite=Lax safe: the cookie rides on links from other sites, which are
    GETs, and the status page only reads (it has no form that posts)."""
    import threading

    from warden.web.pages import create_app

    config = write_config(tmp_path, TOKEN_AUTH)
    db = Database(config.database_url)
    try:
        app = create_app(lambda: config, db, SimulatedClock(NOW), threading.Event())
        for rule in app.url_map.iter_rules():
            assert set(rule.methods or ()) <= {"GET", "HEAD", "OPTIONS"}, rule.rule
    finally:
        db.dispose()
