"""A local HTTP server serving an RSS feed whose items the test changes between polls."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape


class FeedServer:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.requests = 0
        self.status = 200
        self.delay = 0.0  # seconds to wait before answering (a slow server)
        self.dated = True  # False: items carry no <pubDate>
        self.request_started = threading.Event()
        self.in_flight = 0
        self.most_in_flight = 0  # the most requests served at the same time
        self._count = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with outer._count:
                    outer.requests += 1
                    outer.in_flight += 1
                    outer.most_in_flight = max(outer.most_in_flight, outer.in_flight)
                outer.request_started.set()
                try:
                    time.sleep(outer.delay)
                    body = outer.render().encode()
                    self.send_response(outer.status)
                    self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                finally:
                    with outer._count:
                        outer.in_flight -= 1

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/feed.xml"

    def restart_overlap_count(self) -> None:
        """Count overlapping requests afresh from now (those in flight count as one each)."""
        with self._count:
            self.most_in_flight = self.in_flight

    def add(self, guid: str, title: str, text: str, when: datetime | None = None) -> None:
        self.items.append(
            {"guid": guid, "title": title, "text": text, "when": when or datetime.now(UTC)}
        )

    def render(self) -> str:
        entries = "".join(
            f"<item><guid>{escape(i['guid'])}</guid><title>{escape(i['title'])}</title>"
            f"<link>https://news.example.com/{escape(i['guid'])}</link>"
            f"<description>{escape(i['text'])}</description>"
            + (f"<pubDate>{format_datetime(i['when'])}</pubDate>" if self.dated else "")
            + "</item>"
            for i in self.items
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            "<title>News</title><link>https://news.example.com/</link>"
            f"<description>test feed</description>{entries}</channel></rss>"
        )

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
