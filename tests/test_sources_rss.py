"""RSS 0.91/1.0/2.0 and Atom (Google Alerts) feeds served by a local server."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
import structlog
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


def _rss(channel_link: str, items: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>{channel_link}</link>{items}</channel></rss>"
    ).encode()


def _serve_bytes(server: FakeServer, path: str, content: bytes) -> None:
    server.route("GET", path, lambda r: Reply(200, content, {"Content-Type": "application/xml"}))


def poll(source: object, db: Database, fetcher: HttpFetcher, clock: SimulatedClock) -> object:
    matcher = EntityMatcher([Entity("Banque Exemple"), Entity("Acme")])
    return poll_source(db, source, matcher, fetcher, clock, timedelta(minutes=5))  # type: ignore[arg-type]


def test_entries_sharing_one_guid_are_three_mentions(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    """Issue: a forum gives every post of a thread the thread's <guid>; one was stored."""
    items = "".join(
        f"<item><title>Acme, réponse {n}</title><link>https://forum.example/t/9#p{n}0</link>"
        f"<guid>https://forum.example/t/9</guid></item>"
        for n in (1, 2, 3)
    )
    _serve_bytes(server, "/forum", _rss("https://forum.example/", items))
    first = poll(feed(server, "forum"), source_db, fetcher, sim_clock)
    again = poll(feed(server, "forum"), source_db, fetcher, sim_clock)
    assert (first.inserted, first.duplicates, again.inserted) == (3, 0, 0)  # type: ignore[attr-defined]
    with source_db.session() as session:
        titles = sorted(m.title for m in session.query(Mention))
    assert titles == ["Acme, réponse 1", "Acme, réponse 2", "Acme, réponse 3"]


def test_relative_links_are_resolved_against_the_feed(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    """Issue: <link>/2026/05/article-1</link> was stored as is, and the same path in another
    feed de-duplicated a different article away."""
    item = "<item><title>Acme {n}</title><link>/2026/05/article-1</link><guid>a1</guid></item>"
    _serve_bytes(server, "/one", _rss("https://news-one.example/", item.format(n=1)))
    _serve_bytes(server, "/two", _rss("", item.format(n=2)))  # no channel link: the feed URL
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
        b'xml:base="https://three.example/blog/"><title>t</title><id>f</id>'
        b'<entry><title>Acme 3</title><link href="2026/05/article-1"/><id>a1</id></entry></feed>'
    )
    _serve_bytes(server, "/three", atom)
    for path in ("one", "two", "three"):
        settings = {"type": "rss", "name": path, "url": f"{server.url}/{path}"}
        source = build_source(TypeAdapter(SourceSettings).validate_python(settings))
        assert poll(source, source_db, fetcher, sim_clock).inserted == 1  # type: ignore[attr-defined]
    with source_db.session() as session:
        urls = {m.source: m.url for m in session.query(Mention)}
    assert urls == {
        "one": "https://news-one.example/2026/05/article-1",
        "two": f"{server.url}/2026/05/article-1",
        "three": "https://three.example/blog/2026/05/article-1",
    }


def test_escaped_text_stays_text_and_the_brand_is_tagged(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    """Issue: `Bénéfice &lt; 2 % : Banque Exemple ... (&gt; 5 %)` was stored `Bénéfice 5 %)`."""
    title = "Bénéfice &lt; 2 % : Banque Exemple sous les attentes (&gt; 5 %)"
    items = (
        f"<item><title>{title}</title><link>https://n.example/1</link>"
        "<description>&lt;p&gt;Les &lt;b&gt;résultats&lt;/b&gt; &amp;lt;b&amp;gt; "
        "restent du texte&lt;/p&gt;</description></item>"
        "<item><title><![CDATA[Acme <3 & co]]></title><link>https://n.example/2</link></item>"
    )
    _serve_bytes(server, "/escaped", _rss("https://n.example/", items))
    assert poll(feed(server, "escaped"), source_db, fetcher, sim_clock).inserted == 2  # type: ignore[attr-defined]
    with source_db.session() as session:
        first = session.query(Mention).filter_by(url="https://n.example/1").one()
        second = session.query(Mention).filter_by(url="https://n.example/2").one()
        assert first.title == "Bénéfice < 2 % : Banque Exemple sous les attentes (> 5 %)"
        assert first.text.endswith("Les résultats <b> restent du texte")
        assert [e.entity for e in first.entities] == ["Banque Exemple"]
        assert second.title == "Acme <3 & co"


def test_dates_with_zone_names_and_french_names(
    server: FakeServer,
    fetcher: HttpFetcher,
    sim_clock: SimulatedClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Issue: `CEST` was read as UTC; `lun., 04 mai 2026 …` fell back to the fetch time."""
    dates = [
        "Mon, 04 May 2026 10:00:00 CEST",
        "lun., 04 mai 2026 10:00:00 +0200",
        "lundi 4 mai 2026 10h00 CEST",
        "someday soon",
        "not a date either",
    ]
    items = "".join(
        f"<item><title>Acme {n}</title><link>https://d.example/{n}</link><pubDate>{d}</pubDate>"
        "</item>"
        for n, d in enumerate(dates)
    )
    _serve_bytes(server, "/dated", _rss("https://d.example/", items))
    settings = {"type": "rss", "name": "dated-feed", "url": f"{server.url}/dated"}
    source = build_source(TypeAdapter(SourceSettings).validate_python(settings))
    drafts = source.poll(PollState(), fetcher, sim_clock).drafts  # type: ignore[attr-defined]
    times = [d.published_at.isoformat() for d in drafts]
    assert times[:3] == ["2026-05-04T08:00:00+00:00"] * 3
    assert times[3:] == [sim_clock.now().isoformat()] * 2  # unreadable: fetch time, said once
    out = capsys.readouterr().out
    assert out.count("source.date_unreadable") == 1 and "dated-feed" in out


def _jsonl_times(tmp_path: Path, name: str, dates: list[str], clock: SimulatedClock) -> list[str]:
    path = tmp_path / f"{name}.jsonl"
    path.write_text(
        "".join(
            json.dumps({"id": n, "text": "Acme", "published_at": d}) + "\n"
            for n, d in enumerate(dates)
        )
    )
    settings = {"type": "jsonl", "name": name, "path": str(path)}
    source = build_source(TypeAdapter(SourceSettings).validate_python(settings))
    drafts = source.poll(PollState(), None, clock).drafts  # type: ignore[arg-type,attr-defined]
    return [d.published_at.isoformat() for d in drafts]


def test_rss_dates_are_read_like_every_source_s(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, tmp_path: Path
) -> None:
    """Issue: feedparser read `MESZ` and `Europe/Paris` as UTC, and `04/05/2026` month first,
    silently; the same strings in a jsonl source were flagged. One reader for every source:
    IANA zones read, unknown zones refused, numeric dates day first."""
    dates = {
        "Mon, 04 May 2026 10:00:00 MESZ": "2026-05-04T08:00:00+00:00",
        "2026-05-04 10:00 Europe/Paris": "2026-05-04T08:00:00+00:00",
        "04/05/2026 10:00": "2026-05-04T10:00:00+00:00",
        "10:00 04.05.2026": "2026-05-04T10:00:00+00:00",
        "Mon, 04 May 2026 10:00:00 XYZT": sim_clock.now().isoformat(),  # unknown zone
        "2026-05-04 10:00 Mars/Olympus_Mons": sim_clock.now().isoformat(),
    }
    items = "".join(
        f"<item><title>Acme {n}</title><link>https://z.example/{n}</link><pubDate>{d}</pubDate>"
        "</item>"
        for n, d in enumerate(dates)
    )
    _serve_bytes(server, "/zoned", _rss("https://z.example/", items))
    settings = {"type": "rss", "name": "zoned-feed", "url": f"{server.url}/zoned"}
    source = build_source(TypeAdapter(SourceSettings).validate_python(settings))
    with structlog.testing.capture_logs() as logs:
        drafts = source.poll(PollState(), fetcher, sim_clock).drafts  # type: ignore[attr-defined]
    assert [d.published_at.isoformat() for d in drafts] == list(dates.values())
    unreadable = [e for e in logs if e["event"] == "source.date_unreadable"]
    assert [e["source"] for e in unreadable] == ["zoned-feed"]  # once per source
    assert _jsonl_times(tmp_path, "zoned-jsonl", list(dates), sim_clock) == list(dates.values())


def test_an_atom_id_is_not_a_link(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    """Issue: an entry without <link> and with a `tag:` id logged `source.link_unusable
    url=tag:atom.example,2026:4`, a link the feed never gave (feedparser fills it from the id)."""
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
        b"<id>f</id><link href='https://atom.example/'/>"
        b"<entry><title>Acme 4</title><id>tag:atom.example,2026:4</id></entry>"
        b"<entry><title>Acme 5</title><id>https://atom.example/5</id></entry>"
        b"<entry><title>Acme 6</title><id>tag:atom.example,2026:6</id>"
        b"<link rel='enclosure' href='https://cdn.example/6.mp3'/>"
        b"<link href='https://atom.example/6'/></entry></feed>"
    )
    _serve_bytes(server, "/tagged", atom)
    settings = {"type": "rss", "name": "tagged-feed", "url": f"{server.url}/tagged"}
    source = build_source(TypeAdapter(SourceSettings).validate_python(settings))
    with structlog.testing.capture_logs() as logs:
        drafts = source.poll(PollState(), fetcher, sim_clock).drafts  # type: ignore[attr-defined]
    assert [(d.external_id, d.url) for d in drafts] == [
        ("tag:atom.example,2026:4", None),
        ("https://atom.example/5", None),  # an Atom id is a name even when it looks like a URL
        ("tag:atom.example,2026:6", "https://atom.example/6"),
    ]
    assert not [e for e in logs if e["event"] == "source.link_unusable"]
    rss = _rss(
        "https://r.example/",
        "<item><title>Acme 7</title><guid>https://r.example/7</guid></item>"
        '<item><title>Acme 8</title><guid isPermaLink="false">https://r.example/8</guid></item>',
    )
    _serve_bytes(server, "/guids", rss)
    settings = {"type": "rss", "name": "guid-feed", "url": f"{server.url}/guids"}
    source = build_source(TypeAdapter(SourceSettings).validate_python(settings))
    drafts = source.poll(PollState(), fetcher, sim_clock).drafts  # type: ignore[attr-defined]
    assert [d.url for d in drafts] == ["https://r.example/7", None]  # a permalink guid is a link


def test_an_edited_forum_post_is_stored_once(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    """Issue: items sharing `<guid>thread-42</guid>` with links #p1–#p4; a later poll carried
    #p1 with its title edited and it was stored again as `thread-42#8873…`."""

    def thread(titles: dict[int, str]) -> bytes:
        return _rss(
            "https://forum.example/",
            "".join(
                f"<item><title>{title}</title><guid>thread-42</guid>"
                f"<link>https://forum.example/t/42#p{n}</link></item>"
                for n, title in titles.items()
            ),
        )

    posts = {n: f"Acme, message {n}" for n in (1, 2, 3, 4)}
    polls = [
        posts,
        {**posts, 1: "Acme, message 1 (modifié)"},  # the whole thread, #p1 edited
        {1: "Acme, message 1 (modifié encore)"},  # #p1 alone, edited again
        {3: "Acme, message 3 (modifié)", 5: "Acme, message 5"},  # #p3 edited, and a new post
    ]
    inserted = []
    for n, titles in enumerate(polls):
        _serve_bytes(server, f"/thread{n}", thread(titles))
        settings = {"type": "rss", "name": "thread-feed", "url": f"{server.url}/thread{n}"}
        source = build_source(TypeAdapter(SourceSettings).validate_python(settings))
        inserted.append(poll(source, source_db, fetcher, sim_clock).inserted)  # type: ignore[attr-defined]
    assert inserted == [4, 0, 0, 1]
    with source_db.session() as session:
        links = sorted(m.url for m in session.query(Mention))
    assert links == [f"https://forum.example/t/42#p{n}" for n in (1, 2, 3, 4, 5)]
