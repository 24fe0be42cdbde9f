"""Typed config of each source `type:`; config.yaml's `sources:` list is validated against these.

`examples/sources.yaml` shows every type with every option. Secrets (tokens, HMAC secrets, client
credentials) are written as `${ENV_VAR}` references, expanded when config.yaml is loaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, HttpUrl

from warden.sources.mapped_settings import (
    FieldMapping,
    HttpJsonSource,
    JsonlSource,
    Pagination,
    WebhookSource,
)
from warden.sources.platform_settings import (
    BlueskySource,
    HackerNewsSource,
    MastodonSource,
    RedditSource,
    XSource,
)
from warden.sources.settings_base import PagedSource, SourceBase

__all__ = [
    "PUSH_TYPES",
    "BlueskySource",
    "DemoSource",
    "FieldMapping",
    "HackerNewsSource",
    "HttpJsonSource",
    "JsonlSource",
    "MastodonSource",
    "PagedSource",
    "Pagination",
    "RedditSource",
    "RssSource",
    "SourceBase",
    "SourceSettings",
    "WebhookSource",
    "XSource",
]


class RssSource(SourceBase):
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


class DemoSource(SourceBase):
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
