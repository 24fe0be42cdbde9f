"""Warden's HTTP side: the webhook receiver for push sources and the /healthz endpoint."""

from warden.web.server import WebServer, build_push_server

__all__ = ["WebServer", "build_push_server"]
