"""Bluesky app.bsky.feed.searchPosts against a local fake AppView."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter
from source_servers import BlueskyFake, FakeServer

from warden.clock import SimulatedClock
from warden.errors import SourceError
from warden.sources.base import PollState
from warden.sources.bluesky import post_url
from warden.sources.http import HttpFetcher
from warden.sources.registry import build_source
from warden.sources.settings import SourceSettings


def bluesky(server: FakeServer, **extra: Any) -> Any:
    data = {"type": "bluesky", "name": "bsky", "query": "acme", "base_url": server.url}
    data.update(extra)
    return build_source(TypeAdapter(SourceSettings).validate_python(data))


def test_posts_are_normalised(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = BlueskyFake(server)
    fake.add("Acme  support\n has been   great", langs=["en-US"])
    (draft,) = bluesky(server, token="jwt").poll(PollState(), fetcher, sim_clock).drafts
    assert draft.text == "Acme support has been great"
    assert draft.external_id == "at://did:plc:user1/app.bsky.feed.post/3k00000000001"
    assert draft.url == "https://bsky.app/profile/user1.bsky.social/post/3k00000000001"
    assert (draft.author_handle, draft.author_name) == ("user1.bsky.social", "User 1")
    assert (draft.likes, draft.reposts, draft.replies) == (42, 8, 3)
    assert draft.lang == "en"
    request = server.requests[-1]
    assert request.query["sort"] == "latest" and request.query["q"] == "acme"
    assert request.headers["authorization"] == "Bearer jwt"


def test_incremental_with_since_and_cursor(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = BlueskyFake(server)
    for n in range(3):
        fake.add(f"old {n}")
    source = bluesky(server, page_size=2, max_pages=3)
    first = source.poll(PollState(), fetcher, sim_clock)
    assert [d.text for d in first.drafts] == ["old 2", "old 1"]
    for n in range(5):
        fake.add(f"new {n}")
    second = source.poll(first.state, fetcher, sim_clock)
    assert server.requests[-1].query["since"].startswith("2026-11-20T08:03:00")
    assert server.requests[-1].query["cursor"] == "4"
    assert {d.text for d in second.drafts} >= {f"new {n}" for n in range(5)}
    third = source.poll(second.state, fetcher, sim_clock)
    assert {d.text for d in third.drafts} <= {"new 4"}  # only the watermark post, re-read


def test_bad_request_is_an_error(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    server.fail(400, {"error": "InvalidRequest", "message": "bad query"})
    with pytest.raises(SourceError, match="HTTP 400"):
        bluesky(server).poll(PollState(), fetcher, sim_clock)


def test_post_url() -> None:
    assert post_url("at://did:plc:x/app.bsky.feed.post/abc", "a.b") == (
        "https://bsky.app/profile/a.b/post/abc"
    )
    assert post_url("at://did:plc:x/app.bsky.feed.like/abc", "a.b") is None


def test_a_post_dated_in_the_future_does_not_hide_later_posts(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    from datetime import timedelta

    fake = BlueskyFake(server)
    fake.add("seed")
    source = bluesky(server)
    state = source.poll(PollState(), fetcher, sim_clock).state
    liar = fake.add("clock ahead")
    liar["record"]["createdAt"] = "2031-01-01T00:00:00.000Z"
    second = source.poll(state, fetcher, sim_clock)
    assert {d.text for d in second.drafts} >= {"clock ahead"}
    fake.add("posted after", at=sim_clock.now() - timedelta(hours=1))
    third = source.poll(second.state, fetcher, sim_clock)
    assert "posted after" in {d.text for d in third.drafts}


def test_rate_limited_then_served(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, sleeps: Any
) -> None:
    BlueskyFake(server).add("after the limit")
    server.fail(429, {"error": "RateLimitExceeded"}, {"Retry-After": "4"})
    result = bluesky(server).poll(PollState(), fetcher, sim_clock)
    assert [d.text for d in result.drafts] == ["after the limit"] and sleeps.waits == [4.0]


def test_app_password_login_and_expired_session(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = BlueskyFake(server, login=("watcher.bsky.social", "app-pass"))
    fake.add("only for logged-in clients")
    source = bluesky(
        server,
        base_url="http://127.0.0.1:9",  # not used when logged in
        pds_url=server.url,
        identifier="watcher.bsky.social",
        app_password="app-pass",
    )
    assert len(source.poll(PollState(), fetcher, sim_clock).drafts) == 1
    assert server.requests[0].path == "/xrpc/com.atproto.server.createSession"
    fake.sessions += 1  # the server expires the session
    with pytest.raises(SourceError, match="HTTP 400"):
        source.poll(PollState(), fetcher, sim_clock)
    assert len(source.poll(PollState(), fetcher, sim_clock).drafts) == 1
    assert fake.sessions == 3


def test_login_needs_both_fields() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="app_password"):
        TypeAdapter(SourceSettings).validate_python(
            {"type": "bluesky", "name": "b", "query": "q", "identifier": "me"}
        )


def test_a_reply_keeps_the_uri_of_the_post_it_answers(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = BlueskyFake(server)
    parent = fake.add("Acme support is slow")
    reply = fake.add("We are looking into it")
    reply["record"]["reply"] = {
        "root": {"uri": parent["uri"], "cid": "bafy1"},
        "parent": {"uri": parent["uri"], "cid": "bafy1"},
    }
    drafts = bluesky(server, token="jwt").poll(PollState(), fetcher, sim_clock).drafts
    assert {d.text: d.reply_to for d in drafts} == {
        "Acme support is slow": None,
        "We are looking into it": parent["uri"],
    }
