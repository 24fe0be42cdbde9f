"""The HTTP server the daemon always runs in a thread: webhook POSTs, /healthz, /readyz, /metrics.

Any other GET or HEAD goes to the status page, a WSGI application (`app`, see
`warden.web.pages`) run on the same connection by `warden.web.wsgi.serve_wsgi`; without one
it is answered 404.

Standard library only (ThreadingHTTPServer). A body over the source's `max_body_bytes` is refused
with 413 before it is read, a bad signature or token with 401 (logged as `webhook.rejected`,
nothing stored), malformed JSON with 400. At most `MAX_PUSHES_IN_FLIGHT` pushes are stored at
once; more get 503 with `Retry-After` (back-pressure, instead of a growing queue of threads).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import func, select

from warden.clock import Clock
from warden.config import Config
from warden.entities import EntityMatcher
from warden.log import get_logger
from warden.sources.health import read_health, removed_sources
from warden.sources.settings import SourceSettings, WebhookSource
from warden.store.db import Database
from warden.store.models import Notification
from warden.store.outage import DatabaseWatch, is_outage
from warden.web.listener import listener_address
from warden.web.webhook import Answer, WebhookEndpoint
from warden.web.wsgi import serve_wsgi

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from warden.rules.loader import RuleSet

log = get_logger(__name__)

HealthReport = Callable[[], tuple[int, dict[str, Any]]]
Page = Callable[[], tuple[int, str, bytes]]
"""A GET handler: () -> (status, content type, body)."""

MAX_PUSHES_IN_FLIGHT = 16


class WebServer:
    """Serves webhook endpoints by path, /healthz and extra GET `pages` (/readyz, /metrics), on
    `host:port` (port 0: any free port). `endpoints` may be replaced while serving (reload)."""

    def __init__(
        self,
        host: str,
        port: int,
        endpoints: Mapping[str, WebhookEndpoint],
        health: HealthReport,
        request_timeout: float = 30.0,
        pages: Mapping[str, Page] | None = None,
        app: WSGIApplication | None = None,
    ) -> None:
        self.host = host
        self.requested_port = port
        self.endpoints = dict(endpoints)
        self.health = health
        self.pages = dict(pages or {})
        self.app = app
        """The status page: answers GET/HEAD on every other path (None: 404)."""
        self.stopping = threading.Event()
        """Set by `stop`: long responses (the live stream) end when it is."""
        self.request_timeout = request_timeout
        self.pushes = threading.BoundedSemaphore(MAX_PUSHES_IN_FLIGHT)
        self.push_wait = 5.0
        """Seconds a push waits for a free slot before it is answered 503."""
        self.watch: DatabaseWatch | None = None
        """Told of each push stored or failed on the database (the daemon's outage watch)."""
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
        self.stopping.clear()
        self._httpd = ThreadingHTTPServer((self.host, self.requested_port), handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.2},
            name="warden-web",
            daemon=True,
        )
        self._thread.start()
        log.info(
            "web.listening",
            url=self.url,
            webhooks=sorted(self.endpoints),
            pages=["/healthz", *sorted(self.pages)],
            status_page=self.app is not None,
        )

    def stop(self) -> None:
        """Stop serving and release the port (idempotent)."""
        if self._httpd is None:
            return
        self.stopping.set()
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

        def _send(
            self, answer: Answer, close: bool = False, headers: Mapping[str, str] | None = None
        ) -> None:
            content = json.dumps(answer.body, ensure_ascii=False, default=str).encode("utf-8")
            self._send_bytes(
                answer.status, "application/json; charset=utf-8", content, close, headers
            )

        def _send_bytes(
            self,
            status: int,
            content_type: str,
            content: bytes,
            close: bool = False,
            headers: Mapping[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(content)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
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
            elif path in server.pages:
                try:
                    status, content_type, content = server.pages[path]()
                except Exception as exc:  # a failing page must not kill the server thread
                    log.error("web.page_failed", path=path, error=str(exc), exc_info=True)
                    self._send(Answer(500, {"error": f"{type(exc).__name__}: {exc}"}))
                    return
                self._send_bytes(status, content_type, content)
            elif path in server.endpoints:
                self._send(Answer(405, {"error": "use POST"}))
            elif server.app is not None:
                serve_wsgi(self, server.app)
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
            if not server.pushes.acquire(timeout=server.push_wait):
                log.warning("webhook.busy", source=endpoint.name, client=client)
                answer = Answer(503, {"error": "too many pushes in flight; retry later"})
                self._send(answer, headers={"Retry-After": "1"})
                return
            try:
                answer = endpoint.receive(headers, body, client)
                if server.watch is not None and answer.status == 200:
                    server.watch.succeeded()
            except Exception as exc:  # a database hiccup must not kill the server thread
                if server.watch is not None and is_outage(exc):
                    server.watch.failed(exc, f"webhook:{endpoint.name}")
                else:
                    log.error("webhook.failed", source=endpoint.name, error=str(exc), exc_info=True)
                answer = Answer(503, {"error": "could not store the mentions; retry later"})
            finally:
                server.pushes.release()
            self._send(answer, headers={"Retry-After": "5"} if answer.status == 503 else None)

        do_HEAD = do_GET

    return Handler


def health_report(
    db: Database, sources: list[SourceSettings], clock: Clock, brief: bool = False
) -> HealthReport:
    """/healthz: 200 {status: ok|degraded, sources: [...], outbox: {sent: n, dead: n, ...}},
    503 when the database is unreachable. Each source is its full `SourceHealth` (errors,
    times, counts) or, with `brief` (set when `web.auth` guards the status page, since
    /healthz stays open), only `{source, status}`: an error can name a secret feed address."""

    def report() -> tuple[int, dict[str, Any]]:
        try:
            with db.session() as session:
                health = read_health(session, sources, clock.now())
                removed = [r.source for r in removed_sources(session, sources)]
                counted = select(Notification.status, func.count()).group_by(Notification.status)
                outbox = {str(status): int(n) for status, n in session.execute(counted).all()}
        except Exception as exc:
            log.error("web.health_failed", error=str(exc))
            return 503, {"status": "error", "error": "database unreachable", "sources": []}
        failing = any(h.status in ("failing", "backing_off") for h in health)
        return 200, {
            "status": "degraded" if failing else "ok",
            "sources": [
                {"source": h.source, "status": h.status} if brief else h.as_json() for h in health
            ],
            # messages per outbox status: dead and unconfirmed ones need a look
            "outbox": outbox,
            # names the database remembers but the config no longer has (not health problems)
            "removed_sources": removed,
        }

    return report


def webhook_endpoints(
    config: Config, db: Database, matcher: EntityMatcher, clock: Clock
) -> dict[str, WebhookEndpoint]:
    """The endpoints of config's enabled webhook sources by path (load_config has refused two
    sources on one path: see warden.web.listener)."""
    endpoints: dict[str, WebhookEndpoint] = {}
    for settings in config.sources:
        if isinstance(settings, WebhookSource) and settings.enabled:
            endpoints[settings.route] = WebhookEndpoint(settings, db, matcher, clock)
    return endpoints


def listen_address(config: Config) -> tuple[str, int]:
    """Where the HTTP listener binds: `web.host`/`web.port`, or the address webhook sources name
    (load_config has refused disagreeing addresses: see warden.web.listener)."""
    address, _ = listener_address(config.web, "web" in config.model_fields_set, config.sources)
    return address


def build_web_server(
    config: Config,
    db: Database,
    matcher: EntityMatcher,
    clock: Clock,
    pages: Mapping[str, Page] | None = None,
    current: Callable[[], Config] | None = None,
    scorer: Callable[[], Any] | None = None,
    rules: Callable[[], RuleSet | None] | None = None,
) -> WebServer:
    """The daemon's HTTP listener (not started): webhook sources, /healthz, `pages` and, unless
    web.status_page is false, the status page. `current` returns the config in force (after
    reloads), default `config`; `scorer()` the sentiment scorer of look-ups (or None); `rules()`
    the rules in force, whose annotations the alert page shows in the reader's language."""
    host, port = listen_address(config)
    endpoints = webhook_endpoints(config, db, matcher, clock)
    web = WebServer(
        host,
        port,
        endpoints,
        health_report(db, list(config.sources), clock, brief=config.web.auth is not None),
        pages=pages,
    )
    if config.web.status_page:
        from warden.web.pages import create_app

        web.app = create_app(current or (lambda: config), db, clock, web.stopping, scorer, rules)
    return web


def build_push_server(
    config: Config, db: Database, matcher: EntityMatcher, clock: Clock
) -> WebServer | None:
    """The listener for config's enabled webhook sources, not started; None when there are none."""
    if not any(isinstance(s, WebhookSource) and s.enabled for s in config.sources):
        return None
    return build_web_server(config, db, matcher, clock)
