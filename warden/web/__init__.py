"""Warden's HTTP side: webhook receiver for push sources, /healthz, /readyz, /metrics and the
status page (`warden.web.pages`).

`WebServer` and `build_push_server` are loaded on first use, so that `warden.config` can import
`warden.web.settings` without importing the server (which imports the config).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warden.web.server import WebServer, build_push_server

__all__ = ["WebServer", "build_push_server"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from warden.web import server

        return getattr(server, name)
    raise AttributeError(name)
