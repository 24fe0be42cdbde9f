"""Typed config of each source `type:`; config.yaml's `sources:` list is validated against these.

`examples/sources.yaml` shows every type with every option. Secrets (tokens, HMAC secrets, client
credentials) are written as `${ENV_VAR}` references, expanded when config.yaml is loaded.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints, model_validator

from warden.durations import PositiveDuration


class _SourceBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Unique name of this source, used in logs, alerts and the `source` label.",
        examples=["google-alerts-acme", "mastodon-acme"],
    )
    interval: PositiveDuration = Field(
        default=timedelta(minutes=5), description="How often to poll, like 30s, 5m, 1h."
    )
    enabled: bool = Field(default=True, description="Set to false to keep the entry but not poll.")
    timeout: PositiveDuration = Field(
        default=timedelta(seconds=20), description="Per-request timeout (connect and read)."
    )
    entities: list[str] = Field(
        default_factory=list,
        description="Entities every mention of this source is tagged with even when it does not "
        "name them (a feed or search dedicated to one brand). Names from `entities:`.",
        examples=[["Acme"]],
    )


class _PagedSource(_SourceBase):
    max_pages: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Most pages fetched per poll. A longer backlog is resumed at the next poll, "
        "so nothing is skipped; the very first poll of a new source takes one page only.",
    )


class RssSource(_SourceBase):
    """An RSS 0.9x/1.0/2.0 or Atom feed (Google Alerts, news sites, blogs)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "google-alerts-acme",
                    "type": "rss",
                    "url": "https://www.google.com/alerts/feeds/0123/4567",
                    "interval": "10m",
                    "entities": ["Acme"],
                }
            ]
        },
    )

    type: Literal["rss"]
    url: HttpUrl = Field(
        description="Feed URL.", examples=["https://www.google.com/alerts/feeds/0123/4567"]
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra HTTP headers (values may use ${ENV_VAR})."
    )


class DemoSource(_SourceBase):
    """Replays a scripted crisis from a JSONL file, in real time or faster; for demos and tests."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"name": "demo", "type": "demo", "speed": 20}]},
    )

    type: Literal["demo"]
    scenario: Path | None = Field(
        default=None,
        description="JSONL scenario to replay; the bundled 'Banque Exemple' crisis when omitted.",
    )
    speed: float = Field(
        default=1.0, gt=0, description="Replay speed: 60 turns one scenario minute into a second."
    )
    loop: bool = Field(default=False, description="Start the scenario again once it has ended.")


Hashtag = Annotated[str, StringConstraints(pattern=r"^#?[^\s#/]+$")]
"""A hashtag, with or without its '#'."""


class MastodonSource(_PagedSource):
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
        if (self.hashtag is None) == (self.query is None):
            raise ValueError("give exactly one of `hashtag` or `query`")
        if isinstance(self.hashtag, list) and not self.hashtag:
            raise ValueError("`hashtag` lists at least one hashtag")
        return self

    @property
    def hashtags(self) -> list[str]:
        """The hashtags followed, without '#' (none for a search)."""
        if self.hashtag is None:
            return []
        tags = [self.hashtag] if isinstance(self.hashtag, str) else self.hashtag
        return list(dict.fromkeys(t.lstrip("#") for t in tags))


class RedditSource(_PagedSource):
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
            raise ValueError("give both `client_id` and `client_secret`, or neither")
        return self


class BlueskySource(_PagedSource):
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
            raise ValueError("give both `identifier` and `app_password`, or neither")
        return self


class HackerNewsSource(_PagedSource):
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


class XSource(_PagedSource):
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


class FieldMapping(BaseModel):
    """Where each mention field is in a JSON item: dotted paths, list indices as numbers
    (`user.handle`, `media.0.url`). A field mapped to null is not read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(default="id", description="Unique id of the item within the source.")
    text: str = Field(
        default="text", description="Body text, written as `text_format` says (HTML by default)."
    )
    title: str | None = Field(default="title", description="Title, when items have one.")
    url: str | None = Field(
        default="url",
        description="Link to the item; a relative link is resolved against `url_base`.",
    )
    author_handle: str | None = Field(default="author.handle", description="Author's handle.")
    author_name: str | None = Field(default="author.name", description="Author's display name.")
    author_followers: str | None = Field(
        default="author.followers", description="Author's follower count."
    )
    published_at: str | None = Field(
        default="published_at",
        description=(
            "Publication time (ISO 8601, RFC 2822 with zone names such as CEST, French day and "
            "month names, or epoch); the fetch time when missing or unreadable (logged once)."
        ),
    )
    lang: str | None = Field(default="lang", description="Language code; detected when missing.")
    likes: str | None = Field(default="likes", description="Like / favourite count.")
    reposts: str | None = Field(default="reposts", description="Repost / share count.")
    replies: str | None = Field(default="replies", description="Reply / comment count.")
    reply_to: str | None = Field(
        default="reply_to",
        description="Id of the item this one answers (the other item's `id`): what response "
        "times in reports are measured from.",
    )
    time_format: Literal["auto", "iso", "epoch", "epoch_ms"] = Field(
        default="auto",
        description="How `published_at` is written; auto recognises all (iso: a written date).",
    )
    text_format: Literal["html", "plain", "escaped"] = Field(
        default="html",
        description=(
            "How `text` and `title` are written. html: markup is stripped and entities decoded "
            "(`a &lt; b` is shown `a < b`); plain: kept as written, `<` and `&amp;` included; "
            "escaped: plain text with HTML entities escaped (decoded, no markup stripped)."
        ),
    )
    url_base: HttpUrl | None = Field(
        default=None,
        description=(
            "What a relative `url` (`/posts/42`) is relative to. http_json: the API's `url` "
            "when unset. A relative link with no base is not stored (logged once)."
        ),
    )


class Pagination(BaseModel):
    """How an `http_json` API is paged."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    type: Literal["none", "cursor", "page"] = Field(
        default="none",
        description="cursor: the response names the next page; page: numbered pages.",
    )
    cursor_path: str | None = Field(
        default=None,
        description="cursor: path of the next-page cursor in the response (e.g. meta.next).",
    )
    cursor_param: str = Field(
        default="cursor", description="cursor: query parameter that carries it."
    )
    page_param: str = Field(default="page", description="page: query parameter of the number.")
    first_page: int = Field(default=1, ge=0, description="page: number of the first page.")
    max_pages: int = Field(default=5, ge=1, le=100, description="Most pages fetched per poll.")

    @model_validator(mode="after")
    def _cursor_needs_path(self) -> Pagination:
        if self.type == "cursor" and not self.cursor_path:
            raise ValueError("cursor pagination needs `cursor_path`")
        return self


class HttpJsonSource(_SourceBase):
    """Any JSON HTTP API, mapped declaratively onto mention fields."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "reviews",
                    "type": "http_json",
                    "url": "https://api.reviews.example/v2/search",
                    "params": {"q": "acme"},
                    "items": "data.results",
                    "fields": {"id": "id", "text": "content.body"},
                    "pagination": {"type": "cursor", "cursor_path": "meta.next_cursor"},
                }
            ]
        },
    )

    type: Literal["http_json"]
    url: HttpUrl = Field(description="Endpoint to request.")
    method: Literal["GET", "POST"] = Field(default="GET", description="HTTP method.")
    params: dict[str, str] = Field(default_factory=dict, description="Query parameters.")
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Extra headers, e.g. Authorization: Bearer ${API_TOKEN}.",
    )
    body: dict[str, Any] | None = Field(default=None, description="JSON body of a POST.")
    items: str = Field(
        default="",
        description="Path of the list of items in the response ('' when it is the list).",
        examples=["data.results"],
    )
    fields: FieldMapping = Field(default_factory=FieldMapping, description="Item → mention.")
    pagination: Pagination = Field(default_factory=Pagination, description="Paging, if any.")


class JsonlSource(_SourceBase):
    """A JSON Lines file tailed line by line (exports, other tools' output, tests)."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {"name": "export", "type": "jsonl", "path": "/var/lib/warden/import/mentions.jsonl"}
            ]
        },
    )

    type: Literal["jsonl"]
    path: Path = Field(
        description="File to tail (a relative path is relative to config.yaml's folder)."
    )
    fields: FieldMapping = Field(default_factory=FieldMapping, description="Line → mention.")
    start_at: Literal["beginning", "end"] = Field(
        default="beginning",
        description="Where a new source starts reading: the whole file, or only new lines.",
    )
    max_lines: int = Field(default=10000, ge=1, description="Most lines read per poll.")


class WebhookSource(_SourceBase):
    """Mentions pushed to Warden over HTTP: a JSON object, a list, or {"mentions": [...]}."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={
            "examples": [
                {
                    "name": "crm-push",
                    "type": "webhook",
                    "secret": "${WARDEN_WEBHOOK_SECRET}",
                    "port": 8787,
                }
            ]
        },
    )

    type: Literal["webhook"]
    path: str | None = Field(
        default=None,
        pattern=r"^/[A-Za-z0-9_./-]*$",
        description="URL path that receives the POSTs; /hooks/<name> when omitted.",
    )
    secret: str | None = Field(
        default=None,
        description="HMAC-SHA256 secret: senders sign the raw body and send "
        "`<signature_header>: sha256=<hex>`. As ${ENV_VAR}.",
    )
    token: str | None = Field(
        default=None, description="Bearer token senders put in `Authorization: Bearer <token>`."
    )
    signature_header: str = Field(
        default="X-Warden-Signature", description="Header carrying the HMAC signature."
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Bigger bodies are refused with 413."
    )
    host: str = Field(
        default="127.0.0.1",
        description="Address the receiver listens on (shared by all webhook sources).",
    )
    port: int = Field(default=8787, ge=0, le=65535, description="Port the receiver listens on.")
    fields: FieldMapping = Field(default_factory=FieldMapping, description="Item → mention.")

    @model_validator(mode="after")
    def _authenticated(self) -> WebhookSource:
        if not self.secret and not self.token:
            raise ValueError("a webhook needs a `secret` (HMAC signature) or a `token` (bearer)")
        return self

    @property
    def route(self) -> str:
        return self.path or f"/hooks/{self.name}"


SourceSettings = Annotated[
    RssSource
    | DemoSource
    | MastodonSource
    | RedditSource
    | BlueskySource
    | HackerNewsSource
    | XSource
    | HttpJsonSource
    | JsonlSource
    | WebhookSource,
    Field(discriminator="type"),
]
"""One entry of `sources:`; the `type` key picks the platform."""

PUSH_TYPES = frozenset({"webhook"})
"""Source types that are pushed to Warden (served by warden.web) instead of polled."""
