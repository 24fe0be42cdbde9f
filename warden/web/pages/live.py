"""The live stream's server-sent events: `/stream/events?<the stream's filters>&after=<id>`.

Every `poll_seconds` (1 s) the store is asked for mentions matching the filters with an id
above the last one sent; each is one `mention` event whose `id:` is the mention id, so a
browser that reconnects sends `Last-Event-ID` and misses nothing (it wins over `after`).
Mentions sent (or on the page) while not scored yet are watched: once scored, a `scored`
event (`{"id", "label", "label_text"}`, no `id:` line, so `Last-Event-ID` stays the last
mention's) tells the page to update that row's sentiment. At most `PENDING_LIMIT` (500) are
watched, the newest kept. A comment line every 15 s of quiet keeps proxies from closing the
connection. The stream ends when the client goes away (checked on every poll), when the
credentials that opened it no longer open the page (a reload changed `web.auth`; checked on
every poll too) or the listener stops. At most `MAX_STREAMS` (32) are open at once, each
holding a thread; more are answered 503.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

from flask import Blueprint, Response, g, request

from warden.log import get_logger
from warden.store.outage import is_outage
from warden.web.pages import PageContext, auth, context
from warden.web.pages.queries import STREAM_LIMIT, StreamFilters, labels_of, stream_mentions
from warden.web.pages.words import PageWords
from warden.web.wsgi import CLIENT_GONE

log = get_logger(__name__)

blueprint = Blueprint("live", __name__)

KEEPALIVE_SECONDS = 15.0
BATCH = 50
PENDING_LIMIT = 500


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
    allowed: Callable[[], bool] = lambda: True,
) -> Iterator[str]:
    """The event stream: `retry:` first, then mention events as they are stored, until the
    listener stops, `gone()` says the client left or `allowed()` says its credentials no
    longer open the page (checked on every poll). Holds one of `ctx.streams` (taken by the
    caller) until it ends."""
    try:
        yield "retry: 3000\n\n"
        yield from _mentions(ctx, filters, after, t, gone, allowed)
    finally:
        ctx.streams.release()


def _unscored_on_page(ctx: PageContext, filters: StreamFilters, upto: int) -> set[int]:
    """Ids of the mentions the page showed when it loaded (up to `upto`) not scored yet."""
    try:
        with ctx.db.session() as session:
            shown = stream_mentions(session, filters, limit=STREAM_LIMIT, by_time=True)
    except Exception as exc:
        if not is_outage(exc):
            log.error("web.stream_failed", error=f"{type(exc).__name__}: {exc}")
        return set()
    return {m.id for m in shown if m.label is None and m.id <= upto}


def _scored(ctx: PageContext, pending: set[int], t: PageWords) -> Iterator[str]:
    """`scored` events for the pending mentions scored since the last look (removed from
    `pending`)."""
    if not pending:
        return
    try:
        with ctx.db.session() as session:
            labels = labels_of(session, sorted(pending))
    except Exception as exc:
        if not is_outage(exc):
            log.error("web.stream_failed", error=f"{type(exc).__name__}: {exc}")
        return
    for mention_id, label in sorted(labels.items()):
        pending.discard(mention_id)
        data = json.dumps({"id": mention_id, "label": label, "label_text": t[label]})
        yield f"event: scored\ndata: {data}\n\n"


def _mentions(
    ctx: PageContext,
    filters: StreamFilters,
    after: int,
    t: PageWords,
    gone: Callable[[], bool],
    allowed: Callable[[], bool],
) -> Iterator[str]:
    last = after
    pending = _unscored_on_page(ctx, filters, after)
    quiet_since = time.monotonic()
    while not ctx.stopping.is_set() and not gone():
        if not allowed():  # web.auth changed by a reload: these credentials no longer open it
            log.info("web.stream_revoked")
            return
        try:
            with ctx.db.session() as session:
                found = stream_mentions(session, filters, after=last, limit=BATCH)
        except Exception as exc:  # an outage: tell nothing, try again on the next tick
            if not is_outage(exc):
                log.error("web.stream_failed", error=f"{type(exc).__name__}: {exc}")
            found = []
        for mention in reversed(found):  # oldest first
            data = json.dumps(mention.as_json(t), ensure_ascii=False)
            yield f"id: {mention.id}\nevent: mention\ndata: {data}\n\n"
            last = max(last, mention.id)
            if mention.label is None:
                pending.add(mention.id)
            quiet_since = time.monotonic()
        for update in _scored(ctx, pending, t):
            yield update
            quiet_since = time.monotonic()
        while len(pending) > PENDING_LIMIT:
            pending.discard(min(pending))
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
    kept = auth.Credentials.of(request)

    def allowed() -> bool:
        return auth.authorised(ctx.config().web.auth, kept)

    filters = StreamFilters.from_args(request.args)
    stream = events(ctx, filters, _start_id(), g.t, gone, allowed)
    return Response(
        stream,
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
