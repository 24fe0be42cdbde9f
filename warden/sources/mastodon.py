"""Mastodon: statuses of a hashtag timeline (one or several tags) or of a full-text search.

Polls walk *forward* with `min_id` (the statuses immediately newer than the last one seen, as
Mastodon's paging API and its `Link: rel="prev"` header do), so a backlog longer than `max_pages`
is simply continued at the next poll. The first poll takes the newest page only.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from warden.clock import Clock
from warden.errors import SourceError
from warden.sources.base import MentionDraft, PollResult, PollState
from warden.sources.drafting import drafts_of_objects, make_draft
from warden.sources.http import HttpFetcher, HttpResponse
from warden.sources.normalize import html_to_text, plain_text
from warden.sources.settings import MastodonSource

_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([a-z]+)"?')


def status_order(status_id: str) -> tuple[int, str]:
    """Mastodon ids are decimal snowflakes sent as strings: order by length, then digits."""
    return (len(status_id), status_id)


def link_min_id(header: str | None) -> str | None:
    """The `min_id` of the `rel="prev"` (newer) page in a Link header, if any."""
    for url, rel in _LINK.findall(header or ""):
        if rel == "prev":
            values = parse_qs(urlsplit(url).query).get("min_id")
            if values:
                return str(values[0])
    return None


def status_draft(
    status: dict[str, Any], source: str, clock: Clock, base_url: str | None = None
) -> MentionDraft:
    """The draft of one Mastodon status (a boost is read as the status it boosts); a relative
    `url` is resolved against the instance's `base_url`."""
    inner = status.get("reblog") or status
    account = inner.get("account") or {}
    text = html_to_text(inner.get("content") if isinstance(inner.get("content"), str) else "")
    spoiler = inner.get("spoiler_text")
    if isinstance(spoiler, str) and spoiler.strip():  # the content warning is plain text
        text = f"{plain_text(spoiler)} {text}".strip()
    return make_draft(
        source=source,
        external_id=inner.get("uri") or inner.get("id"),
        text=text,
        published_at=inner.get("created_at"),
        fetched_at=clock.now(),
        url=inner.get("url") or inner.get("uri"),
        author_handle=account.get("acct"),
        author_name=account.get("display_name") or account.get("username"),
        author_followers=account.get("followers_count"),
        lang=inner.get("language"),
        likes=inner.get("favourites_count"),
        reposts=inner.get("reblogs_count"),
        replies=inner.get("replies_count"),
        raw=status,
        reply_to=inner.get("in_reply_to_id"),
        text_format="plain",  # already read above: `content` is HTML, `spoiler_text` plain
        base_url=base_url,
    )


class MastodonSearch:
    """Polls a hashtag timeline (/api/v1/timelines/tag/:hashtag, further tags as ``any[]``)
    or a search (/api/v2/search)."""

    def __init__(self, settings: MastodonSource) -> None:
        self.settings = settings
        self.name = settings.name
        base = str(settings.base_url).rstrip("/")
        self.base = base + "/"
        self.more_tags = settings.hashtags[1:]
        if settings.hashtags:
            tag = quote(settings.hashtags[0], safe="")
            self.endpoint = f"{base}/api/v1/timelines/tag/{tag}"
        else:
            self.endpoint = f"{base}/api/v2/search"
        self.headers = {"Accept": "application/json"}
        if settings.token:
            self.headers["Authorization"] = f"Bearer {settings.token}"

    def _params(self, min_id: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": self.settings.page_size}
        if self.settings.query is not None:
            params.update(q=self.settings.query, type="statuses", resolve="false")
        else:
            if self.more_tags:
                # Statuses carrying any of the other hashtags too (Mastodon's `any[]`).
                params["any[]"] = self.more_tags
            if self.settings.local_only:
                params["local"] = "true"
        if min_id:
            params["min_id"] = min_id
        return params

    def _statuses(self, response: HttpResponse) -> list[Any]:
        body = response.json()
        if isinstance(body, dict) and self.settings.query is not None:
            body = body.get("statuses")
        if not isinstance(body, list):
            raise SourceError(f"{response.where}: expected a list of statuses")
        return body

    def poll(self, state: PollState, http: HttpFetcher, clock: Clock) -> PollResult:
        min_id: str | None = state.cursor.get("min_id")
        first_poll = min_id is None
        drafts: list[MentionDraft] = []
        skipped = 0
        for number in range(1 if first_poll else self.settings.max_pages):
            try:
                response = http.get(
                    self.endpoint,
                    params=self._params(min_id),
                    headers=self.headers,
                    timeout=self.settings.timeout.total_seconds(),
                )
                statuses = self._statuses(response)
            except SourceError as exc:
                if number == 0:
                    raise
                cursor = {"min_id": min_id}
                return PollResult(drafts, PollState(cursor=cursor), skipped, error=str(exc))
            ids = [str(s["id"]) for s in statuses if isinstance(s, dict) and s.get("id")]
            made, refused = drafts_of_objects(
                statuses,
                self.name,
                "status",
                "id",
                lambda s: status_draft(s, self.name, clock, self.base),
            )
            drafts.extend(draft for _, draft in made)
            skipped += refused
            if not ids:
                break
            newest = max(ids, key=status_order)
            linked = link_min_id(response.headers.get("link"))
            if linked and status_order(linked) > status_order(newest):
                newest = linked
            if min_id is None or status_order(newest) > status_order(min_id):
                min_id = newest
            if len(statuses) < self.settings.page_size:
                break
        return PollResult(drafts, PollState(cursor={"min_id": min_id} if min_id else {}), skipped)
