"""Incremental paging of newest-first search APIs (Reddit, Bluesky, Hacker News, X).

Each poll walks pages from the newest item down to the newest item of the previous complete walk
(the *watermark*). At most `max_pages` pages are fetched per poll: when the backlog is longer, the
page token where the walk stopped is remembered and the next poll resumes there, so a burst is
never skipped; the watermark only moves once a walk has reached it. A source's very first poll
takes one page, a bounded recent window rather than the platform's whole history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from warden.errors import SourceError
from warden.log import get_logger
from warden.sources.base import MentionDraft, PollResult, PollState


@dataclass
class Page:
    """One response: its items as (order key, draft), the next page's token, items skipped."""

    items: list[tuple[float, MentionDraft]] = field(default_factory=list)
    next_token: str | None = None
    skipped: int = 0


log = get_logger(__name__)

FetchPage = Callable[[str | None, float | None], Page]
"""fetch(page_token, watermark) → Page; the watermark lets an API filter server-side."""


def walk_newest_first(
    fetch: FetchPage, state: PollState, max_pages: int, source: str = ""
) -> PollResult:
    """Fetch pages until the watermark, the last page, or `max_pages`; return the new state.

    The cursor holds `watermark` (order key of the newest item of the last complete walk),
    `resume` (page token of an unfinished walk) and `top` (newest key that walk has seen).
    A failure on the first page raises; a failure later keeps what was fetched and resumes at
    the failed page next time. A resume token the platform no longer honours (an error, or an
    empty page: the anchor post was deleted, the token expired) restarts the walk from the
    newest item, which re-reads but never skips.
    """
    cursor = dict(state.cursor)
    watermark: float | None = cursor.get("watermark")
    token: str | None = cursor.get("resume")
    top: float | None = cursor.get("top")
    first_poll = watermark is None and token is None
    resuming = token is not None
    pages = 1 if first_poll else max_pages
    drafts: list[MentionDraft] = []
    skipped = 0
    finished = False
    number = 0
    while number < pages:
        try:
            page = fetch(token, watermark)
        except SourceError as exc:
            if resuming:
                resuming, token = False, None
                log.info("source.resume_reset", source=source, reason=str(exc))
                continue
            if number == 0:
                raise
            resume = {"watermark": watermark, "resume": token, "top": top}
            return PollResult(drafts, _state(state, resume), skipped, error=str(exc))
        if resuming and not (page.items or page.skipped):
            resuming, token = False, None
            log.info("source.resume_reset", source=source, reason="resumed page is empty")
            continue
        resuming = False
        number += 1
        skipped += page.skipped
        reached = False
        for key, draft in page.items:
            if watermark is not None and key <= watermark:
                reached = True  # the newest item of the last walk, or older: stop here
                if key < watermark:
                    continue
            top = key if top is None else max(top, key)
            drafts.append(draft)
        if reached or not page.next_token or not (page.items or page.skipped):
            finished = True
            break
        token = page.next_token
    if finished or first_poll:
        new_cursor: dict[str, Any] = {"watermark": top if top is not None else watermark}
    else:
        new_cursor = {"watermark": watermark, "resume": token, "top": top}
    return PollResult(drafts, _state(state, new_cursor), skipped)


def _state(state: PollState, cursor: dict[str, Any]) -> PollState:
    return PollState(cursor=cursor, etag=state.etag, last_modified=state.last_modified)
