"""RSS 0.91/1.0/2.0 and Atom (Google Alerts) feeds served by a local server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import TypeAdapter
from source_servers import PAYLOADS, FakeServer, Reply, Request

from warden.clock import SimulatedClock
from warden.entities import Entity, EntityMatcher
from warden.errors import SourceError
from warden.sources.base import PollState
from warden.sources.http import HttpFetcher
from warden.sources.poller import poll_source
from warden.sources.registry import build_source
from warden.sources.rss import unwrap_redirect
from warden.sources.settings import SourceSettings
from warden.store.db import Database
from warden.store.models import Mention, SourceState


def serve(server: FakeServer, name: str, etag: str = '"e1"') -> None:
    content = (PAYLOADS / name).read_bytes()

    def handler(request: Request) -> Reply:
        if request.headers.get("if-none-match") == etag:
            return Reply(304)
        return Reply(200, content, {"ETag": etag, "Content-Type": "application/xml"})

    server.route("GET", f"/{name}", handler)


def feed(server: FakeServer, name: str) -> object:
    settings = {"type": "rss", "name": "feed", "url": f"{server.url}/{name}"}
    return build_source(TypeAdapter(SourceSettings).validate_python(settings))


def test_google_alerts_atom(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    serve(server, "google_alerts.atom")
    result = feed(server, "google_alerts.atom").poll(PollState(), fetcher, sim_clock)  # type: ignore[attr-defined]
    first, second = result.drafts
    assert first.title == "Acme Banque : une panne géante prive les clients de leurs comptes"
    assert first.text.startswith(first.title + ". Depuis ce matin, les clients d'Acme Banque")
    assert first.url == (
        "https://www.lemonde.example/economie/article/2026/11/20/acme-panne.html?utm_source=ga"
    )
    assert first.lang == "fr"
    assert first.published_at.isoformat() == "2026-11-20T09:10:00+00:00"
    assert second.text == "L'Acme Cup reportée"  # title only: still a mention


def test_rss2_rss1_and_rss091(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    for name in ("rss2.xml", "rss1.rdf", "rss091.xml"):
        serve(server, name)
    rss2 = feed(server, "rss2.xml").poll(PollState(), fetcher, sim_clock)  # type: ignore[attr-defined]
    (item,) = rss2.drafts
    assert rss2.skipped == 1  # the empty item
    assert item.text == "Acme recalls 10,000 kettles. The company said no injuries were reported."
    assert (item.external_id, item.author_name, item.lang) == ("news-1001", "Jane Reporter", "en")
    assert item.published_at.isoformat() == "2026-11-20T06:30:00+00:00"
    (rdf,) = feed(server, "rss1.rdf").poll(PollState(), fetcher, sim_clock).drafts  # type: ignore[attr-defined]
    assert rdf.title == "Why I left Acme" and rdf.published_at.day == 19
    (old,) = feed(server, "rss091.xml").poll(PollState(), fetcher, sim_clock).drafts  # type: ignore[attr-defined]
    assert old.lang == "fr" and old.published_at == sim_clock.now()  # no date: fetch time


def test_conditional_get_and_dedup_across_polls(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    serve(server, "rss2.xml")
    source = feed(server, "rss2.xml")
    matcher = EntityMatcher([Entity("Acme")])
    first = poll_source(source_db, source, matcher, fetcher, sim_clock, timedelta(minutes=5))  # type: ignore[arg-type]
    assert (first.inserted, first.skipped) == (1, 1)
    second = poll_source(source_db, source, matcher, fetcher, sim_clock, timedelta(minutes=5))  # type: ignore[arg-type]
    assert second.inserted == 0
    assert server.requests[-1].headers["if-none-match"] == '"e1"'
    with source_db.session() as session:
        row = session.get(SourceState, "feed")
        assert row is not None and row.etag == '"e1"' and row.total_items == 1
        assert session.query(Mention).count() == 1


def test_malformed_feed_and_html_page_are_errors(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    server.route("GET", "/broken", lambda r: Reply(200, b"<rss><channel><item><title>x"))
    server.route("GET", "/page", lambda r: Reply(200, b"<html><body>hello</body></html>"))
    for path in ("broken", "page"):
        with pytest.raises(SourceError, match=path):
            feed(server, path).poll(PollState(), fetcher, sim_clock)  # type: ignore[attr-defined]


def test_unwrap_redirect() -> None:
    wrapped = "https://www.google.com/url?rct=j&sa=t&url=https://a.example/x%3Fy%3D1&ct=ga"
    assert unwrap_redirect(wrapped) == "https://a.example/x?y=1"
    assert (
        unwrap_redirect("https://a.example/url?url=https://b")
        == "https://a.example/url?url=https://b"
    )
