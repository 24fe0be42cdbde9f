"""The HTTP server the daemon runs in a thread: webhook POSTs and GET /healthz.

Standard library only (ThreadingHTTPServer). A body over the source's `max_body_bytes` is refused
with 413 before it is read, a bad signature or token with 401 (logged as `webhook.rejected`,
nothing stored), malformed JSON with 400.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from warden.clock import Clock
from warden.config import Config
from warden.entities import EntityMatcher
from warden.errors import ConfigError
from warden.log import get_logger
from warden.sources.health import read_health
from warden.sources.settings import SourceSettings, WebhookSource
from warden.store.db import Database
from warden.store.models import Notification
from warden.web.webhook import Answer, WebhookEndpoint

log = get_logger(__name__)

HealthReport = Callable[[], tuple[int, dict[str, Any]]]


class WebServer:
    """Serves webhook endpoints by path and /healthz, on `host:port` (port 0: any free port)."""

    def __init__(
        self,
        host: str,
        port: int,
        endpoints: Mapping[str, WebhookEndpoint],
        health: HealthReport,
        request_timeout: float = 30.0,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.endpoints = dict(endpoints)
        self.health = health
        self.request_timeout = request_timeout
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The bound port (after `start`)."""
        if self._httpd is None:
            return self.requested_port
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Bind and serve in a daemon thread; raises OSError when the port is taken."""
        handler = _handler_class(self)
        self._httpd = ThreadingHTTPServer((self.host, self.requested_port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="warden-web",
            daemon=True,
        )
        self._thread.start()
        log.info("web.listening", url=self.url, webhooks=sorted(self.endpoints))

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        log.info("web.stopped")


def _handler_class(server: WebServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = server.request_timeout
        server_version = "Warden"
        sys_version = ""

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("web.request", line=format % args)

        def _send(self, answer: Answer, close: bool = False) -> None:
            content = json.dumps(answer.body, ensure_ascii=False, default=str).encode("utf-8")
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(content)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        def handle_expect_100(self) -> bool:
            """Refuse an oversized body before the client sends it (curl asks first)."""
            endpoint = server.endpoints.get(urlsplit(self.path).path)
            declared = (self.headers.get("Content-Length") or "").strip()
            if endpoint is not None and declared.isdigit():
                limit = endpoint.settings.max_body_bytes
                if int(declared) > limit:
                    reason = f"body of {declared} bytes over {limit}"
                    self._send(endpoint.reject(413, reason, self.client_address[0]), close=True)
                    return False
            return super().handle_expect_100()

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/healthz":
                status, body = server.health()
                self._send(Answer(status, body))
            elif path in server.endpoints:
                self._send(Answer(405, {"error": "use POST"}))
            else:
                self._send(Answer(404, {"error": "not found"}))

        def do_POST(self) -> None:
            path = urlsplit(self.path).path
            endpoint = server.endpoints.get(path)
            if endpoint is None:
                self._send(Answer(404, {"error": "not found"}), close=True)
                return
            client = self.client_address[0]
            length_header = self.headers.get("Content-Length")
            if length_header is None or not length_header.strip().isdigit():
                self._send(endpoint.reject(411, "Content-Length required", client), close=True)
                return
            length = int(length_header)
            limit = endpoint.settings.max_body_bytes
            if length > limit:
                answer = endpoint.reject(413, f"body of {length} bytes over {limit}", client)
                self._send(answer, close=True)
                return
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                answer = endpoint.receive(headers, body, client)
            except Exception as exc:  # a database hiccup must not kill the server thread
                log.error("webhook.failed", source=endpoint.name, error=str(exc), exc_info=True)
                answer = Answer(503, {"error": "could not store the mentions; retry later"})
            self._send(answer)

        do_HEAD = do_GET

    return Handler


def health_report(db: Database, sources: list[SourceSettings], clock: Clock) -> HealthReport:
    """/healthz: 200 {status: ok|degraded, sources: [...], outbox: {sent: n, dead: n, ...}},
    503 when the database is unreachable."""

    def report() -> tuple[int, dict[str, Any]]:
        try:
            with db.session() as session:
                health = read_health(session, sources, clock.now())
                counted = select(Notification.status, func.count()).group_by(Notification.status)
                outbox = {str(status): int(n) for status, n in session.execute(counted).all()}
        except Exception as exc:
            log.error("web.health_failed", error=str(exc))
            return 503, {"status": "error", "error": "database unreachable", "sources": []}
        failing = any(h.status in ("failing", "backing_off") for h in health)
        return 200, {
            "status": "degraded" if failing else "ok",
            "sources": [h.as_json() for h in health],
            # messages per outbox status: dead and unconfirmed ones need a look
            "outbox": outbox,
        }

    return report


def build_push_server(
    config: Config, db: Database, matcher: EntityMatcher, clock: Clock
) -> WebServer | None:
    """The server for config's enabled webhook sources, not started; None when there are none.

    All webhook sources share one listening address; two different `host`/`port` pairs or two
    sources on one path are a ConfigError.
    """
    hooks = [s for s in config.sources if isinstance(s, WebhookSource) and s.enabled]
    if not hooks:
        return None
    addresses = {(s.host, s.port) for s in hooks}
    if len(addresses) > 1:
        listed = ", ".join(f"{h}:{p}" for h, p in sorted(addresses))
        raise ConfigError(
            [f"sources: webhook sources must share one host and port, found {listed}"]
        )
    endpoints: dict[str, WebhookEndpoint] = {}
    for settings in hooks:
        if settings.route in endpoints:
            raise ConfigError(
                [
                    f"sources: webhooks {endpoints[settings.route].name!r} and {settings.name!r} "
                    f"both use the path {settings.route}"
                ]
            )
        endpoints[settings.route] = WebhookEndpoint(settings, db, matcher, clock)
    host, port = addresses.pop()
    return WebServer(host, port, endpoints, health_report(db, list(config.sources), clock))
