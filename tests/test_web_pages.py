"""The status page through the real listener: overview, stream, alert detail, languages.

Every test runs the daemon's HTTP listener on a free port over a seeded SQLite store and reads
the pages as a browser would (HTML without JavaScript).
"""

from __future__ import annotations

import html as html_lib
import re
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from web_helpers import (
    NOW,
    add_alert,
    add_mention,
    add_silence,
    add_source_state,
    score_mention,
    seed_history,
    start_web,
    write_config,
)

from warden.clock import SimulatedClock
from warden.config import Config
from warden.store.db import Database
from warden.web.pages import TEMPLATES
from warden.web.pages.words import PAGE_PHRASES, PageWords
from warden.web.server import WebServer


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return write_config(tmp_path)


@pytest.fixture
def store(config: Config) -> Iterator[Database]:
    db = Database(config.database_url)
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def web(config: Config, store: Database) -> Iterator[WebServer]:
    server = start_web(config, store, SimulatedClock(NOW))
    yield server
    server.stop()


def get(web: WebServer, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(web.url + path, timeout=10, **kwargs)  # type: ignore[arg-type]


def text_of(html: str) -> str:
    """The page's visible text, tags removed and whitespace folded (entities left as is)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_overview_shows_volume_against_baseline_alerts_silences_and_sources(
    web: WebServer, store: Database
) -> None:
    seed_history(store, "Acme", last_hour=120)
    quoted = add_mention(store, "Acme refunds are a scam", author="angry_user")
    add_alert(store, [quoted])
    add_alert(store, [], rule="globex-quiet", entity="Globex", state="resolved")
    add_silence(store, "Globex", "maintenance window")
    add_source_state(store, "news")
    add_source_state(store, "toots", error="HTTP 503 from social.example")

    page = get(web, "/")

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    text = text_of(page.text)
    # Acme: 120 mentions in the last hour against a learnt usual of about 24.
    row = re.search(r'data-entity="Acme">(.*?)</tr>', page.text, re.S)
    assert row is not None
    acme = text_of(row.group(1))
    assert "120" in acme and "usual" in acme
    usual = float(re.search(r"usual ([\d.,]+)", acme).group(1).replace(",", ""))  # type: ignore[union-attr]
    assert 15 <= usual <= 40
    assert "60%" in acme or "50%" in acme  # negative share of the last hour...
    assert "usual 20%" in acme  # ...against the usual 20 %
    assert 'class="unusual"' in row.group(1)
    assert "This hour so far" in text and "from 09:00 UTC" in acme  # the hour under way
    assert 'src="/charts/entity/Acme.png?spark=1"' in row.group(1)
    # Globex has no history: said so, not a made-up baseline.
    assert "baseline still learning" in text_of(page.text.split('data-entity="Globex"')[1])
    # The firing alert with its evidence quoted and linked, the resolved one listed apart.
    assert 'href="/alerts/1"' in page.text and "acme-volume" in text
    assert "Acme refunds are a scam" in text and "@angry_user" in text
    assert 'href="https://news.example/a/1"' in page.text
    assert "globex-quiet" in text_of(page.text.split("Recent alerts")[1])
    assert "maintenance window" in text and "entity=Globex" in text
    assert "HTTP 503 from social.example" in text and "failing" in text


def test_stream_lists_newest_first_with_filters(web: WebServer, store: Database) -> None:
    add_mention(store, "old neutral news about Acme", label="neutral", at=NOW - timedelta(hours=2))
    add_mention(store, "Globex outage again", entity="Globex", source="toots", author="sam")
    add_mention(store, "Acme support is terrible", author="kim", followers=98765)

    page = get(web, "/stream")
    text = text_of(page.text)
    assert page.status_code == 200
    assert text.index("Acme support is terrible") < text.index("Globex outage again")
    assert text.index("Globex outage again") < text.index("old neutral news")
    assert "<th>Published</th>" in page.text
    assert "98,765" in text and "kim" in text and "toots" in text and "negative" in text
    assert 'href="/stream?"' in page.text or 'id="refresh"' in page.text  # refresh without JS

    assert "Globex outage" not in get(web, "/stream?entity=Acme").text
    assert "Globex outage" in get(web, "/stream?source=toots").text
    assert "Acme support" not in get(web, "/stream?source=toots").text
    by_word = text_of(get(web, "/stream?keyword=TERRIBLE").text)
    assert "Acme support is terrible" in by_word and "Globex outage" not in by_word
    neutral = text_of(get(web, "/stream?sentiment=neutral").text)
    assert "old neutral news" in neutral and "Acme support" not in neutral
    # A keyword with LIKE wildcards matches only itself.
    assert "No mention matches." in get(web, "/stream?keyword=%25_").text


def test_live_events_send_mentions_stored_after_the_page_loaded(
    web: WebServer, store: Database
) -> None:
    first = add_mention(store, "already there")
    page = get(web, "/stream?entity=Acme")
    events_url = re.search(r'data-events="([^"]+)"', page.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    assert f"after={first}" in events_url and "entity=Acme" in events_url

    with httpx.stream("GET", web.url + events_url, timeout=10) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        add_mention(store, "Globex news", entity="Globex")  # filtered out
        newer = add_mention(store, "brand new <b>post</b>", author="late")
        seen: list[str] = []
        for line in response.iter_lines():
            seen.append(line)
            if line.startswith("data:"):
                break
    assert f"id: {newer}" in seen
    data = seen[-1]
    assert '"text": "brand new <b>post</b>"' in data and '"author": "late"' in data
    assert "Globex" not in "".join(seen)

    # A reconnecting browser sends Last-Event-ID and gets only what came after it.
    latest = add_mention(store, "after the reconnect")
    headers = {"Last-Event-ID": str(newer)}
    with httpx.stream("GET", web.url + events_url, headers=headers, timeout=10) as response:
        for line in response.iter_lines():
            if line.startswith("id:"):
                assert line == f"id: {latest}"
                break


def test_alert_detail_shows_values_reasons_evidence_state_and_chart(
    web: WebServer, store: Database
) -> None:
    quoted = add_mention(store, "Acme lost my parcel", author="pat")
    alert_id = add_alert(store, [quoted], acked_by="alice@example.com")
    add_silence(store, "Acme", "known incident")

    page = get(web, f"/alerts/{alert_id}")
    text = text_of(page.text)
    assert page.status_code == 200
    assert "acme-volume" in text and "critical" in text
    assert "120 mentions in the last 1h vs 24 expected" in text
    assert "Acme mentions jumped" in text
    assert "Mentions 120" in text and "Expected 24" in text  # the values, labelled
    assert "acknowledged by alice@example.com" in text
    assert "silenced by silence #1" in text
    assert "Acme lost my parcel" in text and "@pat" in text
    assert f'<img class="chart" src="/charts/alert/{alert_id}.png"' in page.text
    assert get(web, "/alerts/999").status_code == 404


def test_french_labels_and_times_in_the_configured_zone(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"language": "fr"}, timezone="Europe/Paris")
    db = Database(config.database_url)
    db.upgrade()
    add_mention(db, "Acme déçoit", at=NOW - timedelta(minutes=5))
    web = start_web(config, db, SimulatedClock(NOW))
    try:
        stream = text_of(get(web, "/stream").text)
        assert "Flux en direct" in stream and "négative" in stream
        assert "2026-03-02 10:00 CET" in stream  # 09:00 UTC, shown on Paris time
        english = text_of(get(web, "/stream?lang=en").text)
        assert "Live stream" in english and "Flux en direct" not in english
        assert "Vue d’ensemble" in text_of(get(web, "/").text)
        alert = add_alert(db, [], rule="negative-and-spike")
        heading = get(web, f"/alerts/{alert}").text  # raw: text_of folds the narrow space
        assert f"<h1>Alerte #{alert}\u202f: negative-and-spike</h1>" in heading  # as in mails
        english = get(web, f"/alerts/{alert}?lang=en").text
        assert f"<h1>Alert #{alert}: negative-and-spike</h1>" in english
    finally:
        web.stop()
        db.dispose()


def test_web_timezone_overrides_the_top_level_one(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"timezone": "America/New_York"}, timezone="Europe/Paris")
    db = Database(config.database_url)
    db.upgrade()
    add_mention(db, "Acme news", at=NOW)
    web = start_web(config, db, SimulatedClock(NOW))
    try:
        assert "2026-03-02 04:05 EST" in get(web, "/stream").text
    finally:
        web.stop()
        db.dispose()


def test_listener_keeps_its_own_endpoints_and_404s(web: WebServer) -> None:
    health = get(web, "/healthz")
    assert health.status_code == 200 and health.json()["status"] in ("ok", "degraded")
    missing = get(web, "/no/such/page")
    assert missing.status_code == 404 and "Not found" in missing.text
    assert httpx.post(web.url + "/", timeout=5).status_code == 404


def test_status_page_off_leaves_only_the_listener_endpoints(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"status_page": False, "host": "0.0.0.0"})
    db = Database(config.database_url)
    db.upgrade()
    web = start_web(config, db, SimulatedClock(NOW))
    try:
        assert get(web, "/").status_code == 404
        assert get(web, "/").json() == {"error": "not found"}
        assert get(web, "/healthz").status_code == 200
    finally:
        web.stop()
        db.dispose()


def test_chart_images_of_alerts_and_entities(web: WebServer, store: Database) -> None:
    seed_history(store, "Acme", last_hour=120)
    alert_id = add_alert(store, [])
    for path in (f"/charts/alert/{alert_id}.png", "/charts/entity/Acme.png"):
        image = get(web, path)
        assert image.status_code == 200 and image.headers["content-type"] == "image/png"
        assert image.content.startswith(b"\x89PNG") and len(image.content) > 5_000
    spark = get(web, "/charts/entity/Acme.png?spark=1")
    assert spark.status_code == 200 and spark.content.startswith(b"\x89PNG")
    assert get(web, "/charts/entity/Initech.png").status_code == 404  # not a watched entity
    assert get(web, "/charts/alert/999.png").status_code == 404


def test_an_open_live_stream_ends_when_the_listener_stops(config: Config, store: Database) -> None:
    web = start_web(config, store, SimulatedClock(NOW))
    started = time.monotonic()
    with httpx.stream("GET", web.url + "/stream/events", timeout=10) as response:
        lines = response.iter_lines()
        assert next(lines) == "retry: 3000"
        web.stop()
        rest = list(lines)  # ends: the generator saw the stop, the connection closed
    assert time.monotonic() - started < 5
    assert not any(line.startswith("data:") for line in rest)


def test_every_label_exists_in_both_languages_and_reads_as_a_label() -> None:
    english, french = PAGE_PHRASES["en"], PAGE_PHRASES["fr"]
    assert set(english) == set(french)
    # A phrase named like a formatter method would be shadowed by it in templates (t.time).
    formatter = {name for name in dir(PageWords("en")) if not name.startswith("_")}
    assert not set(english) & formatter
    used: set[str] = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\.([a-z_]+)\b(?!\()", template.read_text(encoding="utf-8")))
    assert used <= set(english) | formatter, used - set(english) - formatter


def test_live_streams_beyond_the_limit_are_answered_503(web: WebServer) -> None:
    assert web.app is not None
    web.app.extensions["warden"].streams = threading.BoundedSemaphore(1)  # type: ignore[attr-defined]
    with httpx.stream("GET", web.url + "/stream/events", timeout=10) as first:
        lines = first.iter_lines()  # kept: a dropped line iterator closes the connection
        assert next(lines) == "retry: 3000"
        with httpx.stream("GET", web.url + "/stream/events", timeout=10) as busy:
            assert busy.status_code == 503 and busy.headers["retry-after"] == "10"
    # The first stream's slot is given back once its client has gone (seen within a poll).
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with httpx.stream("GET", web.url + "/stream/events", timeout=10) as again:
            if again.status_code == 200:
                break
        time.sleep(0.5)
    else:
        raise AssertionError("the slot of a closed stream was never given back")


def values_of(html: str) -> dict[str, str]:
    """The alert page's Values table as {label: value}."""
    section = html.split("<h2>", 2)[1] if "<h2>" in html else ""
    rows = re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", section, re.S)
    return {html_lib.unescape(k.strip()): html_lib.unescape(v.strip()) for k, v in rows}


def test_alert_values_are_written_by_what_they_are(web: WebServer, store: Database) -> None:
    volume = add_alert(
        store,
        [],
        values={
            "count": 42,
            "observed": 42,
            "threshold": 15,
            "window": "15m",
            "peak": 57,
            "windows": {"count": 900.0, "observed": 900.0},
            "reason": "42 mentions in the last 15m (fires above 15)",
            "why": {
                "code": "volume_above",
                "params": {"mentions": 42, "window_s": 900.0, "above": 15},
            },
        },
        annotations={},
    )
    share = add_alert(
        store,
        [],
        rule="acme-negative",
        values={
            "count": 90,
            "scored": 80,
            "negative": 62,
            "share": 0.7812,
            "observed": 0.7812,
            "threshold": 0.6,
            "window": "1h",
            "peak": 0.853,
            "windows": {"count": 3600.0, "scored": 3600.0, "negative": 3600.0},
            "reason": "62 of 80 scored mentions negative",
            "why": {
                "code": "negative_share",
                "params": {
                    "negative": 62,
                    "scored": 80,
                    "now_share": 0.78,
                    "above_share": 0.6,
                    "window_s": 3600.0,
                    "needed": 0,
                },
            },
        },
        annotations={},
    )
    surge = add_alert(
        store,
        [],
        rule="acme-surge",
        values={
            "negative": 40,
            "count": 50,
            "observed": 40,
            "share": 0.8,
            "step": "1h",
            "threshold": 0.0005,
            "probability": 0.00002,
            "expected": 10.0,
            "baseline": 10.0,
            "usual_share": 0.2,
            "warming_up": True,
        },
        annotations={},
    )

    shown = values_of(get(web, f"/alerts/{volume}").text)
    assert shown["Threshold"] == "15" and shown["Mentions (15 min)"] == "42"
    assert shown["Peak while firing"] == "57" and shown["Window"] == "15 min"
    assert "Observed" not in shown  # the same figure as Mentions, said once
    assert not any(k in shown for k in ("why", "reason", "warming_up", "peak"))

    shown = values_of(get(web, f"/alerts/{share}").text)
    assert shown["Negative share"] == "78%" and shown["Threshold"] == "60%"
    assert shown["Peak while firing"] == "85%" and shown["Window"] == "1 h"
    assert "why" not in shown and "{" not in "".join(shown.values())
    # Each count says the span it was counted over (rules count over different spans).
    assert shown["Mentions (1 h)"] == "90" and shown["Scored (1 h)"] == "80"
    assert shown["Negative mentions (1 h)"] == "62"
    assert "windows" not in "".join(shown)

    page = get(web, f"/alerts/{surge}")
    shown = values_of(page.text)
    assert (
        shown["Threshold"] == "1 in 2,000" and shown["Chance by normal variation"] == "1 in 50,000"
    )
    assert shown["Negative mentions"] == "40" and shown["Negative share"] == "80%"
    assert shown["Usual negative share"] == "20%" and shown["Bucket"] == "1 h"
    assert "Usual" not in shown  # baseline repeats Expected

    french = values_of(get(web, f"/alerts/{share}?lang=fr").text)
    assert french["Seuil"] == "60\u00a0%" and french["Pic pendant l’alerte"] == "85\u00a0%"
    assert french["Mentions (1 h)"] == "90" and french["Évaluées (1 h)"] == "80"
    assert french["Mentions négatives (1 h)"] == "62"


def test_every_value_a_rule_stores_has_a_label_in_both_languages() -> None:
    from warden.notify.values import ORDER
    from warden.rules.conditions import AnyConditionModel

    keys = set(ORDER) | {"baseline", "usual_share"}
    for model in AnyConditionModel.__args__:  # type: ignore[attr-defined]
        keys |= set(model.VALUES)
    for lang in ("en", "fr"):
        words = PageWords(lang)
        for key in keys:
            assert words.value_name(key) != key, (lang, key)


def test_the_why_is_written_in_the_page_language_with_the_old_sentence_as_fallback(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, {"language": "fr"})
    db = Database(config.database_url)
    db.upgrade()
    why = {"code": "volume_above", "params": {"mentions": 42, "window_s": 900.0, "above": 15}}
    new = add_alert(
        db,
        [],
        values={"count": 42, "reason": "42 mentions in the last 15m (fires above 15)", "why": why},
    )
    old = add_alert(db, [], rule="old", values={"count": 3, "reason": "an old English sentence"})
    web = start_web(config, db, SimulatedClock(NOW))
    try:
        from warden.notify.words import Words

        french = Words("fr").reason(why)
        assert "mentions" in french and french != "42 mentions in the last 15m (fires above 15)"
        page = get(web, f"/alerts/{new}").text
        assert french in page and "in the last 15m" not in page
        overview = get(web, "/").text
        assert french in overview and "in the last 15m" not in overview
        assert "an old English sentence" in get(web, f"/alerts/{old}").text
    finally:
        web.stop()
        db.dispose()


def test_live_events_send_the_sentiment_of_mentions_scored_after_they_were_sent(
    web: WebServer, store: Database
) -> None:
    on_page = add_mention(store, "loaded unscored", label=None)
    page = get(web, "/stream")
    assert "not scored yet" in text_of(page.text)
    events_url = re.search(r'data-events="([^"]+)"', page.text).group(1).replace("&amp;", "&")  # type: ignore[union-attr]

    with httpx.stream("GET", web.url + events_url, timeout=10) as response:
        pushed = add_mention(store, "pushed unscored", label=None)
        events: list[tuple[str, str]] = []
        kind = ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                events.append((kind, line.split(":", 1)[1].strip()))
                if kind == "mention":
                    score_mention(store, pushed, "positive")
                    score_mention(store, on_page, "negative")
                if len([e for e in events if e[0] == "scored"]) == 2:
                    break
    assert events[0][0] == "mention" and '"label": "unscored"' in events[0][1]
    scored = sorted(data for kind, data in events if kind == "scored")
    assert scored == [
        f'{{"id": {on_page}, "label": "negative", "label_text": "negative"}}',
        f'{{"id": {pushed}, "label": "positive", "label_text": "positive"}}',
    ]


def test_stream_lists_the_last_published_first_and_says_so(web: WebServer, store: Database) -> None:
    late_arrival = add_mention(store, "published long ago", at=NOW - timedelta(hours=5))
    fresh = add_mention(store, "published just now", at=NOW - timedelta(minutes=1))
    older = add_mention(store, "published an hour ago", at=NOW - timedelta(hours=1))
    page = get(web, "/stream").text
    order = [int(i) for i in re.findall(r'<tr class="mention" data-id="(\d+)"', page)]
    assert order == [fresh, older, late_arrival]
    assert "<th>Published</th>" in page


def test_overview_lists_critical_alerts_first_each_with_its_chart(
    web: WebServer, store: Database
) -> None:
    info = add_alert(store, [], rule="acme-info", severity="info")
    critical = add_alert(store, [], rule="acme-critical", severity="critical")
    warning = add_alert(store, [], rule="acme-warning", severity="warning")
    page = get(web, "/").text
    order = [int(i) for i in re.findall(r'<article class="alert" data-alert="(\d+)"', page)]
    assert order == [critical, warning, info]
    for alert_id in order:
        assert f'src="/charts/alert/{alert_id}.png"' in page
    assert get(web, f"/charts/alert/{critical}.png").headers["content-type"] == "image/png"


def test_unknown_filter_values_are_named_not_silently_empty(
    web: WebServer, store: Database
) -> None:
    add_mention(store, "Acme news")
    text = html_lib.unescape(text_of(get(web, "/stream?entity=Nope&sentiment=bogus").text))
    assert "No watched entity is called “Nope”" in text  # English quotes in English
    assert "Not a sentiment (negative, neutral or positive): “bogus” (filter ignored)" in text
    french = html_lib.unescape(get(web, "/stream?source=nowhere&lang=fr").text)
    assert "Aucune source ne s’appelle «\u202fnowhere\u202f»" in french
    assert "unknown-filter" not in get(web, "/stream?entity=Acme&sentiment=negative").text


def test_a_title_equal_to_the_text_is_shown_once(web: WebServer, store: Database) -> None:
    add_mention(store, "Acme Bank outage", title="Acme Bank outage")
    add_mention(store, "The body of the story", title="Acme headline")
    stream = text_of(get(web, "/stream").text)
    assert stream.count("Acme Bank outage") == 1
    assert "Acme headline The body of the story" in stream


def test_the_page_has_an_icon(web: WebServer) -> None:
    page = get(web, "/")
    assert '<link rel="icon" href="/favicon.svg"' in page.text
    for path in ("/favicon.svg", "/favicon.ico"):
        icon = get(web, path)
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg")


def test_a_webhook_source_not_pushed_to_yet_says_it_waits(tmp_path: Path) -> None:
    hook = {"type": "webhook", "name": "push", "token": "hook-token-123"}
    config = write_config(tmp_path, sources=[hook])
    db = Database(config.database_url)
    db.upgrade()
    web = start_web(config, db, SimulatedClock(NOW))
    try:
        text = text_of(get(web, "/").text)
        french = text_of(get(web, "/?lang=fr").text)
    finally:
        web.stop()
        db.dispose()
    row = text.split("push webhook", 1)[1][:60]
    assert "waiting for its first push" in row and "never" not in row
    assert "en attente de son premier envoi" in french


def test_the_french_overview_says_why_an_hour_is_unusual_in_french(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"language": "fr"})
    db = Database(config.database_url)
    db.upgrade()
    seed_history(db, "Acme", last_hour=120)
    web = start_web(config, db, SimulatedClock(NOW))
    try:
        french = re.findall(r'<td title="([^"]*)"', get(web, "/").text)
        english = re.findall(r'<td title="([^"]*)"', get(web, "/?lang=en").text)
    finally:
        web.stop()
        db.dispose()
    assert french[0] == "120 mentions en 1 h contre 24 attendues (pic)\u202f: inhabituel"
    assert english[0] == "120 mentions in the last 1 h vs 24 expected (spike): unusual"
    assert "aucune mention vue pour l’instant" in french  # Globex: nothing yet
