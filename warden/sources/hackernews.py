"""Hacker News: stories and comments from the public Algolia search API (/api/v1/search_by_date).

Each poll asks only for items newer than the newest of the previous poll
(`numericFilters=created_at_i>X`), newest first, page by page (see warden.sources.paging).
"""

from __future__ import annotations

from typing import Any

from warden.clock import Clock
from warden.errors import SourceError
from warden.sources.base import MentionDraft, PollResult, PollState
from warden.sources.drafting import drafts_of_objects, make_draft
from warden.sources.http import HttpFetcher
from warden.sources.normalize import html_to_text
from warden.sources.paging import Page, walk_newest_first
from warden.sources.settings import HackerNewsSource

ITEM_URL = "https://news.ycombinator.com/item?id="


def hit_draft(hit: dict[str, Any], source: str, clock: Clock) -> MentionDraft:
    """The draft of one search hit: a story (title, story_text) or a comment (comment_text).
    A story with no text of its own is stored as its title alone (`text`, no `title`), so
    that it is not shown twice."""
    object_id = hit.get("objectID")
    title = hit.get("title") or hit.get("story_title")
    body = hit.get("comment_text") or hit.get("story_text")  # HTML
    text = html_to_text(body) if isinstance(body, str) else ""
    return make_draft(
        source=source,
        external_id=f"hn:{object_id}" if object_id else None,
        text=text or title,
        title=title if text else None,
        text_format="plain",  # titles are plain text; the HTML body is read above
        published_at=hit.get("created_at_i") or hit.get("created_at"),
        fetched_at=clock.now(),
        url=f"{ITEM_URL}{object_id}",
        author_handle=hit.get("author"),
        author_name=hit.get("author"),
        likes=hit.get("points"),
        replies=hit.get("num_comments"),
        lang=None,
        raw=hit,
    )


class HackerNewsSearch:
    """Polls the HN Algolia search API sorted by date."""

    def __init__(self, settings: HackerNewsSource) -> None:
        self.settings = settings
        self.name = settings.name
        self.endpoint = str(settings.base_url).rstrip("/") + "/api/v1/search_by_date"

    def poll(self, state: PollState, http: HttpFetcher, clock: Clock) -> PollResult:
        def fetch(page_number: str | None, watermark: float | None) -> Page:
            params: dict[str, Any] = {
                "query": self.settings.query,
                "tags": self.settings.tags,
                "hitsPerPage": self.settings.page_size,
                "page": int(page_number or 0),
            }
            if watermark is not None:
                # >= : items of the same second as the watermark are re-read and de-duplicated
                params["numericFilters"] = f"created_at_i>={int(watermark)}"
            response = http.get(
                self.endpoint, params=params, timeout=self.settings.timeout.total_seconds()
            )
            body = response.json()
            hits = body.get("hits") if isinstance(body, dict) else None
            if not isinstance(hits, list):
                raise SourceError(f"{response.where}: expected an object with hits[]")
            current = int(body.get("page") or 0)
            pages = int(body.get("nbPages") or 0)
            made, skipped = drafts_of_objects(
                hits, self.name, "hit", "objectID", lambda hit: hit_draft(hit, self.name, clock)
            )
            return Page(
                [(draft.published_at.timestamp(), draft) for _, draft in made],
                next_token=str(current + 1) if current + 1 < pages else None,
                skipped=skipped,
            )

        return walk_newest_first(fetch, state, self.settings.max_pages, self.name)
