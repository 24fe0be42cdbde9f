"""Typed config of each source `type:`; config.yaml's `sources:` list is validated against these."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from warden.durations import Duration


class _SourceBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Unique name of this source, used in logs, alerts and the `source` label.",
    )
    interval: Duration = Field(
        default=timedelta(minutes=5), description="How often to poll, like 30s, 5m, 1h."
    )
    enabled: bool = Field(default=True, description="Set to false to keep the entry but not poll.")
    timeout: Duration = Field(
        default=timedelta(seconds=20), description="Per-request timeout (connect and read)."
    )


class RssSource(_SourceBase):
    """An RSS 0.9x/1.0/2.0 or Atom feed (Google Alerts, news sites, blogs)."""

    type: Literal["rss"]
    url: HttpUrl = Field(description="Feed URL.")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra HTTP headers (values may use ${ENV_VAR})."
    )


class DemoSource(_SourceBase):
    """Replays a scripted crisis from a JSONL file, in real time or faster; for demos and tests."""

    type: Literal["demo"]
    scenario: Path | None = Field(
        default=None,
        description="JSONL scenario to replay; the bundled 'Banque Exemple' crisis when omitted.",
    )
    speed: float = Field(
        default=1.0, gt=0, description="Replay speed: 60 turns one scenario minute into a second."
    )
    loop: bool = Field(default=False, description="Start the scenario again once it has ended.")


SourceSettings = Annotated[RssSource | DemoSource, Field(discriminator="type")]
"""One entry of `sources:`; the `type` key picks the platform."""
