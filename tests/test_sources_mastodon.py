"""Mastodon hashtag timelines and search against a local fake instance."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError
from source_servers import FakeServer, MastodonFake, Reply, SleepRecorder

from warden.clock import SimulatedClock
from warden.entities import Entity, EntityMatcher
from warden.sources.base import PollState
from warden.sources.http import HttpFetcher
from warden.sources.mastodon import MastodonSearch, link_min_id
from warden.sources.poller import poll_source
from warden.sources.registry import build_source
from warden.sources.settings import MastodonSource, SourceSettings
from warden.store.db import Database
from warden.store.models import Mention, SourceState

MATCHER = EntityMatcher([Entity("Acme")])


def settings(server: FakeServer, **extra: Any) -> MastodonSource:
    data = {"type": "mastodon", "name": "masto", "base_url": server.url, "hashtag": "acme"}
    data.update(extra)
    return TypeAdapter(SourceSettings).validate_python(data)  # type: ignore[no-any-return]


def mentions(source_db: Database) -> list[Mention]:
    with source_db.session() as session:
        return list(session.query(Mention).order_by(Mention.published_at))


def poll(source_db: Database, source: Any, fetcher: HttpFetcher, sim_clock: SimulatedClock) -> Any:
    return poll_source(source_db, source, MATCHER, fetcher, sim_clock, timedelta(minutes=5))


def test_hashtag_timeline_is_normalised_and_incremental(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    fake = MastodonFake(server)
    fake.add("Acme <b>bank</b> is down &amp; nobody answers", language="fr")
    fake.add("second about Acme")
    source = build_source(settings(server))
    first = poll(source_db, source, fetcher, sim_clock)
    assert (first.inserted, first.error) == (2, None)
    stored = mentions(source_db)
    assert stored[0].text == "Acme bank is down & nobody answers"
    assert stored[0].lang == "fr"
    assert stored[0].author_handle == "u1@masto.example"
    assert stored[0].author_name == "User 1"
    assert stored[0].author_followers == 322930
    assert (stored[0].likes, stored[0].reposts, stored[0].replies) == (11, 6, 5)
    assert stored[0].published_at.tzinfo is not None
    assert [e.entity for e in stored[0].entities] == ["Acme"]
    assert stored[0].raw is not None and stored[0].raw["id"] == fake.statuses[0]["id"]
    assert server.requests[0].path == "/api/v1/timelines/tag/acme"

    fake.add("third about Acme")
    second = poll(source_db, source, fetcher, sim_clock)
    assert second.inserted == 1
    assert server.requests[-1].query["min_id"] == fake.statuses[1]["id"]
    assert poll(source_db, source, fetcher, sim_clock).inserted == 0


def test_backlog_longer_than_max_pages_is_resumed_not_skipped(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    fake = MastodonFake(server)
    for n in range(5):
        fake.add(f"old {n}")
    source = build_source(settings(server, page_size=2, max_pages=2))
    assert poll(source_db, source, fetcher, sim_clock).inserted == 2  # first poll: newest page only
    for n in range(7):
        fake.add(f"burst {n}")
    assert poll(source_db, source, fetcher, sim_clock).inserted == 4
    assert poll(source_db, source, fetcher, sim_clock).inserted == 3
    assert poll(source_db, source, fetcher, sim_clock).inserted == 0
    texts = {m.text for m in mentions(source_db)}
    assert {f"burst {n}" for n in range(7)} <= texts


def test_search_sends_token_and_reads_statuses(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = MastodonFake(server, token="s3cret")
    fake.add("Acme search hit")
    source = MastodonSearch(settings(server, hashtag=None, query="acme", token="s3cret"))
    result = source.poll(PollState(), fetcher, sim_clock)
    assert [d.text for d in result.drafts] == ["Acme search hit"]
    request = server.requests[-1]
    assert request.path == "/api/v2/search"
    assert request.query["type"] == "statuses" and request.query["q"] == "acme"
    assert request.headers["authorization"] == "Bearer s3cret"


def test_rate_limit_is_waited_out(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, sleeps: SleepRecorder
) -> None:
    fake = MastodonFake(server)
    fake.add("after the wait")
    server.fail(429, {"error": "Too many requests"}, {"Retry-After": "2"})
    result = MastodonSearch(settings(server)).poll(PollState(), fetcher, sim_clock)
    assert len(result.drafts) == 1
    assert sleeps.waits == [2.0]


def test_long_rate_limit_backs_the_source_off(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    MastodonFake(server).add("never fetched")
    server.fail(429, {"error": "Too many requests"}, {"Retry-After": "3600"})
    outcome = poll(source_db, build_source(settings(server)), fetcher, sim_clock)
    assert outcome.error and "429" in outcome.error
    with source_db.session() as session:
        row = session.get(SourceState, "masto")
        assert row is not None and row.backoff_until is not None
        assert row.consecutive_failures == 1
    assert poll(source_db, build_source(settings(server)), fetcher, sim_clock).backing_off


def test_failure_on_a_later_page_keeps_what_was_fetched(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    fake = MastodonFake(server)
    fake.add("seed")
    source = build_source(settings(server, page_size=2, max_pages=3))
    poll(source_db, source, fetcher, sim_clock)
    for n in range(5):
        fake.add(f"more {n}")
    original = fake.tag_timeline
    calls = []

    def flaky(request: Any) -> Any:
        calls.append(1)
        if len(calls) in (2, 3, 4):  # the second page fails, retries included
            return Reply(500, b"oops")
        return original(request)

    server.routes = [r for r in server.routes if r[1] != "/api/v1/timelines/tag/"]
    server.route("GET", "/api/v1/timelines/tag/", flaky)
    outcome = poll(source_db, source, fetcher, sim_clock)
    assert outcome.inserted == 2 and outcome.error is not None
    with source_db.session() as session:
        row = session.get(SourceState, "masto")
        assert row is not None and row.consecutive_failures == 1 and row.last_error
    assert poll(source_db, source, fetcher, sim_clock).inserted == 3
    assert len(mentions(source_db)) == 6


def test_truncated_json_fails_the_poll_and_keeps_stored_mentions(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    fake = MastodonFake(server)
    fake.add("kept")
    source = build_source(settings(server))
    poll(source_db, source, fetcher, sim_clock)
    server.fail(200, b'[{"id": "1", "content": "trunc')
    outcome = poll(source_db, source, fetcher, sim_clock)
    assert outcome.error and "invalid JSON" in outcome.error
    assert [m.text for m in mentions(source_db)] == ["kept"]


def test_status_without_text_is_skipped_others_kept(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = MastodonFake(server)
    fake.add("good one")
    empty = fake.add("")
    empty["content"] = "<p> </p>"
    result = MastodonSearch(settings(server)).poll(PollState(), fetcher, sim_clock)
    assert [d.text for d in result.drafts] == ["good one"]
    assert result.skipped == 1


def test_link_header_min_id() -> None:
    header = (
        '<https://m.example/api/v1/timelines/tag/a?max_id=7>; rel="next", '
        '<https://m.example/api/v1/timelines/tag/a?min_id=9>; rel="prev"'
    )
    assert link_min_id(header) == "9"
    assert link_min_id(None) is None


def test_settings_need_hashtag_or_query() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        TypeAdapter(SourceSettings).validate_python(
            {"type": "mastodon", "name": "m", "hashtag": "a", "query": "b"}
        )


def test_several_hashtags_are_followed_in_one_request(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    fake = MastodonFake(server)
    fake.add("Acme is down again", tags=["acme"])
    fake.add("Acme Bank: my card is blocked", tags=["AcmeBank"])
    fake.add("Nothing about us, cats", tags=["cats"])
    source = build_source(settings(server, hashtag=["#acme", "acmebank", "acme"]))
    result = poll(source_db, source, fetcher, sim_clock)
    assert (result.inserted, result.error) == (2, None)
    assert sorted(m.text for m in mentions(source_db)) == [
        "Acme Bank: my card is blocked",
        "Acme is down again",
    ]
    (request,) = server.requests
    assert request.path == "/api/v1/timelines/tag/acme"
    assert request.repeated["any[]"] == ["acmebank"]


def test_a_hashtag_list_is_checked_item_by_item() -> None:
    data = {"type": "mastodon", "name": "m", "hashtag": ["acme", "two words"]}
    with pytest.raises(ValidationError, match="hashtag"):
        TypeAdapter(SourceSettings).validate_python(data)
    with pytest.raises(ValidationError, match="at least one hashtag"):
        TypeAdapter(SourceSettings).validate_python({**data, "hashtag": []})


def test_a_reply_is_stored_with_the_status_it_answers(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    fake = MastodonFake(server)
    parent = fake.add("Acme lost my parcel")
    fake.add("@u1 Acme here: sorry, DM us", in_reply_to_id=parent["id"])
    poll(source_db, build_source(settings(server)), fetcher, sim_clock)
    assert [(m.text, m.reply_to) for m in mentions(source_db)] == [
        ("Acme lost my parcel", None),
        ("@u1 Acme here: sorry, DM us", parent["id"]),
    ]
