"""X (Twitter): API v2 recent search (/2/tweets/search/recent) with an app bearer token.

Each poll asks for posts newer than the newest of the previous poll (`since_id`), follows
`meta.next_token` for further pages, and resumes an unfinished backlog at the next poll (see
warden.sources.paging). Authors come from the `author_id` expansion, with their follower count.
"""

from __future__ import annotations

from typing import Any

from warden.clock import Clock
from warden.errors import SourceError
from warden.log import get_logger
from warden.sources.base import MentionDraft, PollResult, PollState
from warden.sources.drafting import UnusableItem, make_draft, skip_item
from warden.sources.http import HttpFetcher
from warden.sources.jsonpath import as_object
from warden.sources.paging import Page, walk_newest_first
from warden.sources.settings import XSource

log = get_logger(__name__)

TWEET_FIELDS = "created_at,public_metrics,lang,author_id,referenced_tweets"
USER_FIELDS = "username,name,public_metrics"


def tweet_draft(
    tweet: dict[str, Any], users: dict[str, dict[str, Any]], source: str, clock: Clock
) -> MentionDraft:
    """The draft of one post, with its author looked up in `includes.users`."""
    user = users.get(str(tweet.get("author_id")), {})
    metrics = as_object(tweet.get("public_metrics"))
    user_metrics = as_object(user.get("public_metrics"))
    handle = user.get("username")
    tweet_id = tweet.get("id")
    return make_draft(
        source=source,
        external_id=tweet_id,
        text=tweet.get("text"),
        published_at=tweet.get("created_at"),
        fetched_at=clock.now(),
        url=f"https://x.com/{handle or 'i/web'}/status/{tweet_id}",
        author_handle=handle,
        author_name=user.get("name"),
        author_followers=user_metrics.get("followers_count"),
        lang=None if tweet.get("lang") in ("und", "zxx", "qme", "qst") else tweet.get("lang"),
        likes=metrics.get("like_count"),
        reposts=(metrics.get("retweet_count") or 0) + (metrics.get("quote_count") or 0),
        replies=metrics.get("reply_count"),
        raw=tweet,
        reply_to=_replied_to(tweet),
        text_format="escaped",  # API v2 escapes &, < and > in `text`, and nothing else
    )


def _replied_to(tweet: dict[str, Any]) -> str | None:
    """The id of the post this one replies to (`referenced_tweets` of type replied_to)."""
    refs = tweet.get("referenced_tweets")
    for ref in refs if isinstance(refs, list) else ():
        if isinstance(ref, dict) and ref.get("type") == "replied_to" and ref.get("id"):
            return str(ref["id"])
    return None


class XRecentSearch:
    """Polls X API v2 recent search."""

    def __init__(self, settings: XSource) -> None:
        self.settings = settings
        self.name = settings.name
        self.endpoint = str(settings.base_url).rstrip("/") + "/2/tweets/search/recent"

    def poll(self, state: PollState, http: HttpFetcher, clock: Clock) -> PollResult:
        headers = {"Authorization": f"Bearer {self.settings.bearer_token}"}

        def fetch(next_token: str | None, watermark: float | None) -> Page:
            params: dict[str, Any] = {
                "query": self.settings.query,
                "max_results": self.settings.page_size,
                "tweet.fields": TWEET_FIELDS,
                "expansions": "author_id",
                "user.fields": USER_FIELDS,
            }
            if watermark is not None:
                params["since_id"] = str(int(watermark))
            if next_token:
                params["next_token"] = next_token
            response = http.get(
                self.endpoint,
                params=params,
                headers=headers,
                timeout=self.settings.timeout.total_seconds(),
            )
            body = response.json()
            if not isinstance(body, dict):
                raise SourceError(f"{response.where}: expected a JSON object")
            tweets = body.get("data") or []
            if not isinstance(tweets, list):
                raise SourceError(f"{response.where}: `data` is not a list")
            if not tweets and body.get("errors"):
                raise SourceError(f"{response.where}: {_error_summary(body['errors'])}")
            listed = as_object(body.get("includes")).get("users")
            users = {str(u.get("id")): u for u in listed or [] if isinstance(u, dict)}
            meta = as_object(body.get("meta"))
            page = Page(next_token=meta.get("next_token") or None)
            for tweet in tweets:
                try:
                    if not isinstance(tweet, dict) or not str(tweet.get("id", "")).isdigit():
                        raise UnusableItem("post has no numeric id")
                    draft = tweet_draft(tweet, users, self.name, clock)
                except UnusableItem as exc:
                    page.skipped += 1
                    skip_item(
                        self.name, str(exc), tweet.get("id") if isinstance(tweet, dict) else None
                    )
                    continue
                page.items.append((int(tweet["id"]), draft))
            return page

        return walk_newest_first(fetch, state, self.settings.max_pages, self.name)


def _error_summary(errors: Any) -> str:
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        return str(first.get("detail") or first.get("message") or first.get("title"))
    return "the API returned errors"
