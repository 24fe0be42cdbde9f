"""Config of the social platforms a source polls: Mastodon, Reddit, Bluesky, Hacker News, X."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, HttpUrl, StringConstraints, model_validator

from warden.sources.settings_base import PagedSource
from warden.yamlfile import PathError

Hashtag = Annotated[str, StringConstraints(pattern=r"^#?[^\s#/]+$")]
"""A hashtag, with or without its '#'."""


class MastodonSource(PagedSource):
    """Statuses from a Mastodon instance: a hashtag timeline, or a full-text search."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "mastodon-acme",
                    "type": "mastodon",
                    "base_url": "https://mastodon.social",
                    "hashtag": "acme",
                    "interval": "2m",
                }
            ]
        },
    )

    type: Literal["mastodon"]
    base_url: HttpUrl = Field(
        default=HttpUrl("https://mastodon.social"),
        description="The instance to ask (any Mastodon-compatible server).",
    )
    hashtag: Hashtag | list[Hashtag] | None = Field(
        default=None,
        description="Hashtag to follow, with or without '#' (/api/v1/timelines/tag/:hashtag), "
        "or a list of them: statuses carrying any of them, in one request per poll.",
        examples=["acme", ["acme", "acmebank"]],
    )
    query: str | None = Field(
        default=None,
        description="Full-text search of statuses (/api/v2/search); most instances require a "
        "token for it. Give either `hashtag` or `query`.",
    )
    local_only: bool = Field(
        default=False, description="Hashtag timeline: only statuses from this instance."
    )
    token: str | None = Field(
        default=None,
        description="Access token (optional), as ${ENV_VAR}.",
        examples=["${MASTODON_TOKEN}"],
    )
    page_size: int = Field(default=40, ge=1, le=40, description="Statuses per request (≤ 40).")

    @model_validator(mode="after")
    def _one_of_hashtag_or_query(self) -> MastodonSource:
        if self.hashtag is None and self.query is None:
            raise ValueError("give exactly one of `hashtag` or `query`")
        if self.hashtag is not None and self.query is not None:
            raise PathError(("query",), "give exactly one of `hashtag` or `query`")
        if isinstance(self.hashtag, list) and not self.hashtag:
            raise PathError(("hashtag",), "`hashtag` lists at least one hashtag")
        return self

    @property
    def hashtags(self) -> list[str]:
        """The hashtags followed, without '#' (none for a search)."""
        if self.hashtag is None:
            return []
        tags = [self.hashtag] if isinstance(self.hashtag, str) else self.hashtag
        return list(dict.fromkeys(t.lstrip("#") for t in tags))


class RedditSource(PagedSource):
    """Reddit search results for a query, newest first, optionally within one subreddit."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "reddit-acme",
                    "type": "reddit",
                    "query": '"acme bank"',
                    "user_agent": "linux:acme-warden:1.0 (by /u/you)",
                }
            ]
        },
    )

    type: Literal["reddit"]
    query: str = Field(description="Reddit search query.", examples=['"acme bank" OR acmebank'])
    subreddit: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9_]+$",
        description="Restrict the search to this subreddit (without r/).",
    )
    user_agent: str = Field(
        default="linux:warden-reputation-monitor:0.1 (self-hosted)",
        description="Descriptive User-Agent Reddit requires, e.g. "
        "'linux:acme-warden:1.0 (by /u/yourname)'.",
    )
    client_id: str | None = Field(
        default=None,
        description="OAuth app client id (optional; with `client_secret` the API is used with "
        "application-only OAuth and higher rate limits).",
    )
    client_secret: str | None = Field(default=None, description="OAuth client secret, as ${ENV}.")
    base_url: HttpUrl = Field(
        default=HttpUrl("https://www.reddit.com"), description="Public JSON endpoints."
    )
    oauth_base_url: HttpUrl = Field(
        default=HttpUrl("https://oauth.reddit.com"), description="API host used with OAuth."
    )
    token_url: HttpUrl = Field(
        default=HttpUrl("https://www.reddit.com/api/v1/access_token"),
        description="Where client credentials are exchanged for an access token.",
    )
    page_size: int = Field(default=100, ge=1, le=100, description="Posts per request (≤ 100).")

    @model_validator(mode="after")
    def _credentials_in_pairs(self) -> RedditSource:
        if (self.client_id is None) != (self.client_secret is None):
            given = "client_id" if self.client_id is not None else "client_secret"
            raise PathError((given,), "give both `client_id` and `client_secret`, or neither")
        return self


class BlueskySource(PagedSource):
    """Bluesky post search (app.bsky.feed.searchPosts), newest first."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [{"name": "bluesky-acme", "type": "bluesky", "query": "acme", "lang": "fr"}]
        },
    )

    type: Literal["bluesky"]
    query: str = Field(description="Search query (Lucene-like syntax).", examples=["acme"])
    lang: str | None = Field(
        default=None, description="Only posts in this language (ISO 639-1 code)."
    )
    base_url: HttpUrl = Field(
        default=HttpUrl("https://public.api.bsky.app"),
        description="AppView host serving /xrpc/app.bsky.feed.searchPosts.",
    )
    token: str | None = Field(
        default=None, description="Access JWT (optional), sent as a bearer token, as ${ENV}."
    )
    identifier: str | None = Field(
        default=None,
        description="Account handle or e-mail to log in with an app password (optional; "
        "searches then go through the account's server, `pds_url`).",
        examples=["acme-watch.bsky.social"],
    )
    app_password: str | None = Field(
        default=None,
        description="App password of that account (Settings > App passwords), as ${ENV}.",
        examples=["${BLUESKY_APP_PASSWORD}"],
    )
    pds_url: HttpUrl = Field(
        default=HttpUrl("https://bsky.social"),
        description="The account's server (PDS), used when logging in.",
    )
    page_size: int = Field(default=100, ge=1, le=100, description="Posts per request (≤ 100).")

    @model_validator(mode="after")
    def _login_in_pairs(self) -> BlueskySource:
        if (self.identifier is None) != (self.app_password is None):
            given = "identifier" if self.identifier is not None else "app_password"
            raise PathError((given,), "give both `identifier` and `app_password`, or neither")
        return self


class HackerNewsSource(PagedSource):
    """Hacker News stories and comments from the public Algolia search API, newest first."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {"name": "hn-acme", "type": "hackernews", "query": "acme", "interval": "10m"}
            ]
        },
    )

    type: Literal["hackernews"]
    query: str = Field(description="Search query.", examples=["acme"])
    tags: str = Field(
        default="(story,comment)",
        description="Algolia `tags` filter: story, comment, (story,comment), ask_hn, ...",
    )
    base_url: HttpUrl = Field(
        default=HttpUrl("https://hn.algolia.com"), description="HN search API host."
    )
    page_size: int = Field(default=100, ge=1, le=1000, description="Hits per request.")


class XSource(PagedSource):
    """Posts from X (Twitter) API v2 recent search, with a bearer token."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "x-acme",
                    "type": "x",
                    "query": "acme -is:retweet",
                    "bearer_token": "${X_BEARER_TOKEN}",
                }
            ]
        },
    )

    type: Literal["x"]
    query: str = Field(
        description="Search query (X query syntax).", examples=['"acme bank" -is:retweet']
    )
    bearer_token: str = Field(
        description="App bearer token, as ${ENV_VAR}.", examples=["${X_BEARER_TOKEN}"]
    )
    base_url: HttpUrl = Field(default=HttpUrl("https://api.x.com"), description="API host.")
    page_size: int = Field(default=100, ge=10, le=100, description="Posts per request (10-100).")
