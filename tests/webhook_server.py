"""A real HTTP server on 127.0.0.1 standing in for webhooks (Slack, an SMS gateway, ...).

It records every request it answers; `delay` makes it answer late, `status` makes it refuse.
Each request keeps when it arrived (`at`), and `answered` when each answer went out (both
`time.monotonic()`), so a test can tell from the server's side what reached it before what.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = 0.0  # time.monotonic() when the request was read

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class WebhookServer:
    def __init__(
        self, delay: float = 0.0, status: int = 200, port: int = 0, reply: bytes = b"{}"
    ) -> None:
        self.delay = delay
        self.reply = reply
        self.status = status
        self.received: list[Received] = []
        self.arrived = 0  # requests read, answered or not
        self.answered: list[float] = []  # time.monotonic() of each answer sent
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with server._lock:
                    server.arrived += 1
                    server.received.append(
                        Received(
                            self.path,
                            {k.lower(): v for k, v in self.headers.items()},
                            body,
                            time.monotonic(),
                        )
                    )
                if server.delay:
                    time.sleep(server.delay)
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(server.reply)))
                self.end_headers()
                self.wfile.write(server.reply)
                self.wfile.flush()
                with server._lock:
                    server.answered.append(time.monotonic())

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def json_url(self, path: str = "/hook", **params: str) -> str:
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return f"json://127.0.0.1:{self.port}{path}" + (f"?{query}" if query else "")

    def slack_url(self) -> str:
        """A json:// URL posting Slack's webhook payload shape: {"text": ...}."""
        return (
            f"json://127.0.0.1:{self.port}/services/T000/B000/XXXX"
            "?:message=text&:title=&:version=&:type=&:attachments="
        )

    def wait_for(self, count: int = 1, timeout: float = 20.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(
            f"expected {count} request(s) within {timeout}s, got {len(self.received)}"
        )
