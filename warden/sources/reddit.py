"""Reddit: search results for a query (/search.json, or /r/:subreddit/search.json), newest first.

Without credentials the public JSON endpoints are used, with the descriptive User-Agent Reddit
requires. With `client_id`/`client_secret` the application-only OAuth flow gets a token from
`token_url` and the OAuth host is used. Paging follows the listing's `after` cursor down to the
newest post of the previous poll (see warden.sources.paging).
"""

from __future__ import annotations

import base64
import threading
import time
from typing import Any
from urllib.parse import quote

from warden.clock import Clock
from warden.errors import SourceError
from warden.sources.base import MentionDraft, PollResult, PollState
from warden.sources.drafting import UnusableItem, make_draft, skip_item
from warden.sources.http import HttpFetcher, HttpStatusError
from warden.sources.paging import Page, walk_newest_first
from warden.sources.settings import RedditSource


def post_draft(post: dict[str, Any], source: str, base_url: str, clock: Clock) -> MentionDraft:
    """The draft of one Reddit link or comment (the `data` of a t3 or t1 listing child); a
    comment's `parent_id` (t3_… or t1_…) is the post it answers."""
    permalink = post.get("permalink")
    url = f"{base_url}{permalink}" if isinstance(permalink, str) else post.get("url")
    return make_draft(
        source=source,
        external_id=post.get("name") or post.get("id"),
        text=post.get("selftext") or post.get("body") or post.get("title"),
        title=post.get("title"),
        published_at=post.get("created_utc"),
        fetched_at=clock.now(),
        url=url,
        author_handle=post.get("author"),
        author_name=post.get("author"),
        likes=post.get("score"),
        reposts=post.get("num_crossposts"),
        replies=post.get("num_comments"),
        raw=post,
        reply_to=post.get("parent_id"),
        time_format="epoch",
        text_format="escaped",  # Markdown; entities decoded (raw_json=1 or not), never stripped
        base_url=base_url,
    )


class RedditSearch:
    """Polls Reddit search sorted by new."""

    def __init__(self, settings: RedditSource) -> None:
        self.settings = settings
        self.name = settings.name
        self._token: str | None = None
        self._token_expires = 0.0
        self._lock = threading.Lock()

    def _access_token(self, http: HttpFetcher) -> str:
        with self._lock:
            if self._token and time.monotonic() < self._token_expires:
                return self._token
            assert self.settings.client_id and self.settings.client_secret
            pair = f"{self.settings.client_id}:{self.settings.client_secret}".encode()
            response = http.request(
                "POST",
                str(self.settings.token_url),
                form={"grant_type": "client_credentials"},
                headers={
                    "Authorization": "Basic " + base64.b64encode(pair).decode(),
                    "User-Agent": self.settings.user_agent,
                },
                timeout=self.settings.timeout.total_seconds(),
            )
            body = response.json()
            token = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(token, str):
                raise SourceError(f"{self.settings.token_url}: no access_token in the response")
            self._token = token
            lifetime = float(body.get("expires_in") or 3600)
            self._token_expires = time.monotonic() + max(60.0, lifetime - 60)
            return token

    def _endpoint(self, oauth: bool) -> str:
        base = str(self.settings.oauth_base_url if oauth else self.settings.base_url).rstrip("/")
        suffix = "" if oauth else ".json"
        if self.settings.subreddit:
            return f"{base}/r/{quote(self.settings.subreddit)}/search{suffix}"
        return f"{base}/search{suffix}"

    def poll(self, state: PollState, http: HttpFetcher, clock: Clock) -> PollResult:
        oauth = self.settings.client_id is not None
        headers = {"User-Agent": self.settings.user_agent, "Accept": "application/json"}
        if oauth:
            headers["Authorization"] = f"Bearer {self._access_token(http)}"
        permalink_base = "https://www.reddit.com"

        def fetch(after: str | None, watermark: float | None) -> Page:
            params: dict[str, Any] = {
                "q": self.settings.query,
                "sort": "new",
                "limit": self.settings.page_size,
                "raw_json": 1,
                "type": "link",
            }
            if self.settings.subreddit:
                params["restrict_sr"] = "on"
            if after:
                params["after"] = after
            try:
                response = http.get(
                    self._endpoint(oauth),
                    params=params,
                    headers=headers,
                    timeout=self.settings.timeout.total_seconds(),
                )
            except HttpStatusError as exc:
                if exc.status == 401:
                    self._token = None  # revoked or expired early: ask for a new one next poll
                raise
            listing = response.json()
            data = listing.get("data") if isinstance(listing, dict) else None
            children = data.get("children") if isinstance(data, dict) else None
            if not isinstance(data, dict) or not isinstance(children, list):
                raise SourceError(f"{response.where}: expected a Listing with data.children")
            page = Page(next_token=data.get("after") or None)
            for child in children:
                post = child.get("data") if isinstance(child, dict) else None
                try:
                    if not isinstance(post, dict):
                        raise UnusableItem("listing child has no data")
                    draft = post_draft(post, self.name, permalink_base, clock)
                except UnusableItem as exc:
                    page.skipped += 1
                    skip_item(self.name, str(exc), post.get("name") if post else None)
                    continue
                page.items.append((draft.published_at.timestamp(), draft))
            return page

        return walk_newest_first(fetch, state, self.settings.max_pages, self.name)
