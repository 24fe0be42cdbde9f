"""The generic `http_json` source: declarative mapping, cursor and page pagination."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError
from source_servers import FakeServer, Reply, Request

from warden.clock import SimulatedClock
from warden.errors import SourceError
from warden.sources.base import PollState
from warden.sources.dates import parse_time
from warden.sources.http import HttpFetcher
from warden.sources.registry import build_source
from warden.sources.settings import SourceSettings

FIELDS = {
    "id": "uid",
    "text": "body.html",
    "title": None,
    "url": "links.0.href",
    "author_handle": "user.login",
    "author_name": "user.name",
    "author_followers": "user.stats.followers",
    "published_at": "ts",
    "lang": None,
    "likes": "stats.hearts",
    "reposts": None,
    "replies": "stats.comments",
    "time_format": "epoch_ms",
}


def item(n: int) -> dict[str, Any]:
    return {
        "uid": f"u{n}",
        "body": {"html": f"<p>Acme item {n}</p>"},
        "links": [{"href": f"https://api.example/items/{n}"}],
        "user": {"login": f"l{n}", "name": f"Name {n}", "stats": {"followers": n * 10}},
        "ts": 1_795_000_000_000 + n * 60_000,
        "stats": {"hearts": n, "comments": "7"},
    }


def source(server: FakeServer, **extra: Any) -> Any:
    data = {
        "type": "http_json",
        "name": "api",
        "url": f"{server.url}/v1/items",
        "params": {"q": "acme"},
        "headers": {"Authorization": "Bearer k"},
        "items": "result.items",
        "fields": FIELDS,
    }
    data.update(extra)
    return build_source(TypeAdapter(SourceSettings).validate_python(data))


def test_mapping_reads_every_field(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    server.route("GET", "/v1/items", lambda r: Reply(200, {"result": {"items": [item(1)]}}))
    (draft,) = source(server).poll(PollState(), fetcher, sim_clock).drafts
    assert (draft.external_id, draft.text, draft.url) == (
        "u1",
        "Acme item 1",
        "https://api.example/items/1",
    )
    assert (draft.author_handle, draft.author_name, draft.author_followers) == ("l1", "Name 1", 10)
    assert (draft.likes, draft.replies, draft.reposts) == (1, 7, 0)
    assert draft.published_at.timestamp() == 1_795_000_060
    assert server.requests[-1].query == {"q": "acme"}
    assert server.requests[-1].headers["authorization"] == "Bearer k"


def test_cursor_pagination_stops_at_already_seen_items(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    items = [item(n) for n in range(5, 0, -1)]  # newest first

    def paged(request: Request) -> Reply:
        start = int(request.query.get("after", 0))
        chunk = items[start : start + 2]
        nxt = str(start + 2) if start + 2 < len(items) else None
        return Reply(200, {"result": {"items": chunk}, "meta": {"next": nxt}})

    server.route("GET", "/v1/items", paged)
    pagination = {"type": "cursor", "cursor_path": "meta.next", "cursor_param": "after"}
    api = source(server, pagination=pagination)
    first = api.poll(PollState(), fetcher, sim_clock)
    assert [d.external_id for d in first.drafts] == ["u5", "u4", "u3", "u2", "u1"]
    assert [r.query.get("after") for r in server.requests] == [None, "2", "4"]
    server.requests.clear()
    second = api.poll(first.state, fetcher, sim_clock)
    assert len(server.requests) == 2  # page 1 still has the newest; page 2 is all old: stop
    assert [d.external_id for d in second.drafts][:2] == ["u5", "u4"]


def test_page_pagination_and_empty_page(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    pages = {1: [item(3), item(2)], 2: [item(1)], 3: []}
    server.route(
        "GET",
        "/v1/items",
        lambda r: Reply(200, {"result": {"items": pages[int(r.query["p"])]}}),
    )
    api = source(server, pagination={"type": "page", "page_param": "p", "max_pages": 10})
    result = api.poll(PollState(), fetcher, sim_clock)
    assert [d.external_id for d in result.drafts] == ["u3", "u2", "u1"]
    assert [r.query["p"] for r in server.requests] == ["1", "2", "3"]


def test_bad_items_skipped_and_wrong_shape_is_an_error(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    broken = [item(1), {"uid": "nobody"}, "not an object", {**item(2), "ts": "yesterday"}]
    server.route("GET", "/v1/items", lambda r: Reply(200, {"result": {"items": broken}}))
    result = source(server).poll(PollState(), fetcher, sim_clock)
    # An unreadable date keeps the item (at its fetch time); no id, not an object: skipped.
    assert [d.external_id for d in result.drafts] == ["u1", "u2"] and result.skipped == 2
    assert result.drafts[1].published_at == sim_clock.now()
    server.fail(200, {"result": {"items": {"not": "a list"}}})
    with pytest.raises(SourceError, match="is not a list"):
        source(server).poll(PollState(), fetcher, sim_clock)


def test_conditional_get_and_size_cap(
    server: FakeServer, sim_clock: SimulatedClock, fetcher: HttpFetcher
) -> None:
    def etagged(request: Request) -> Reply:
        if request.headers.get("if-none-match") == '"v1"':
            return Reply(304)
        return Reply(200, {"result": {"items": [item(1)]}}, {"ETag": '"v1"'})

    server.route("GET", "/v1/items", etagged)
    api = source(server)
    first = api.poll(PollState(), fetcher, sim_clock)
    assert first.state.etag == '"v1"'
    assert api.poll(first.state, fetcher, sim_clock).not_modified
    small = HttpFetcher(max_bytes=100, sleep=lambda s: None)
    with pytest.raises(SourceError, match="byte limit"):
        api.poll(PollState(), small, sim_clock)
    small.close()


def test_cursor_pagination_needs_a_path() -> None:
    with pytest.raises(ValidationError, match="cursor_path"):
        TypeAdapter(SourceSettings).validate_python(
            {
                "type": "http_json",
                "name": "a",
                "url": "https://a.example",
                "pagination": {"type": "cursor"},
            }
        )


def test_relative_links_resolve_against_the_api_or_url_base(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    relative = dict(item(1), links=[{"href": "/items/1"}])
    server.route("GET", "/v1/items", lambda r: Reply(200, {"result": {"items": [relative]}}))
    (draft,) = source(server).poll(PollState(), fetcher, sim_clock).drafts
    assert draft.url == f"{server.url}/items/1"
    fields = dict(FIELDS, url_base="https://www.reviews.example/")
    (draft,) = source(server, fields=fields).poll(PollState(), fetcher, sim_clock).drafts
    assert draft.url == "https://www.reviews.example/items/1"


@pytest.mark.parametrize(
    ("text_format", "written", "shown"),
    [
        ("html", "<p>Acme &lt; 2 %</p>", "Acme < 2 %"),
        ("plain", "Acme <3 &amp; co", "Acme <3 &amp; co"),
        ("escaped", "Acme &lt;3 &amp; co", "Acme <3 & co"),
    ],
)
def test_text_format_says_how_the_api_writes_its_text(
    server: FakeServer,
    fetcher: HttpFetcher,
    sim_clock: SimulatedClock,
    text_format: str,
    written: str,
    shown: str,
) -> None:
    payload = dict(item(1), body={"html": written})
    server.route("GET", "/v1/items", lambda r: Reply(200, {"result": {"items": [payload]}}))
    fields = dict(FIELDS, text_format=text_format)
    (draft,) = source(server, fields=fields).poll(PollState(), fetcher, sim_clock).drafts
    assert draft.text == shown


def test_an_api_writing_us_dates_is_read_month_first_when_told(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    """Numeric dates are day first by default (04/05 is 4 May); a source set `month_first`
    reads them US style, and a date that can only be day first stays what it must be."""
    now = sim_clock.now()
    earlier = now.replace(day=7)  # 11/07: 7 November, or 11 July read day first
    assert earlier < now and earlier.month <= 12
    us = f"{earlier.month:02d}/{earlier.day:02d}/{earlier.year} 10:00"
    body = {"result": {"items": [{**item(1), "ts": us}]}}
    server.route("GET", "/v1/items", lambda r: Reply(200, body))
    fields = {**FIELDS, "time_format": "month_first"}
    (draft,) = source(server, fields=fields).poll(PollState(), fetcher, sim_clock).drafts
    assert draft.published_at == earlier.replace(hour=10, minute=0, second=0, microsecond=0)
    assert parse_time("13/05/2026", "month_first") == datetime(2026, 5, 13, tzinfo=UTC)
    assert parse_time("04/05/2026", "month_first") == datetime(2026, 4, 5, tzinfo=UTC)
    assert parse_time("04/05/2026") == datetime(2026, 5, 4, tzinfo=UTC)
    assert parse_time("04.05.2026", "month_first") == datetime(2026, 5, 4, tzinfo=UTC)  # dotted
    assert parse_time(1_795_000_000, "month_first").timestamp() == 1_795_000_000
