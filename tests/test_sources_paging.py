"""Newest-first paging: whatever arrives between polls, every item is eventually read."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warden.errors import SourceError
from warden.sources.base import MentionDraft, PollState
from warden.sources.paging import Page, walk_newest_first

NOW = datetime(2026, 11, 26, tzinfo=UTC)


class Platform:
    """Items with growing integer keys, served newest first, `size` per page.

    `style` says what a page token is: an offset into the current listing (Bluesky, Hacker
    News: unstable as new items arrive) or the key of the last item seen (Reddit's `after`,
    X's `next_token`: anchored). `server_filter`: the API itself drops items older than the
    watermark (since_id, since, numericFilters).
    """

    def __init__(self, size: int, style: str, server_filter: bool) -> None:
        self.keys: list[int] = []
        self.deleted: set[int] = set()
        self.size = size
        self.style = style
        self.server_filter = server_filter
        self.fail_tokens: set[str] = set()

    def add(self, n: int) -> None:
        start = self.keys[-1] + 1 if self.keys else 1
        self.keys.extend(range(start, start + n))

    def fetch(self, token: str | None, watermark: float | None) -> Page:
        if token in self.fail_tokens:  # an expired token: a fresh walk gets a new one
            self.fail_tokens.discard(token)
            raise SourceError("HTTP 400: invalid token")
        listing = [k for k in reversed(self.keys) if k not in self.deleted]
        if self.server_filter and watermark is not None:
            listing = [k for k in listing if k >= watermark]
        if token is None:
            start = 0
        elif self.style == "offset":
            start = int(token)
        else:
            anchor = int(token)
            start = next((i for i, k in enumerate(listing) if k < anchor), len(listing))
            if anchor in self.deleted:
                start = len(listing)  # Reddit answers an empty listing for a vanished anchor
        chunk = listing[start : start + self.size]
        more = start + self.size < len(listing)
        if not more:
            next_token = None
        elif self.style == "offset":
            next_token = str(start + self.size)
        else:
            next_token = str(chunk[-1])
        return Page(
            items=[(k, MentionDraft("p", str(k), f"item {k}", NOW)) for k in chunk],
            next_token=next_token,
        )


@settings(max_examples=150, deadline=None)
@given(
    arrivals=st.lists(st.integers(0, 25), min_size=1, max_size=8),
    size=st.integers(1, 6),
    max_pages=st.integers(1, 4),
    style=st.sampled_from(["offset", "anchor"]),
    server_filter=st.booleans(),
)
def test_nothing_after_the_first_poll_is_ever_skipped(
    arrivals: list[int], size: int, max_pages: int, style: str, server_filter: bool
) -> None:
    platform = Platform(size, style, server_filter)
    platform.add(5)
    state = PollState()
    seen: set[int] = set()
    first = walk_newest_first(platform.fetch, state, max_pages)
    state = first.state
    baseline = max(platform.keys)
    for n in arrivals:
        platform.add(n)
        result = walk_newest_first(platform.fetch, state, max_pages)
        seen |= {int(d.external_id) for d in result.drafts}
        state = result.state
    for _ in range(sum(arrivals) + 2):  # quiet polls drain any backlog
        result = walk_newest_first(platform.fetch, state, max_pages)
        seen |= {int(d.external_id) for d in result.drafts}
        state = result.state
    assert {k for k in platform.keys if k > baseline} <= seen
    assert state.cursor == {"watermark": max(platform.keys)}


def test_first_poll_takes_one_page_only() -> None:
    platform = Platform(3, "anchor", server_filter=False)
    platform.add(20)
    result = walk_newest_first(platform.fetch, PollState(), max_pages=5)
    assert [d.external_id for d in result.drafts] == ["20", "19", "18"]
    assert result.state.cursor == {"watermark": 20}


def test_a_failing_later_page_keeps_the_first_and_resumes() -> None:
    platform = Platform(2, "anchor", server_filter=True)
    platform.add(2)
    state = walk_newest_first(platform.fetch, PollState(), 3).state
    platform.add(6)
    platform.fail_tokens = {"7"}
    partial = walk_newest_first(platform.fetch, state, 3)
    assert [d.external_id for d in partial.drafts] == ["8", "7"]
    assert partial.error and partial.state.cursor["resume"] == "7"
    platform.fail_tokens = set()
    rest = walk_newest_first(platform.fetch, partial.state, 3)
    assert [d.external_id for d in rest.drafts] == ["6", "5", "4", "3", "2"]


@pytest.mark.parametrize("how", ["rejected", "vanished"])
def test_a_stale_resume_token_restarts_from_the_top(how: str) -> None:
    platform = Platform(2, "anchor", server_filter=False)
    platform.add(1)
    state = walk_newest_first(platform.fetch, PollState(), 1).state
    platform.add(6)
    unfinished = walk_newest_first(platform.fetch, state, 1)
    assert unfinished.state.cursor["resume"] == "6"
    if how == "rejected":
        platform.fail_tokens = {"6"}
    else:
        platform.deleted = {6}
    after = walk_newest_first(platform.fetch, unfinished.state, 4)
    assert after.error is None
    assert {"5", "4", "3", "2"} <= {d.external_id for d in after.drafts}
