"""From config.yaml's `sources:` entries to the platform adapters that poll them.

Push sources (`webhook`) are not polled: `is_polled` tells them apart, and
`warden.web.build_push_server` serves them. `build_source` still returns an adapter for them,
whose poll does nothing, so a caller that polls every source does no harm.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warden.sources.base import Source
from warden.sources.bluesky import BlueskySearch
from warden.sources.demo import DemoReplay
from warden.sources.hackernews import HackerNewsSearch
from warden.sources.http_json import HttpJsonApi
from warden.sources.jsonl import JsonlTail
from warden.sources.mastodon import MastodonSearch
from warden.sources.reddit import RedditSearch
from warden.sources.rss import RssFeed
from warden.sources.settings import PUSH_TYPES, SourceSettings
from warden.sources.webhook import WebhookInbox
from warden.sources.x import XRecentSearch

_ADAPTERS: dict[str, Callable[[Any], Source]] = {
    "rss": RssFeed,
    "demo": DemoReplay,
    "mastodon": MastodonSearch,
    "reddit": RedditSearch,
    "bluesky": BlueskySearch,
    "hackernews": HackerNewsSearch,
    "x": XRecentSearch,
    "http_json": HttpJsonApi,
    "jsonl": JsonlTail,
    "webhook": WebhookInbox,
}
"""The adapter class of each `type:`; each takes its own settings class."""


def build_source(settings: SourceSettings) -> Source:
    """The adapter for one configured source (its `type` picks the platform)."""
    return _ADAPTERS[settings.type](settings)


def is_polled(settings: SourceSettings) -> bool:
    """True for sources the scheduler polls; False for push sources such as `webhook`."""
    return settings.type not in PUSH_TYPES
