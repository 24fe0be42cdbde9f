"""Local fake platforms for the source tests: a real HTTP server on 127.0.0.1 (port 0) whose
routes answer like the platforms' documented APIs, from posts the test adds between polls.

Payload shapes follow the platforms' API references; one documented example of each is kept in
tests/payloads/ and every fake post is a copy of it with its own id, text, time and counts.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest

from warden.clock import SimulatedClock
from warden.sources.http import HttpFetcher
from warden.store.db import Database

PAYLOADS = Path(__file__).parent / "payloads"
EPOCH = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
"""Fake posts are stamped from here on, one minute apart; test clocks run a week later."""


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text("utf-8"))


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    repeated: dict[str, list[str]] = field(default_factory=dict)
    """Every value of each query parameter (``any[]=a&any[]=b``)."""


@dataclass
class Reply:
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


Handler = Callable[[Request], Reply]


class FakeServer:
    """An HTTP server in a thread: routes by method and path prefix, records every request,
    and can be told to misbehave for the next requests (`fail`)."""

    def __init__(self) -> None:
        self.routes: list[tuple[str, str, Handler]] = []
        self.requests: list[Request] = []
        self.faults: deque[Reply] = deque()
        self._lock = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                    repeated=parse_qs(parts.query, keep_blank_values=True),
                )
                reply = server.dispatch(request)
                if reply.delay:
                    time.sleep(reply.delay)
                content = reply.encoded()
                try:
                    self.send_response(reply.status)
                    headers = {"content-type": "application/json", **reply.headers}
                    for key, value in headers.items():
                        self.send_header(key, value)
                    given = {k.lower() for k in headers}
                    if "content-length" not in given and "transfer-encoding" not in given:
                        self.send_header("Content-Length", str(len(content)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(content)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = _serve
            do_POST = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Serve `handler` for requests whose path starts with `path` (longest match wins)."""
        self.routes.append((method, path, handler))
        self.routes.sort(key=lambda r: -len(r[1]))

    def fail(
        self,
        status: int,
        body: Any = b"",
        headers: dict[str, str] | None = None,
        times: int = 1,
        delay: float = 0.0,
    ) -> None:
        """Answer the next `times` requests with this instead of the route."""
        for _ in range(times):
            self.faults.append(Reply(status, body, dict(headers or {}), delay))

    def dispatch(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.faults:
                return self.faults.popleft()
        for method, path, handler in self.routes:
            if request.method == method and request.path.startswith(path):
                return handler(request)
        return Reply(404, {"error": "Not found"})

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


@pytest.fixture
def server() -> Iterator[FakeServer]:
    fake = FakeServer().start()
    yield fake
    fake.stop()


@dataclass
class SleepRecorder:
    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def fetcher(sleeps: SleepRecorder) -> Iterator[HttpFetcher]:
    fetcher = HttpFetcher(timeout=2.0, retries=2, backoff_base=0.01, sleep=sleeps)
    yield fetcher
    fetcher.close()


@pytest.fixture
def sim_clock() -> SimulatedClock:
    return SimulatedClock(EPOCH + timedelta(days=7))


@pytest.fixture
def source_db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'warden.db'}")
    database.upgrade()
    yield database
    database.dispose()


def bearer(request: Request) -> str | None:
    value = request.headers.get("authorization", "")
    return value[7:] if value.lower().startswith("bearer ") else None


class _Timeline:
    """Posts of a fake platform, with ids and times that grow with each one added."""

    def __init__(self) -> None:
        self.count = 0

    def next_slot(self, at: datetime | None) -> tuple[int, datetime]:
        self.count += 1
        return self.count, at or (EPOCH + timedelta(minutes=self.count))


class MastodonFake(_Timeline):
    """/api/v1/timelines/tag/:hashtag (with ``any[]``) and /api/v2/search with max_id,
    since_id, min_id, limit and Link headers, as documented for Mastodon 4. A status added
    without ``tags`` shows on every tag timeline."""

    FIRST_ID = 113_000_000_000_000_000

    def __init__(self, server: FakeServer, token: str | None = None) -> None:
        super().__init__()
        self.server = server
        self.token = token
        self.statuses: list[dict[str, Any]] = []
        server.route("GET", "/api/v1/timelines/tag/", self.tag_timeline)
        server.route("GET", "/api/v2/search", self.search)

    def add(self, text: str, *, at: datetime | None = None, **fields: Any) -> dict[str, Any]:
        n, when = self.next_slot(at)
        status = payload("mastodon_status.json")
        sid = str(self.FIRST_ID + n * 1000)
        status.update(
            id=sid,
            created_at=iso(when),
            content=f"<p>{text}</p>",
            uri=f"https://masto.example/users/u{n}/statuses/{sid}",
            url=f"https://masto.example/@u{n}/{sid}",
        )
        status["account"] = {
            **status["account"],
            "acct": f"u{n}@masto.example",
            "username": f"u{n}",
            "display_name": f"User {n}",
        }
        tags = fields.pop("tags", [])
        status["tags"] = [{"name": t, "url": f"https://masto.example/tags/{t}"} for t in tags]
        status.update(fields)
        self.statuses.append(status)
        return status

    def _page(
        self, request: Request, tags: set[str] | None = None
    ) -> tuple[list[dict[str, Any]], dict[str, str]]:
        limit = min(int(request.query.get("limit", 20)), 40)
        q = request.query
        chosen = [
            s
            for s in self.statuses
            if (tags is None or not s["tags"] or tags & {t["name"].lower() for t in s["tags"]})
            and ("max_id" not in q or int(s["id"]) < int(q["max_id"]))
            and ("since_id" not in q or int(s["id"]) > int(q["since_id"]))
            and ("min_id" not in q or int(s["id"]) > int(q["min_id"]))
        ]
        chosen.sort(key=lambda s: int(s["id"]))
        page = chosen[:limit] if "min_id" in q else chosen[-limit:]
        page.reverse()
        headers = {}
        if page:
            base = f"{self.server.url}{request.path}"
            paging = ("max_id", "min_id", "since_id")
            rest = {k: v for k, v in request.repeated.items() if k not in paging}
            nxt = urlencode({**rest, "max_id": page[-1]["id"]}, doseq=True)
            prev = urlencode({**rest, "min_id": page[0]["id"]}, doseq=True)
            headers["Link"] = f'<{base}?{nxt}>; rel="next", <{base}?{prev}>; rel="prev"'
        return page, headers

    def tag_timeline(self, request: Request) -> Reply:
        tags = [request.path.rsplit("/", 1)[-1], *request.repeated.get("any[]", [])]
        wanted = {t.lower() for t in tags}
        page, headers = self._page(request, wanted)
        return Reply(200, page, headers)

    def search(self, request: Request) -> Reply:
        if self.token and bearer(request) != self.token:
            return Reply(401, {"error": "The access token is invalid"})
        page, headers = self._page(request)
        return Reply(200, {"accounts": [], "statuses": page, "hashtags": []}, headers)


class RedditFake(_Timeline):
    """/search.json and /r/:sub/search.json listings (sort=new, limit, after), and the OAuth
    client-credentials flow (/api/v1/access_token, then /search with a bearer token)."""

    def __init__(self, server: FakeServer, client: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.server = server
        self.client = client
        self.posts: list[dict[str, Any]] = []
        self.tokens_issued = 0
        server.route("GET", "/search", self.search)
        server.route("GET", "/r/", self.search)
        server.route("POST", "/api/v1/access_token", self.access_token)

    def add(
        self,
        text: str,
        *,
        title: str = "Post",
        subreddit: str = "france",
        at: datetime | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        n, when = self.next_slot(at)
        child = payload("reddit_post.json")
        ident = f"p{n:05d}"
        child["data"].update(
            id=ident,
            name=f"t3_{ident}",
            title=title,
            selftext=text,
            subreddit=subreddit,
            created_utc=when.timestamp(),
            permalink=f"/r/{subreddit}/comments/{ident}/post/",
            url=f"https://www.reddit.com/r/{subreddit}/comments/{ident}/post/",
        )
        child["data"].update(fields)
        self.posts.insert(0, child)
        return child

    def access_token(self, request: Request) -> Reply:
        expected = base64.b64encode(":".join(self.client or ("", "")).encode()).decode()
        form = dict(parse_qsl(request.body.decode()))
        if (
            request.headers.get("authorization") != f"Basic {expected}"
            or form.get("grant_type") != "client_credentials"
        ):
            return Reply(401, {"message": "Unauthorized", "error": 401})
        self.tokens_issued += 1
        return Reply(
            200,
            {
                "access_token": f"tok{self.tokens_issued}",
                "token_type": "bearer",
                "expires_in": 86400,
                "scope": "*",
            },
        )

    def search(self, request: Request) -> Reply:
        if self.client and not (bearer(request) or "").startswith("tok"):
            return Reply(403, {"message": "Forbidden", "error": 403})
        q = request.query
        posts = self.posts
        if request.path.startswith("/r/"):
            sub = request.path.split("/")[2]
            posts = [p for p in posts if p["data"]["subreddit"] == sub]
        start = 0
        if q.get("after"):
            names = [p["data"]["name"] for p in posts]
            start = names.index(q["after"]) + 1 if q["after"] in names else len(posts)
        limit = min(int(q.get("limit", 25)), 100)
        page = posts[start : start + limit]
        after = page[-1]["data"]["name"] if page and start + limit < len(posts) else None
        return Reply(
            200,
            {
                "kind": "Listing",
                "data": {
                    "after": after,
                    "dist": len(page),
                    "modhash": "",
                    "geo_filter": "",
                    "children": page,
                    "before": None,
                },
            },
        )


class BlueskyFake(_Timeline):
    """/xrpc/app.bsky.feed.searchPosts (q, sort=latest, limit, cursor, since, until, lang)."""

    def __init__(self, server: FakeServer, login: tuple[str, str] | None = None) -> None:
        super().__init__()
        self.posts: list[dict[str, Any]] = []
        self.login = login
        self.sessions = 0
        server.route("GET", "/xrpc/app.bsky.feed.searchPosts", self.search)
        server.route("POST", "/xrpc/com.atproto.server.createSession", self.create_session)

    def create_session(self, request: Request) -> Reply:
        body = json.loads(request.body or b"{}")
        if self.login is None or (body.get("identifier"), body.get("password")) != self.login:
            return Reply(401, {"error": "AuthenticationRequired", "message": "Invalid password"})
        self.sessions += 1
        return Reply(
            200,
            {
                "did": "did:plc:watcher",
                "handle": self.login[0],
                "accessJwt": f"jwt{self.sessions}",
                "refreshJwt": "refresh",
            },
        )

    def add(
        self,
        text: str,
        *,
        at: datetime | None = None,
        langs: list[str] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        n, when = self.next_slot(at)
        post = payload("bluesky_post.json")
        rkey = f"3k{n:011d}"
        post.update(
            uri=f"at://did:plc:user{n}/app.bsky.feed.post/{rkey}",
            cid=f"bafy{n}",
            indexedAt=iso(when),
        )
        post["author"] = {
            **post["author"],
            "did": f"did:plc:user{n}",
            "handle": f"user{n}.bsky.social",
            "displayName": f"User {n}",
        }
        post["record"] = {
            **post["record"],
            "text": text,
            "createdAt": iso(when),
            "langs": langs if langs is not None else ["en"],
        }
        post.update(fields)
        self.posts.insert(0, post)
        return post

    def search(self, request: Request) -> Reply:
        q = request.query
        if self.login and bearer(request) != f"jwt{self.sessions}":
            return Reply(400, {"error": "ExpiredToken", "message": "Token has expired"})
        if not q.get("q"):
            return Reply(400, {"error": "InvalidRequest", "message": "Params must have q"})
        posts = self.posts
        if q.get("since"):
            posts = [p for p in posts if p["record"]["createdAt"] >= q["since"]]
        if q.get("until"):
            posts = [p for p in posts if p["record"]["createdAt"] < q["until"]]
        offset = int(q.get("cursor") or 0)
        limit = min(int(q.get("limit", 25)), 100)
        page = posts[offset : offset + limit]
        body: dict[str, Any] = {"hitsTotal": len(posts), "posts": page}
        if offset + limit < len(posts):
            body["cursor"] = str(offset + limit)
        return Reply(200, body)


class HackerNewsFake(_Timeline):
    """Algolia /api/v1/search_by_date (query, tags, numericFilters, hitsPerPage, page)."""

    def __init__(self, server: FakeServer) -> None:
        super().__init__()
        self.hits: list[dict[str, Any]] = []
        server.route("GET", "/api/v1/search_by_date", self.search)

    def add(
        self, text: str, *, story: bool = False, at: datetime | None = None, **fields: Any
    ) -> dict[str, Any]:
        n, when = self.next_slot(at)
        hit = payload("hackernews_hit.json")
        hit.update(
            objectID=str(38_000_000 + n),
            created_at_i=int(when.timestamp()),
            created_at=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            author=f"user{n}",
        )
        if story:
            hit.update(
                title=text,
                story_text=None,
                comment_text=None,
                points=10 + n,
                num_comments=n,
                url=f"https://news.example/{n}",
                _tags=["story", f"author_user{n}", f"story_{hit['objectID']}"],
            )
        else:
            hit.update(comment_text=text)
        hit.update(fields)
        self.hits.insert(0, hit)
        return hit

    def search(self, request: Request) -> Reply:
        q = request.query
        hits = self.hits
        for condition in filter(None, q.get("numericFilters", "").split(",")):
            for op in (">=", "<=", ">", "<", "="):
                if op in condition:
                    attr, value = condition.split(op, 1)
                    hits = [h for h in hits if _compare(h.get(attr), op, float(value))]
                    break
        per_page = int(q.get("hitsPerPage", 20))
        page = int(q.get("page", 0))
        chunk = hits[page * per_page : (page + 1) * per_page]
        pages = (len(hits) + per_page - 1) // per_page
        return Reply(
            200,
            {
                "hits": chunk,
                "nbHits": len(hits),
                "page": page,
                "nbPages": pages,
                "hitsPerPage": per_page,
                "exhaustiveNbHits": True,
                "query": q.get("query", ""),
                "params": urlencode(q),
                "processingTimeMS": 1,
            },
        )


def _compare(value: Any, op: str, target: float) -> bool:
    if value is None:
        return False
    return {
        ">": value > target,
        "<": value < target,
        ">=": value >= target,
        "<=": value <= target,
        "=": value == target,
    }[op]


class XFake(_Timeline):
    """X API v2 /2/tweets/search/recent (query, max_results, since_id, start_time, next_token,
    tweet.fields, expansions=author_id, user.fields), bearer-token protected."""

    FIRST_ID = 1_860_000_000_000_000_000

    def __init__(self, server: FakeServer, token: str = "x-token") -> None:
        super().__init__()
        self.token = token
        self.tweets: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, Any]] = {}
        server.route("GET", "/2/tweets/search/recent", self.search)

    def add(self, text: str, *, at: datetime | None = None, **fields: Any) -> dict[str, Any]:
        n, when = self.next_slot(at)
        sample = payload("x_search.json")
        tweet = sample["data"][0]
        user = copy.deepcopy(sample["includes"]["users"][0])
        user.update(id=str(5000 + n), username=f"user{n}", name=f"User {n}")
        user["public_metrics"]["followers_count"] = 100 * n
        tweet.update(
            id=str(self.FIRST_ID + n),
            text=text,
            created_at=iso(when),
            author_id=user["id"],
            edit_history_tweet_ids=[str(self.FIRST_ID + n)],
        )
        tweet.update(fields)
        self.users[user["id"]] = user
        self.tweets.insert(0, tweet)
        return tweet

    def search(self, request: Request) -> Reply:
        if bearer(request) != self.token:
            return Reply(
                401,
                {
                    "title": "Unauthorized",
                    "type": "about:blank",
                    "status": 401,
                    "detail": "Unauthorized",
                },
            )
        q = request.query
        tweets = self.tweets
        if q.get("since_id"):
            tweets = [t for t in tweets if int(t["id"]) > int(q["since_id"])]
        if q.get("start_time"):
            tweets = [t for t in tweets if t["created_at"] >= q["start_time"]]
        if q.get("next_token"):
            below = int(q["next_token"].removeprefix("before-"))
            tweets = [t for t in tweets if int(t["id"]) < below]
        limit = int(q.get("max_results", 10))
        page = tweets[:limit]
        meta: dict[str, Any] = {"result_count": len(page)}
        if not page:
            return Reply(200, {"meta": meta})
        meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if len(tweets) > limit:
            meta["next_token"] = f"before-{page[-1]['id']}"
        body: dict[str, Any] = {"data": page, "meta": meta}
        if "author_id" in q.get("expansions", ""):
            ids = dict.fromkeys(t["author_id"] for t in page)
            body["includes"] = {"users": [self.users[i] for i in ids]}
        return Reply(200, body)


@pytest.fixture
def store_db(db: Database) -> Database:
    """A migrated, empty database: SQLite, then PostgreSQL (conftest's `db`)."""
    return db
