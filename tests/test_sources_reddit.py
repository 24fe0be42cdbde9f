"""Reddit search listings (public JSON and OAuth client credentials) against a local fake."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import TypeAdapter
from source_servers import FakeServer, RedditFake

from warden.clock import SimulatedClock
from warden.entities import Entity, EntityMatcher
from warden.sources.base import PollState
from warden.sources.http import HttpFetcher
from warden.sources.poller import poll_source
from warden.sources.registry import build_source
from warden.sources.settings import SourceSettings
from warden.store.db import Database
from warden.store.models import Mention


def reddit(server: FakeServer, **extra: Any) -> Any:
    data = {"type": "reddit", "name": "reddit", "query": "acme", "base_url": server.url}
    data.update(extra)
    return build_source(TypeAdapter(SourceSettings).validate_python(data))


def test_listing_is_normalised_with_permalink_and_counts(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = RedditFake(server)
    fake.add("Impossible de me connecter &amp; rien", title="Panne chez Acme ?", ups=1)
    result = reddit(server, user_agent="linux:test:1.0 (by /u/t)").poll(
        PollState(), fetcher, sim_clock
    )
    (draft,) = result.drafts
    assert draft.external_id == "t3_p00001"
    assert draft.title == "Panne chez Acme ?"
    assert draft.text == "Impossible de me connecter & rien"
    assert draft.url == "https://www.reddit.com/r/france/comments/p00001/post/"
    assert (draft.likes, draft.replies, draft.reposts) == (152, 48, 2)
    assert draft.author_handle == "citoyen_42"
    assert draft.lang == "fr"
    request = server.requests[-1]
    assert request.path == "/search.json"
    assert request.query["sort"] == "new" and request.query["q"] == "acme"
    assert request.headers["user-agent"] == "linux:test:1.0 (by /u/t)"


def test_after_cursor_pages_down_to_last_poll_and_resumes(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock, source_db: Database
) -> None:
    fake = RedditFake(server)
    for n in range(3):
        fake.add(f"old {n}")
    source = reddit(server, page_size=2, max_pages=2)
    matcher = EntityMatcher([Entity("Acme")])

    def poll() -> int:
        outcome = poll_source(
            source_db, source, matcher, fetcher, sim_clock, timedelta(minutes=1), ("Acme",)
        )
        assert outcome.error is None
        return outcome.inserted

    assert poll() == 2  # first poll: one page
    for n in range(7):
        fake.add(f"new {n}")
    assert poll() == 4
    assert poll() == 3  # resumed where the burst was left
    assert poll() == 0
    assert "after" in server.requests[-1].query or len(server.requests) >= 4
    with source_db.session() as session:
        texts = {m.text for m in session.query(Mention)}
        tagged = {e.entity for m in session.query(Mention) for e in m.entities}
    assert {f"new {n}" for n in range(7)} <= texts
    assert tagged == {"Acme"}  # forced entity of a dedicated source


def test_subreddit_filter_uses_restrict_sr(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = RedditFake(server)
    fake.add("in france", subreddit="france")
    fake.add("elsewhere", subreddit="other")
    result = reddit(server, subreddit="france").poll(PollState(), fetcher, sim_clock)
    assert [d.text for d in result.drafts] == ["in france"]
    assert server.requests[-1].path == "/r/france/search.json"
    assert server.requests[-1].query["restrict_sr"] == "on"


def test_oauth_client_credentials(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = RedditFake(server, client=("cid", "csecret"))
    fake.add("via oauth")
    source = reddit(
        server,
        client_id="cid",
        client_secret="csecret",
        oauth_base_url=server.url,
        token_url=f"{server.url}/api/v1/access_token",
    )
    assert [d.text for d in source.poll(PollState(), fetcher, sim_clock).drafts] == ["via oauth"]
    source.poll(PollState(), fetcher, sim_clock)
    assert fake.tokens_issued == 1  # the token is reused until it expires
    assert server.requests[-1].path == "/search"
    assert server.requests[-1].headers["authorization"] == "Bearer tok1"


def test_item_without_text_skipped_and_server_error_retried(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = RedditFake(server)
    fake.add("fine")
    fake.add("", title="")
    server.fail(503, {"message": "Service Unavailable"}, {"Retry-After": "1"})
    result = reddit(server).poll(PollState(), fetcher, sim_clock)
    assert [d.text for d in result.drafts] == ["fine"]
    assert result.skipped == 1


def test_forbidden_and_bad_listing_are_errors(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    import pytest

    from warden.errors import SourceError

    server.fail(403, {"message": "Forbidden", "error": 403})
    with pytest.raises(SourceError, match="HTTP 403"):
        reddit(server).poll(PollState(), fetcher, sim_clock)
    server.fail(200, {"kind": "Listing", "data": {"children": "nope"}})
    with pytest.raises(SourceError, match="Listing"):
        reddit(server).poll(PollState(), fetcher, sim_clock)


def test_a_rejected_token_is_renewed_at_the_next_poll(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    import pytest

    from warden.errors import SourceError

    fake = RedditFake(server, client=("cid", "csecret"))
    fake.add("via oauth")
    source = reddit(
        server,
        client_id="cid",
        client_secret="csecret",
        oauth_base_url=server.url,
        token_url=f"{server.url}/api/v1/access_token",
    )
    source.poll(PollState(), fetcher, sim_clock)
    server.fail(401, {"message": "Unauthorized", "error": 401})
    with pytest.raises(SourceError, match="HTTP 401"):
        source.poll(PollState(), fetcher, sim_clock)
    assert [d.text for d in source.poll(PollState(), fetcher, sim_clock).drafts] == ["via oauth"]
    assert fake.tokens_issued == 2


def test_a_comment_keeps_the_post_it_answers(
    server: FakeServer, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    fake = RedditFake(server)
    post = fake.add("Acme lost my parcel", title="Acme?")
    fake.add("", title="", name="t1_c00009", body="Sorry, DM us", parent_id=post["data"]["name"])
    drafts = reddit(server).poll(PollState(), fetcher, sim_clock).drafts
    assert {d.external_id: (d.text, d.reply_to) for d in drafts} == {
        "t3_p00001": ("Acme lost my parcel", None),
        "t1_c00009": ("Sorry, DM us", "t3_p00001"),
    }
