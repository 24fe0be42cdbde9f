"""Hacker News Algolia search_by_date against a local fake."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from source_servers import FakeServer, HackerNewsFake

from warden.clock import SimulatedClock
from warden.sources.base import PollState
from warden.sources.http import HttpFetcher
from warden.sources.registry import build_source
from warden.sources.settings import SourceSettings


def hackernews(server: FakeServer, **extra: Any) -> Any:
    data = {"type": "hackernews", "name": "hn", "query": "acme", "base_url": server.url}
    data.update(extra)
    return build_source(TypeAdapter(SourceSettings).validate_python(data))


def test_comments_and_stories_are_normalised(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = HackerNewsFake(server)
    fake.add("Acme&#x27;s outage took down <i>half</i> my stack.<p>Not great.")
    fake.add("Acme raises prices", story=True)
    result = hackernews(server).poll(PollState(), fetcher, sim_clock)
    story, comment = result.drafts
    assert comment.text == "Acme's outage took down half my stack. Not great."
    assert comment.title == "Acme Cloud outage post-mortem"
    assert comment.url == "https://news.ycombinator.com/item?id=38000001"
    assert comment.external_id == "hn:38000001"
    assert story.text == "Acme raises prices" and story.likes == 12 and story.replies == 2
    assert story.title is None  # a story without text: its title once, not title and text
    assert server.requests[-1].query["tags"] == "(story,comment)"


def test_numeric_filter_and_pages(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = HackerNewsFake(server)
    fake.add("first")
    source = hackernews(server, page_size=2, max_pages=2)
    state = source.poll(PollState(), fetcher, sim_clock).state
    newest = fake.hits[0]["created_at_i"]
    for n in range(5):
        fake.add(f"c{n}")
    second = source.poll(state, fetcher, sim_clock)
    assert server.requests[-1].query["numericFilters"] == f"created_at_i>={newest}"
    assert len(second.drafts) == 4 and second.state.cursor["resume"] == "2"
    third = source.poll(second.state, fetcher, sim_clock)
    texts = {d.text for d in second.drafts + third.drafts}
    assert {f"c{n}" for n in range(5)} <= texts
    assert third.state.cursor == {"watermark": fake.hits[0]["created_at_i"]}


def test_timeout_is_retried_then_reported(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    import pytest

    from warden.errors import SourceError
    from warden.sources.http import HttpFetcher as Fetcher

    HackerNewsFake(server).add("slow")
    quick = Fetcher(timeout=0.2, retries=1, backoff_base=0, sleep=lambda s: None)
    server.fail(200, {"hits": []}, delay=0.6, times=2)
    with pytest.raises(SourceError, match="timed out"):
        hackernews(server, timeout="200ms").poll(PollState(), quick, sim_clock)
    quick.close()


def test_rate_limited_then_served_and_malformed_body(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, sleeps: Any
) -> None:
    import pytest

    from warden.errors import SourceError

    HackerNewsFake(server).add("after the limit")
    server.fail(429, {"message": "Too many requests"}, {"Retry-After": "1"})
    result = hackernews(server).poll(PollState(), fetcher, sim_clock)
    assert [d.text for d in result.drafts] == ["after the limit"] and sleeps.waits == [1.0]
    server.fail(200, {"message": "no hits here"})
    with pytest.raises(SourceError, match="hits"):
        hackernews(server).poll(PollState(), fetcher, sim_clock)
