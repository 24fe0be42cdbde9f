"""HTTP for every source: timeouts, retries with backoff and jitter, Retry-After, conditional GETs,
and a cap on response size so one enormous payload cannot exhaust memory."""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from warden import __version__
from warden.errors import SourceError

USER_AGENT = f"Warden/{__version__} (+reputation monitoring)"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


def without_query(url: str) -> str:
    """`url` without query string or fragment (where API keys sometimes travel)."""
    return url.split("?", 1)[0].split("#", 1)[0]


@dataclass
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str

    @property
    def where(self) -> str:
        """The URL without its query string, for messages: queries may carry API keys."""
        return without_query(self.url)

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SourceError(f"invalid JSON from {self.where}: {exc}") from None


class HttpStatusError(SourceError):
    """The server answered with an error status that retrying will not fix (401, 403, 404...)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(SourceError):
    """The server asked us to wait longer than a poll may block; `until` is when to try again."""

    def __init__(self, message: str, until: datetime, wait: float | None = None) -> None:
        super().__init__(message)
        self.until = until
        self.wait = wait if wait is not None else max(0.0, until.timestamp() - time.time())


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


_RESET_HEADERS = ("x-rate-limit-reset", "x-ratelimit-reset")


def parse_rate_limit_reset(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds to wait from a rate-limit reset header, for a 429 without Retry-After.

    X sends `x-rate-limit-reset` as epoch seconds, Reddit `x-ratelimit-reset` as seconds to go,
    Mastodon `X-RateLimit-Reset` as an ISO 8601 time.
    """
    current = now if now is not None else time.time()
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in _RESET_HEADERS:
        value = (lowered.get(name) or "").strip()
        if not value:
            continue
        try:
            number = float(value)
        except ValueError:
            try:
                when = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            return max(0.0, when.timestamp() - current)
        return max(0.0, number - current) if number > 1e9 else max(0.0, number)
    return None


class HttpFetcher:
    """A shared httpx client with Warden's retry policy; thread-safe (one client, many polls)."""

    def __init__(
        self,
        *,
        timeout: float = 20.0,
        max_bytes: int = 10 * 1024 * 1024,
        retries: int = 3,
        backoff_base: float = 1.0,
        max_retry_wait: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.max_bytes = max_bytes
        self.retries = retries
        self.backoff_base = backoff_base
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            headers={"User-Agent": USER_AGENT},
            transport=transport,
        )

    def close(self) -> None:
        self._client.close()

    def _backoff(self, attempt: int) -> float:
        base = self.backoff_base * (2**attempt)
        return float(base + random.uniform(0, base))

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        json_body: Any = None,
        form: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        timeout: float | None = None,
    ) -> HttpResponse:
        """Send a request, retrying transient failures; raise SourceError when it cannot succeed."""
        hdrs = dict(headers or {})
        if etag:
            hdrs["If-None-Match"] = etag
        if last_modified:
            hdrs["If-Modified-Since"] = last_modified
        last_error = ""
        for attempt in range(self.retries + 1):
            try:
                response = self._send(method, url, params, hdrs, json_body, form, timeout)
            except httpx.TimeoutException:
                last_error = f"timed out after {timeout or self._client.timeout.read}s"
            except httpx.TransportError as exc:
                last_error = f"cannot connect: {exc}"
            except httpx.RequestError as exc:  # undecodable body, redirect loop
                last_error = f"{type(exc).__name__}: {exc}"
            else:
                if response.status < 400 or response.status == 304:
                    return response
                last_error = f"HTTP {response.status}"
                if response.status not in RETRYABLE_STATUS:
                    detail = response.content[:200].decode("utf-8", "replace").strip()
                    message = f"{without_query(url)}: {last_error}"
                    raise HttpStatusError(
                        message + (f": {detail}" if detail else ""), response.status
                    )
                wait = parse_retry_after(response.headers.get("retry-after"))
                if wait is None and response.status == 429:
                    wait = parse_rate_limit_reset(response.headers)
                if wait is not None and wait > self.max_retry_wait:
                    until = datetime.fromtimestamp(time.time() + wait, UTC)
                    raise RateLimited(
                        f"{without_query(url)}: {last_error}, retry after {wait:.0f}s", until, wait
                    )
                if attempt < self.retries:
                    self._sleep(wait if wait is not None else self._backoff(attempt))
                continue
            if attempt < self.retries:
                self._sleep(self._backoff(attempt))
        raise SourceError(f"{without_query(url)}: {last_error} (after {self.retries + 1} attempts)")

    def get(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", url, **kwargs)

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        headers: dict[str, str],
        json_body: Any,
        form: Mapping[str, str] | None,
        timeout: float | None,
    ) -> HttpResponse:
        extra: dict[str, Any] = {}
        if timeout is not None:
            extra["timeout"] = timeout
        with self._client.stream(
            method, url, params=params, headers=headers, json=json_body, data=form, **extra
        ) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.max_bytes:
                raise SourceError(
                    f"{without_query(url)}: response of {int(declared)} bytes exceeds the "
                    f"{self.max_bytes}-byte limit; skipped"
                )
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise SourceError(
                        f"{without_query(url)}: response exceeds the "
                        f"{self.max_bytes}-byte limit; skipped"
                    )
                chunks.append(chunk)
            return HttpResponse(
                status=response.status_code,
                headers=dict(response.headers),
                content=b"".join(chunks),
                url=str(response.url),
            )
