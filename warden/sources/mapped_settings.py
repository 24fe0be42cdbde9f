"""Config of the sources whose items are mapped by the operator: any JSON HTTP API, a JSON
Lines file, and the push webhook (field mapping, pagination, authentication)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

from warden.sources.settings_base import SourceBase
from warden.yamlfile import PathError


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
    time_format: Literal["auto", "iso", "epoch", "epoch_ms", "month_first"] = Field(
        default="auto",
        description="How `published_at` is written; auto recognises all (iso: a written date), "
        "reading a date in numbers day first (04/05/2026 is 4 May); month_first is auto with "
        "such dates month first, US style (04/05/2026 is 5 April).",
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
            raise PathError(("type",), "cursor pagination needs `cursor_path`")
        return self


class HttpJsonSource(SourceBase):
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


class JsonlSource(SourceBase):
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


class WebhookSource(SourceBase):
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
