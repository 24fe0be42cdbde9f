"""Where the one HTTP listener binds and which webhook path goes to which source, checked at
config load (so `warden check` refuses what `warden run` would).

There is one listener: `web.host`/`web.port`, or the address webhook sources name. Webhook
sources that name an address must agree with each other and with an explicit `web:` section,
and no two enabled webhook sources may share a URL path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warden.sources.mapped_settings import WebhookSource
from warden.web.settings import WebSettings
from warden.yamlfile import Loc

Problem = tuple[Loc, str]
"""(key path in config.yaml, message)."""


def _hooks(sources: Sequence[Any]) -> list[tuple[int, WebhookSource]]:
    return [(i, s) for i, s in enumerate(sources) if isinstance(s, WebhookSource) and s.enabled]


def _named_key(source: WebhookSource) -> str:
    return "port" if "port" in source.model_fields_set else "host"


def listener_address(
    web: WebSettings, web_given: bool, sources: Sequence[Any]
) -> tuple[tuple[str, int], Problem | None]:
    """The (host, port) the listener binds, and the first disagreement found (or None).

    `web_given`: whether config.yaml has a `web:` section. A problem is located at the
    webhook source's `port` (or `host`) key."""
    named = [(i, s) for i, s in _hooks(sources) if {"host", "port"} & s.model_fields_set]
    address = (web.host, web.port)
    if not named:
        return address, None
    first_i, first = named[0]
    hook = (first.host, first.port)
    for i, other in named[1:]:
        if (other.host, other.port) != hook:
            return address, (
                ("sources", i, _named_key(other)),
                f"webhook sources must share one host and port: {first.name!r} listens on "
                f"{hook[0]}:{hook[1]}, {other.name!r} on {other.host}:{other.port}",
            )
    if web_given and hook != address:
        return address, (
            ("sources", first_i, _named_key(first)),
            f"webhook source {first.name!r} listens on {hook[0]}:{hook[1]} but web: says "
            f"{address[0]}:{address[1]}; there is one listener: drop host/port from the "
            "webhook sources (web: applies) or make them equal",
        )
    return hook, None


def route_clash(sources: Sequence[Any]) -> Problem | None:
    """Two enabled webhook sources on one URL path, located at the second one's `path` (or
    `name`, when the path is the default /hooks/<name>); None when every path is distinct."""
    seen: dict[str, WebhookSource] = {}
    for i, source in _hooks(sources):
        earlier = seen.get(source.route)
        if earlier is not None:
            key = "path" if source.path else "name"
            return (
                ("sources", i, key),
                f"webhooks {earlier.name!r} and {source.name!r} both use the path "
                f"{source.route}; give one of them another `path:`",
            )
        seen[source.route] = source
    return None
