"""Bluesky: post search through app.bsky.feed.searchPosts (sort=latest), newest first.

Each poll asks only for posts since the newest one of the previous poll (`since`), follows the
response `cursor` for further pages, and resumes an unfinished backlog at the next poll (see
warden.sources.paging). A post's URL is its bsky.app page.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime
from typing import Any

from warden.clock import Clock
from warden.errors import SourceError
from warden.sources.base import MentionDraft, PollResult, PollState
from warden.sources.drafting import drafts_of_objects, make_draft
from warden.sources.http import HttpFetcher, HttpStatusError
from warden.sources.jsonpath import as_object
from warden.sources.normalize import parse_time
from warden.sources.paging import Page, walk_newest_first
from warden.sources.settings import BlueskySource


def post_url(uri: str, handle: str | None) -> str | None:
    """https://bsky.app/profile/<handle>/post/<rkey> for an at:// post URI."""
    parts = uri.removeprefix("at://").split("/")
    if len(parts) != 3 or parts[1] != "app.bsky.feed.post":
        return None
    return f"https://bsky.app/profile/{handle or parts[0]}/post/{parts[2]}"


def post_draft(post: dict[str, Any], source: str, clock: Clock) -> MentionDraft:
    """The draft of one PostView of a searchPosts response."""
    record = as_object(post.get("record"))
    author = as_object(post.get("author"))
    uri = post.get("uri")
    langs = record.get("langs")
    return make_draft(
        source=source,
        external_id=uri,
        text=record.get("text"),
        published_at=record.get("createdAt") or post.get("indexedAt"),
        fetched_at=clock.now(),
        url=post_url(uri, author.get("handle")) if isinstance(uri, str) else None,
        author_handle=author.get("handle"),
        author_name=author.get("displayName"),
        author_followers=author.get("followersCount"),
        lang=langs[0] if isinstance(langs, list) and langs else None,
        likes=post.get("likeCount"),
        reposts=(post.get("repostCount") or 0) + (post.get("quoteCount") or 0),
        replies=post.get("replyCount"),
        raw=post,
        reply_to=as_object(as_object(record.get("reply")).get("parent")).get("uri"),
        text_format="plain",  # record.text is plain text: "<" and "&amp;" are the author's
    )


def sort_key(post: dict[str, Any], draft: MentionDraft, clock: Clock) -> float:
    """Where the search sorts a post: the earlier of its createdAt and indexedAt ("sortAt"), so
    a client clock set in the future cannot push the watermark past posts still to come."""
    when = min(draft.published_at, clock.now())
    indexed = post.get("indexedAt")
    if isinstance(indexed, str):
        with contextlib.suppress(ValueError):
            when = min(when, parse_time(indexed))
    return when.timestamp()


def _since(watermark: float) -> str:
    return datetime.fromtimestamp(watermark, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class BlueskySearch:
    """Polls app.bsky.feed.searchPosts, logged in with an app password when one is given."""

    def __init__(self, settings: BlueskySource) -> None:
        self.settings = settings
        self.name = settings.name
        self.login = settings.identifier is not None
        host = settings.pds_url if self.login else settings.base_url
        self.endpoint = str(host).rstrip("/") + "/xrpc/app.bsky.feed.searchPosts"
        self._session_token: str | None = None
        self._lock = threading.Lock()

    def _access_token(self, http: HttpFetcher) -> str:
        """An access JWT from com.atproto.server.createSession, kept until it is refused."""
        with self._lock:
            if self._session_token is None:
                response = http.request(
                    "POST",
                    str(self.settings.pds_url).rstrip("/")
                    + "/xrpc/com.atproto.server.createSession",
                    json_body={
                        "identifier": self.settings.identifier,
                        "password": self.settings.app_password,
                    },
                    timeout=self.settings.timeout.total_seconds(),
                )
                token = as_object(response.json()).get("accessJwt")
                if not isinstance(token, str):
                    raise SourceError(f"{response.where}: no accessJwt in the session")
                self._session_token = token
            return self._session_token

    def _headers(self, http: HttpFetcher) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.login:
            headers["Authorization"] = f"Bearer {self._access_token(http)}"
        elif self.settings.token:
            headers["Authorization"] = f"Bearer {self.settings.token}"
        return headers

    def poll(self, state: PollState, http: HttpFetcher, clock: Clock) -> PollResult:
        headers = self._headers(http)

        def fetch(cursor: str | None, watermark: float | None) -> Page:
            params: dict[str, Any] = {
                "q": self.settings.query,
                "sort": "latest",
                "limit": self.settings.page_size,
            }
            if self.settings.lang:
                params["lang"] = self.settings.lang
            if watermark is not None:
                params["since"] = _since(watermark)
            if cursor:
                params["cursor"] = cursor
            try:
                response = http.get(
                    self.endpoint,
                    params=params,
                    headers=headers,
                    timeout=self.settings.timeout.total_seconds(),
                )
            except HttpStatusError as exc:
                if exc.status in (400, 401) and self.login:
                    self._session_token = None  # expired session: log in again next poll
                raise
            body = response.json()
            posts = body.get("posts") if isinstance(body, dict) else None
            if not isinstance(posts, list):
                raise SourceError(f"{response.where}: expected an object with posts[]")
            made, skipped = drafts_of_objects(
                posts, self.name, "post", "uri", lambda post: post_draft(post, self.name, clock)
            )
            items = [(sort_key(post, draft, clock), draft) for post, draft in made]
            return Page(items, next_token=body.get("cursor") or None, skipped=skipped)

        return walk_newest_first(fetch, state, self.settings.max_pages, self.name)
