"""Running a WSGI application (the status page) on one request of the standard-library listener.

`serve_wsgi` builds the WSGI environ from a `BaseHTTPRequestHandler`'s request line and headers
and runs the application with `wsgiref`'s `SimpleHandler` on the handler's own streams. Each
chunk the application yields is written and flushed at once, so a server-sent event stream
reaches the browser as it is produced. The connection is closed after every such response
(`Connection: close`): a streamed body has no length and ends when the connection does.
"""

from __future__ import annotations

import select
import socket
import sys
from collections.abc import Callable, MutableMapping
from http.server import BaseHTTPRequestHandler
from types import MappingProxyType
from typing import IO, TYPE_CHECKING, Any, cast
from urllib.parse import unquote, urlsplit
from wsgiref.handlers import SimpleHandler

from warden.log import get_logger

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

log = get_logger(__name__)


class _Handler(SimpleHandler):
    """SimpleHandler that speaks HTTP/1.1 as an origin server, without the process environ."""

    os_environ: MutableMapping[str, str] = MappingProxyType({})  # type: ignore[assignment]
    """Empty: the daemon's environment (secrets) is never copied into a request."""
    http_version = "1.1"
    server_software = "Warden"

    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        headers = getattr(self, "headers", None)  # set by start_response
        if headers is not None:
            headers["Connection"] = "close"

    answered = ""
    """The status line's code once the response is done (wsgiref clears `status`)."""

    def close(self) -> None:
        self.answered = str(getattr(self, "status", "") or "").split(" ")[0]
        super().close()

    def log_exception(self, exc_info: Any) -> None:
        pass  # the application logs its own failures (web.page_failed)


CLIENT_GONE = "warden.client_gone"
"""Environ key of a `() -> bool` telling whether the client has closed the connection."""


def client_gone(connection: socket.socket) -> Callable[[], bool]:
    """A check that `connection` was closed by the client (end of file waiting to be read),
    without reading anything: lets a long response end without waiting for a failed write."""

    def gone() -> bool:
        try:
            poller = select.poll()
            poller.register(connection, select.POLLIN)
            if not poller.poll(0):
                return False  # nothing to read: still connected
            # Readable: end of file (closed), or bytes the client sent; peeking does not wait.
            return connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    return gone


def wsgi_environ(request: BaseHTTPRequestHandler) -> dict[str, Any]:
    """The CGI part of a WSGI environ for `request` (PEP 3333), and `CLIENT_GONE`; wsgi.*
    keys are added later."""
    parts = urlsplit(request.path)
    address = cast(tuple[Any, ...], request.server.server_address)
    host, port = address[0], address[1]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.command,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(parts.path, "iso-8859-1"),
        "QUERY_STRING": parts.query,
        "SERVER_NAME": str(host),
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": request.request_version,
        "REMOTE_ADDR": request.client_address[0],
        "CONTENT_TYPE": request.headers.get("Content-Type", ""),
        "CONTENT_LENGTH": request.headers.get("Content-Length", ""),
        CLIENT_GONE: client_gone(request.connection),
    }
    for name, value in request.headers.items():
        key = "HTTP_" + name.upper().replace("-", "_")
        if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            continue
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


def serve_wsgi(request: BaseHTTPRequestHandler, app: WSGIApplication) -> None:
    """Answer `request` with `app`, then close the connection."""
    handler = _Handler(
        cast(IO[bytes], request.rfile),
        cast(IO[bytes], request.wfile),
        sys.stderr,
        wsgi_environ(request),
        multithread=True,
        multiprocess=False,
    )
    try:
        handler.run(app)
    finally:
        request.close_connection = True
    # The path only: a query may carry the page's token (?token=), which is never logged.
    log.debug("web.request", method=request.command, path=urlsplit(request.path).path,
              status=handler.answered)  # fmt: skip
