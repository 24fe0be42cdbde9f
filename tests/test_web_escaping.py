"""Text from outside (posts, author names, links, a look-up query) is shown as text on every
status page: no element, attribute or link can come from it, and only http(s) URLs are linked."""

from __future__ import annotations

import html
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from web_helpers import NOW, add_alert, add_mention, start_web, write_config

from warden.clock import SimulatedClock
from warden.store.db import Database
from warden.web.server import WebServer

HOSTILE_TEXT = (
    "<script>alert(1)</script> and <img src=x onerror=alert(2)> "
    "see <https://evil.example|click> or [x](javascript:alert(1))"
)
HOSTILE_AUTHOR = '"><img src=x onerror=alert(3)>'
HOSTILE_TITLE = "</textarea><svg onload=alert(5)>"


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of script elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)


def parse(page: str) -> Elements:
    found = Elements()
    found.feed(page)
    return found


def assert_inert(page: str) -> Elements:
    """No element or attribute from the hostile text; links only to the page or http(s)."""
    found = parse(page)
    for tag, attrs in found.tags:
        assert tag not in ("textarea", "iframe", "object", "embed"), (tag, attrs)
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if tag == "img":
            assert (attrs.get("src") or "").startswith("/charts/"), attrs
        if tag == "script":
            assert attrs.get("nonce"), "every script is the page's own"
        for name in ("href", "src", "action"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith(("/", "https://", "http://")), (tag, attrs)
                assert "javascript" not in value.lower()
                assert "evil" not in value
    for script in found.scripts:
        assert "alert(" not in script
    return found


@pytest.fixture
def web(tmp_path: Path) -> Iterator[tuple[WebServer, Database, dict[str, int]]]:
    config = write_config(tmp_path)
    db = Database(config.database_url)
    db.upgrade()
    ids = {
        "js_link": add_mention(
            db, HOSTILE_TEXT, author=HOSTILE_AUTHOR, url="javascript:alert(1)", title=HOSTILE_TITLE
        ),
        "quoted_link": add_mention(
            db, "broken out of an attribute?", url='https://ok.example/a"><script>alert(4)</script>'
        ),
        "data_link": add_mention(db, "data URL", url="data:text/html,<script>alert(6)</script>"),
    }
    ids["alert"] = add_alert(db, [ids["js_link"], ids["quoted_link"]])
    server = start_web(config, db, SimulatedClock(NOW))
    yield server, db, ids
    server.stop()
    db.dispose()


@pytest.mark.parametrize("path", ["/", "/stream", "/alerts/{alert}"])
def test_hostile_mentions_are_shown_as_text(
    web: tuple[WebServer, Database, dict[str, int]], path: str
) -> None:
    server, _, ids = web
    page = httpx.get(server.url + path.format(**ids), timeout=10)
    assert page.status_code == 200
    found = assert_inert(page.text)
    visible = html.unescape("".join(found.text))
    assert "<script>alert(1)</script>" in visible
    assert "<img src=x onerror=alert(2)>" in visible
    assert "<https://evil.example|click>" in visible
    assert "[x](javascript:alert(1))" in visible
    assert HOSTILE_AUTHOR in visible
    # The http(s) link is kept, its quote percent-encoded; the others are not links at all.
    hrefs = [a.get("href") for tag, a in found.tags if tag == "a"]
    assert "https://ok.example/a%22%3E%3Cscript%3Ealert%284%29%3C/script%3E" in hrefs
    assert not any("data:" in (h or "") for h in hrefs)


def test_hostile_text_in_the_page_address_is_shown_as_text(
    web: tuple[WebServer, Database, dict[str, int]],
) -> None:
    server, _, _ = web
    hostile = '"><script>alert(7)</script>'
    for path in ("/lookup", "/stream"):
        page = httpx.get(
            server.url + path, params={"q": hostile, "keyword": hostile, "entity": hostile}
        )
        assert page.status_code == 200
        assert_inert(page.text)
    assert hostile in html.unescape(httpx.get(server.url + "/lookup", params={"q": hostile}).text)


def test_pages_forbid_foreign_scripts_by_policy(
    web: tuple[WebServer, Database, dict[str, int]],
) -> None:
    server, _, _ = web
    page = httpx.get(server.url + "/stream", timeout=10)
    policy = page.headers["content-security-policy"]
    nonce = next(a["nonce"] for tag, a in parse(page.text).tags if tag == "script")
    assert f"script-src 'nonce-{nonce}'" in policy and "default-src 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "no-referrer"


def test_a_hostile_mention_pushed_to_a_webhook_is_shown_as_text(tmp_path: Path) -> None:
    hook = {
        "type": "webhook",
        "name": "push",
        "token": "hook-token-123456",
        "fields": {"text_format": "plain"},
    }
    config = write_config(tmp_path, sources=[hook])
    db = Database(config.database_url)
    db.upgrade()
    server = start_web(config, db, SimulatedClock(NOW))
    try:
        pushed = httpx.post(
            server.url + "/hooks/push",
            headers={"Authorization": "Bearer hook-token-123456"},
            json={
                "mentions": [
                    {
                        "id": "evil-1",
                        "text": "Acme " + HOSTILE_TEXT,
                        "url": "javascript:alert(1)",
                        "author": {"handle": HOSTILE_AUTHOR, "followers": 5},
                        "published_at": NOW.isoformat(),
                    }
                ]
            },
        )
        assert pushed.status_code == 200 and pushed.json()["accepted"] == 1, pushed.text
        page = httpx.get(server.url + "/stream?entity=Acme", timeout=10)
    finally:
        server.stop()
        db.dispose()
    found = assert_inert(page.text)
    visible = html.unescape("".join(found.text))
    assert "Acme <script>alert(1)</script> and <img src=x onerror=alert(2)>" in visible
    assert "<https://evil.example|click> or [x](javascript:alert(1))" in visible
    assert HOSTILE_AUTHOR in visible
    assert not [a for tag, a in found.tags if tag == "a" and "javascript" in str(a)]
