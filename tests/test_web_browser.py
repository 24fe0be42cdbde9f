"""The status page in a real browser (headless Chromium through Playwright): the firing alert
and its chart, the live stream receiving a mention stored after the page loaded, and the
token refusal. Marked `browser`; when Chromium is missing these tests fail and say how to
install it (they are never skipped silently).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from web_helpers import (
    NOW,
    TOKEN,
    add_alert,
    add_mention,
    score_mention,
    seed_history,
    start_web,
    write_config,
)

from warden.clock import SimulatedClock
from warden.store.db import Database
from warden.web.server import WebServer

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"browser tests need Chromium at {CHROMIUM}: apt-get install chromium "
            "chromium-driver (.ci/run installs it)",
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("browser tests need playwright: pip install -e '.[dev]'", pytrace=False)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[WebServer, Database]]:
    config = write_config(tmp_path, {"auth": {"token": "${WARDEN_WEB_TOKEN}"}})
    db = Database(config.database_url)
    db.upgrade()
    seed_history(db, "Acme", last_hour=120)
    quoted = add_mention(db, "Acme refunds are a scam", author="angry_user")
    add_alert(db, [quoted])
    web = start_web(config, db, SimulatedClock(NOW))
    yield web, db
    web.stop()
    db.dispose()


def test_firing_alert_and_its_chart_are_shown(
    browser: object, site: tuple[WebServer, Database]
) -> None:
    web, _ = site
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{web.url}/?token={TOKEN}")
    assert page.url == f"{web.url}/"  # the token left the address for a cookie
    alert = page.locator("article.alert").first
    assert "acme-volume" in alert.inner_text() and "Acme refunds are a scam" in alert.inner_text()
    alert.locator("a", has_text="acme-volume").click()
    page.wait_for_url(f"{web.url}/alerts/*")
    chart = page.locator("img.chart")
    chart.wait_for()
    page.wait_for_function("document.querySelector('img.chart').complete")
    assert chart.evaluate("img => img.naturalWidth") > 0
    page.close()


def test_a_mention_stored_after_loading_appears_without_reload(
    browser: object, site: tuple[WebServer, Database]
) -> None:
    web, db = site
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{web.url}/stream?entity=Acme&token={TOKEN}")
    page.locator("#live-note").wait_for(state="visible")  # the event stream is open
    page.evaluate("window.loadedMarker = true")
    hostile = "Breaking: <img src=x onerror=alert(1)> Acme recall"
    add_mention(db, hostile, author="<b>newsdesk</b>", url="https://news.example/recall")
    row = page.locator("tr.mention").first
    row.filter(has_text="Acme recall").wait_for(timeout=10_000)
    assert page.evaluate("window.loadedMarker") is True  # same page: no reload
    cells = row.locator("td").all_inner_texts()
    assert hostile in cells and "<b>newsdesk</b>" in cells and "negative" in cells
    assert row.locator("img").count() == 0 and row.locator("b").count() == 0
    assert row.locator("a").get_attribute("href") == "https://news.example/recall"
    page.close()


def test_without_the_token_the_browser_is_refused(
    browser: object, site: tuple[WebServer, Database]
) -> None:
    web, _ = site
    context = browser.new_context()  # type: ignore[attr-defined]
    page = context.new_page()
    response = page.goto(f"{web.url}/")
    assert response is not None and response.status == 401
    assert "Authentication required" in page.inner_text("body")
    assert "Acme" not in page.inner_text("body")
    context.close()


def test_a_live_row_gets_its_sentiment_and_its_place_by_publication_time(
    browser: object, site: tuple[WebServer, Database]
) -> None:
    web, db = site
    page = browser.new_page()  # type: ignore[attr-defined]
    page.goto(f"{web.url}/stream?entity=Acme&token={TOKEN}")
    page.locator("#live-note").wait_for(state="visible")
    page.evaluate("window.loadedMarker = true")
    pushed = add_mention(db, "Acme unscored arrival", label=None, at=NOW)
    row = page.locator(f'tr.mention[data-id="{pushed}"]')
    row.wait_for(timeout=10_000)
    assert row.locator("td.label").inner_text() == "not scored yet"
    score_mention(db, pushed, "negative")
    row.locator("td.label span.negative").wait_for(timeout=10_000)  # no reload needed
    assert row.locator("td.label").inner_text() == "negative"

    # Stored late but published long ago: it goes below the newer rows, not on top.
    backfilled = add_mention(db, "Acme old post fetched late", at=NOW - timedelta(days=3))
    page.locator(f'tr.mention[data-id="{backfilled}"]').wait_for(timeout=10_000)
    ids = page.locator("tr.mention").evaluate_all("rows => rows.map(r => r.dataset.id)")
    assert ids[0] == str(pushed) and ids.index(str(backfilled)) > ids.index(str(pushed))
    assert page.evaluate("window.loadedMarker") is True  # same page: no reload
    page.close()


def test_a_link_from_another_site_opens_once_signed_in(
    browser: object, site: tuple[WebServer, Database]
) -> None:
    """A link in a webmail or chat app: a top-level navigation from another site."""
    web, _ = site
    target = f"{web.url}/stream?entity=Acme"
    html = f'<!doctype html><a id="go" href="{target}">alert</a>'.encode()

    class LinkPage(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: object) -> None:
            pass

    other = ThreadingHTTPServer(("127.0.0.1", 0), LinkPage)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    context = browser.new_context()  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(f"{web.url}/?token={TOKEN}")  # signed in once
        # `localhost` is another site than `127.0.0.1` for the browser's cookie rules.
        page.goto(f"http://localhost:{other.server_address[1]}/")
        with page.expect_navigation():
            page.click("#go")
        assert page.url == target
        assert "Acme refunds are a scam" in page.content()
    finally:
        context.close()
        other.shutdown()
        other.server_close()
