"""X API v2 recent search against a local fake."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter
from source_servers import FakeServer, XFake

from warden.clock import SimulatedClock
from warden.errors import SourceError
from warden.sources.base import PollState
from warden.sources.http import HttpFetcher
from warden.sources.registry import build_source
from warden.sources.settings import SourceSettings


def x_source(server: FakeServer, **extra: Any) -> Any:
    data = {
        "type": "x",
        "name": "x",
        "query": "acme -is:retweet",
        "bearer_token": "x-token",
        "base_url": server.url,
    }
    data.update(extra)
    return build_source(TypeAdapter(SourceSettings).validate_python(data))


def test_posts_with_expanded_authors(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = XFake(server)
    tweet = fake.add("Acme Bank app down again?")
    (draft,) = x_source(server).poll(PollState(), fetcher, sim_clock).drafts
    assert draft.external_id == tweet["id"]
    assert draft.url == f"https://x.com/user1/status/{tweet['id']}"
    assert (draft.author_handle, draft.author_name, draft.author_followers) == (
        "user1",
        "User 1",
        100,
    )
    assert (draft.likes, draft.reposts, draft.replies) == (30, 13, 4)
    q = server.requests[-1].query
    assert q["tweet.fields"] == "created_at,public_metrics,lang,author_id,referenced_tweets"
    assert q["expansions"] == "author_id" and "user.fields" in q


def test_since_id_and_next_token_resume(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = XFake(server)
    for n in range(12):
        fake.add(f"old {n}")
    source = x_source(server, page_size=10, max_pages=2)
    first = source.poll(PollState(), fetcher, sim_clock)
    assert len(first.drafts) == 10
    newest = fake.tweets[0]["id"]
    assert first.state.cursor == {"watermark": int(newest)}
    for n in range(25):
        fake.add(f"new {n}")
    second = source.poll(first.state, fetcher, sim_clock)
    assert server.requests[-1].query["since_id"] == newest
    assert len(second.drafts) == 20 and second.state.cursor["resume"]
    third = source.poll(second.state, fetcher, sim_clock)
    assert {d.text for d in second.drafts + third.drafts} == {f"new {n}" for n in range(25)}
    assert third.state.cursor == {"watermark": int(fake.tweets[0]["id"])}
    fourth = source.poll(third.state, fetcher, sim_clock)
    assert fourth.drafts == [] and fourth.state.cursor == third.state.cursor


def test_bad_token_is_an_error_and_never_logged(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    XFake(server, token="right")
    with pytest.raises(SourceError, match="HTTP 401") as caught:
        x_source(server, bearer_token="wrong-secret").poll(PollState(), fetcher, sim_clock)
    assert "wrong-secret" not in str(caught.value)


def test_rate_limit_then_success(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, sleeps: Any
) -> None:
    XFake(server).add("after 429")
    server.fail(429, {"title": "Too Many Requests"}, {"Retry-After": "5"})
    result = x_source(server).poll(PollState(), fetcher, sim_clock)
    assert [d.text for d in result.drafts] == ["after 429"] and sleeps.waits == [5.0]


def test_a_reply_keeps_the_id_of_the_post_it_answers(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = XFake(server)
    parent = fake.add("Acme Bank app down again?")
    fake.add(
        "@user1 sorry, we are on it",
        referenced_tweets=[
            {"type": "quoted", "id": "7"},
            {"type": "replied_to", "id": parent["id"]},
        ],
    )
    drafts = x_source(server).poll(PollState(), fetcher, sim_clock).drafts
    by_text = {d.text: d.reply_to for d in drafts}
    assert by_text == {
        "Acme Bank app down again?": None,
        "@user1 sorry, we are on it": parent["id"],
    }
