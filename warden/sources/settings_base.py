"""What every source `type:` shares in config.yaml: name, interval, timeout, tagged entities,
and the page limit of the paged platforms."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from warden.durations import PositiveDuration


class SourceBase(BaseModel):
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


class PagedSource(SourceBase):
    max_pages: int = Field(
        default=5,
        ge=1,
        le=100,
        description="Most pages fetched per poll. A longer backlog is resumed at the next poll, "
        "so nothing is skipped; the very first poll of a new source takes one page only.",
    )
