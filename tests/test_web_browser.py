"""The status page in a real browser (headless Chromium through Playwright): the firing alert
and its chart, the live stream receiving a mention stored after the page loaded, and the
token refusal. Marked `browser`; when Chromium is missing these tests fail and say how to
install it (they are never skipped silently).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from web_helpers import NOW, TOKEN, add_alert, add_mention, seed_history, start_web, write_config

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
