"""HttpFetcher: retries with backoff, Retry-After, conditional requests, size cap, errors."""

from __future__ import annotations

import email.utils
import time

import pytest
from source_servers import FakeServer, Reply, SleepRecorder

from warden.errors import SourceError
from warden.sources.http import (
    HttpFetcher,
    RateLimited,
    parse_rate_limit_reset,
    parse_retry_after,
)


def ok(server: FakeServer, body: bytes = b"{}") -> None:
    server.route("GET", "/", lambda r: Reply(200, body))


def test_transient_errors_are_retried_with_growing_jittered_backoff(
    server: FakeServer, sleeps: SleepRecorder
) -> None:
    ok(server)
    fetcher = HttpFetcher(retries=3, backoff_base=0.5, sleep=sleeps)
    server.fail(500, times=2)
    server.fail(502)
    assert fetcher.get(f"{server.url}/x").status == 200
    assert len(server.requests) == 4
    for attempt, wait in enumerate(sleeps.waits):
        base = 0.5 * 2**attempt
        assert base <= wait <= 2 * base
    fetcher.close()


def test_gives_up_after_the_last_retry(server: FakeServer, fetcher: HttpFetcher) -> None:
    server.fail(503, times=5)
    with pytest.raises(SourceError, match="HTTP 503 \\(after 3 attempts\\)"):
        fetcher.get(f"{server.url}/x")


def test_client_errors_are_not_retried(server: FakeServer, fetcher: HttpFetcher) -> None:
    server.fail(404, b'{"error": "no such hashtag"}')
    with pytest.raises(SourceError, match=r"HTTP 404: .*no such hashtag"):
        fetcher.get(f"{server.url}/x")
    assert len(server.requests) == 1


def test_retry_after_seconds_and_http_date(
    server: FakeServer, fetcher: HttpFetcher, sleeps: SleepRecorder
) -> None:
    ok(server)
    server.fail(429, headers={"Retry-After": "7"})
    soon = email.utils.formatdate(time.time() + 30, usegmt=True)
    server.fail(503, headers={"Retry-After": soon})
    assert fetcher.get(f"{server.url}/x").status == 200
    assert sleeps.waits[0] == 7.0 and 27 <= sleeps.waits[1] <= 31
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_a_long_retry_after_is_not_slept_but_raised(
    server: FakeServer, fetcher: HttpFetcher, sleeps: SleepRecorder
) -> None:
    server.fail(429, headers={"Retry-After": "900"})
    with pytest.raises(RateLimited) as caught:
        fetcher.get(f"{server.url}/x")
    assert caught.value.wait == 900 and sleeps.waits == []


def test_conditional_headers_are_sent(server: FakeServer, fetcher: HttpFetcher) -> None:
    server.route("GET", "/", lambda r: Reply(304))
    response = fetcher.get(
        f"{server.url}/feed", etag='"abc"', last_modified="Wed, 25 Nov 2026 10:00:00 GMT"
    )
    assert response.not_modified
    assert server.requests[0].headers["if-none-match"] == '"abc"'
    assert server.requests[0].headers["if-modified-since"] == "Wed, 25 Nov 2026 10:00:00 GMT"


def test_size_cap_declared_and_streamed(server: FakeServer) -> None:
    fetcher = HttpFetcher(max_bytes=1000, retries=0, sleep=lambda s: None)
    server.fail(200, b"x" * 5000)
    with pytest.raises(SourceError, match="5000 bytes exceeds the 1000-byte limit"):
        fetcher.get(f"{server.url}/big")
    chunk = b"y" * 600
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(3)) + b"0\r\n\r\n"
    server.fail(200, chunked, {"Transfer-Encoding": "chunked"})
    with pytest.raises(SourceError, match="exceeds the 1000-byte limit"):
        fetcher.get(f"{server.url}/big")
    fetcher.close()


def test_unreachable_and_truncated(server: FakeServer, fetcher: HttpFetcher) -> None:
    with pytest.raises(SourceError, match="cannot connect"):
        fetcher.get("http://127.0.0.1:9/nothing-listens-here")
    server.fail(200, b'{"items": [1, 2')
    with pytest.raises(SourceError, match="invalid JSON"):
        fetcher.get(f"{server.url}/x").json()


def test_rate_limit_reset_headers_when_there_is_no_retry_after(
    server: FakeServer, fetcher: HttpFetcher, sleeps: SleepRecorder
) -> None:
    ok(server)
    server.fail(429, headers={"x-rate-limit-reset": str(int(time.time()) + 20)})  # X
    server.fail(429, headers={"x-ratelimit-reset": "3"})  # Reddit
    assert fetcher.get(f"{server.url}/x").status == 200
    assert 18 <= sleeps.waits[0] <= 21 and sleeps.waits[1] == 3.0
    mastodon = {"X-RateLimit-Reset": "2026-11-26T12:05:00.000Z"}
    assert parse_rate_limit_reset(mastodon, now=1795694400.0) == 300.0
    assert parse_rate_limit_reset({}) is None


def test_error_messages_never_show_the_query_string(
    server: FakeServer, fetcher: HttpFetcher
) -> None:
    server.fail(403, b"denied")
    with pytest.raises(SourceError) as denied:
        fetcher.get(f"{server.url}/api?api_key=s3cret")
    server.fail(200, b"{not json")
    with pytest.raises(SourceError) as garbled:
        fetcher.get(f"{server.url}/api", params={"api_key": "s3cret"}).json()
    assert "s3cret" not in str(denied.value) + str(garbled.value)
    assert f"{server.url}/api" in str(denied.value)


def test_a_body_that_does_not_decode_is_a_source_error(
    server: FakeServer, fetcher: HttpFetcher
) -> None:
    server.fail(200, b"not gzip at all", {"Content-Encoding": "gzip"}, times=3)
    with pytest.raises(SourceError, match="DecodingError"):
        fetcher.get(f"{server.url}/x")
