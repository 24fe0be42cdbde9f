"""The live stream's server-sent events: `/stream/events?<the stream's filters>&after=<id>`.

Every `poll_seconds` (1 s) the store is asked for mentions matching the filters with an id
above the last one sent; each is one `mention` event whose `id:` is the mention id, so a
browser that reconnects sends `Last-Event-ID` and misses nothing (it wins over `after`).
A comment line every 15 s of quiet keeps proxies from closing the connection. The stream
ends when the client goes away (checked on every poll) or the listener stops. At most
`MAX_STREAMS` (32) are open at once, each holding a thread; more are answered 503.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

from flask import Blueprint, Response, g, request

from warden.log import get_logger
from warden.store.outage import is_outage
from warden.web.pages import PageContext, context
from warden.web.pages.queries import StreamFilters, stream_mentions
from warden.web.pages.words import PageWords
from warden.web.wsgi import CLIENT_GONE

log = get_logger(__name__)

blueprint = Blueprint("live", __name__)

KEEPALIVE_SECONDS = 15.0
BATCH = 50


def _start_id() -> int:
    for given in (request.headers.get("Last-Event-ID"), request.args.get("after")):
        if given is not None and given.strip().isdigit():
            return int(given.strip())
    return 0


def events(
    ctx: PageContext,
    filters: StreamFilters,
    after: int,
    t: PageWords,
    gone: Callable[[], bool] = lambda: False,
) -> Iterator[str]:
    """The event stream: `retry:` first, then mention events as they are stored, until the
    listener stops or `gone()` says the client left. Holds one of `ctx.streams` (taken by
    the caller) until it ends."""
    try:
        yield "retry: 3000\n\n"
        yield from _mentions(ctx, filters, after, t, gone)
    finally:
        ctx.streams.release()


def _mentions(
    ctx: PageContext, filters: StreamFilters, after: int, t: PageWords, gone: Callable[[], bool]
) -> Iterator[str]:
    last = after
    quiet_since = time.monotonic()
    while not ctx.stopping.is_set() and not gone():
        try:
            with ctx.db.session() as session:
                found = stream_mentions(session, filters, after=last, limit=BATCH)
        except Exception as exc:  # an outage: tell nothing, try again on the next tick
            if not is_outage(exc):
                log.error("web.stream_failed", error=f"{type(exc).__name__}: {exc}")
            found = []
        for mention in reversed(found):  # oldest first: the page puts each on top
            data = json.dumps(mention.as_json(t), ensure_ascii=False)
            yield f"id: {mention.id}\nevent: mention\ndata: {data}\n\n"
            last = max(last, mention.id)
            quiet_since = time.monotonic()
        if time.monotonic() - quiet_since >= KEEPALIVE_SECONDS:
            yield ": keep-alive\n\n"
            quiet_since = time.monotonic()
        if len(found) < BATCH:
            ctx.stopping.wait(ctx.poll_seconds)


@blueprint.get("/stream/events")
def stream_events() -> Response:
    """text/event-stream of new mentions (503 when `MAX_STREAMS` are open)."""
    ctx = context()
    if not ctx.streams.acquire(blocking=False):
        log.warning("web.streams_busy")
        return Response(
            "too many live streams open; retry later\n",
            503,
            {"Retry-After": "10"},
            mimetype="text/plain",
        )
    gone = request.environ.get(CLIENT_GONE) or (lambda: False)
    stream = events(ctx, StreamFilters.from_args(request.args), _start_id(), g.t, gone)
    return Response(
        stream,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
