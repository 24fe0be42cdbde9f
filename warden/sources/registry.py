"""From config.yaml's `sources:` entries to the platform adapters that poll them."""

from __future__ import annotations

from collections.abc import Callable

from warden.sources.base import Source
from warden.sources.demo import DemoReplay
from warden.sources.rss import RssFeed
from warden.sources.settings import SourceSettings

_FACTORIES: dict[str, Callable[[SourceSettings], Source]] = {
    "rss": lambda s: RssFeed(s),  # type: ignore[arg-type]
    "demo": lambda s: DemoReplay(s),  # type: ignore[arg-type]
}


def build_source(settings: SourceSettings) -> Source:
    """The adapter for one configured source (its `type` picks the platform)."""
    return _FACTORIES[settings.type](settings)
