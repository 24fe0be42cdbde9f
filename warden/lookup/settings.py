"""Typed `lookup:` section of config.yaml: Google News search and the limits of one look-up."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from warden.durations import PositiveDuration


class GoogleNewsSettings(BaseModel):
    """Google News RSS search (news.google.com/rss/search), which needs no account."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(
        default=True, description="Search Google News too (set to false on an offline host)."
    )
    base_url: HttpUrl = Field(
        default=HttpUrl("https://news.google.com"),
        description="Host serving /rss/search (change only for tests or a proxy).",
    )
    language: str = Field(
        default="fr",
        pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$",
        description="Language of the results (`hl`), e.g. fr, en, en-GB.",
    )
    country: str = Field(
        default="FR",
        pattern=r"^[A-Z]{2}$",
        description="Edition (`gl`), an ISO 3166 country code: FR, BE, CA, US...",
    )


class LookupSettings(BaseModel):
    """How `warden lookup` (and the page's search box) asks the sources about a name."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timeout: PositiveDuration = Field(
        default=timedelta(seconds=15),
        description="How long one source may take to answer a look-up; a slower one is shown "
        "as an error and the others are still shown.",
    )
    max_items: int = Field(
        default=25, ge=1, le=100, description="Most results kept per source (default limit)."
    )
    google_news: GoogleNewsSettings = Field(
        default_factory=GoogleNewsSettings, description="Google News RSS search."
    )
