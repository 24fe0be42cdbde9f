"""The status page's HTML views: overview (/), stream (/stream), alert (/alerts/<id>), look-up.

Every view reads the store in one short session and renders a template; nothing needs
JavaScript except the live stream's updates, which are an addition to a page that works
without them.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, render_template, request

from warden.lookup.results import clean_name
from warden.sources.health import read_health
from warden.web.pages import context
from warden.web.pages.charts import charts_available
from warden.web.pages.lookup import LookupView, run_lookup
from warden.web.pages.queries import (
    SENTIMENTS,
    StreamFilters,
    active_silences,
    alert_view,
    alert_views,
    known_sources,
    stream_mentions,
    unknown_filters,
)

blueprint = Blueprint("pages", __name__)

FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<rect width="16" height="16" rx="3" fill="#1d232a"/>'
    '<path d="M3 4l2 8 3-6 3 6 2-8" fill="none" stroke="#f4b400" stroke-width="1.6"/></svg>'
)
"""The page's icon (a W on the header's colours), so browsers do not ask in vain."""


@blueprint.get("/favicon.svg")
@blueprint.get("/favicon.ico")
def favicon() -> Response:
    """The icon, SVG (browsers that ask for /favicon.ico accept it too)."""
    return Response(
        FAVICON, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
    )


@blueprint.get("/")
def overview() -> str:
    """Entities against their baselines, alerts, silences, source health."""
    ctx = context()
    config = ctx.config()
    with ctx.db.session() as session:
        entities = ctx.overview.figures(session, config, g.now)
        firing, recent = alert_views(session, config, g.now)
        silences = active_silences(session, g.now)
        health = read_health(session, list(config.sources), g.now)
    return render_template(
        "overview.html",
        entities=entities,
        firing=firing,
        recent=recent,
        silences=silences,
        health=health,
        charts=charts_available(),
    )


@blueprint.get("/stream")
def stream() -> str:
    """The latest mentions matching the GET filters, last published first, with the
    live-stream URL (it sends what is stored after the last mention stored now)."""
    ctx = context()
    config = ctx.config()
    filters = StreamFilters.from_args(request.args)
    with ctx.db.session() as session:
        mentions = stream_mentions(session, filters, by_time=True)
        sources = sorted({*known_sources(session), *(s.name for s in config.sources)})
        newest = stream_mentions(session, StreamFilters(), limit=1)
    last = newest[0].id if newest else 0
    entities = [e.name for e in config.entities]
    return render_template(
        "stream.html",
        mentions=mentions,
        filters=filters,
        unknown=unknown_filters(request.args, entities, sources),
        entities=entities,
        sources=sources,
        sentiments=SENTIMENTS,
        events_args={**filters.query_args(), "after": str(last)},
        refresh_args=filters.query_args(),
    )


@blueprint.get("/alerts/<int:alert_id>")
def alert(alert_id: int) -> str:
    """One alert with its values, state, evidence and chart; 404 when there is none."""
    ctx = context()
    with ctx.db.session() as session:
        rules = ctx.rules() if ctx.rules is not None else None
        view = alert_view(session, ctx.config(), alert_id, g.now, rules)
        if view is None:
            abort(404)
        return render_template("alert.html", view=view, alert=view.alert)


@blueprint.get("/lookup")
def lookup() -> str:
    """The look-up box and, with `?q=`, what the sources say about that name (cleaned as the
    look-up API cleans it: no control characters or escapes, at most 200 characters)."""
    asked = request.args.get("q", "")
    query = clean_name(asked)
    if query:
        result: LookupView | None = run_lookup(context(), query)
    elif asked.strip():
        result = LookupView(error=g.t.lookup_empty)
    else:
        result = None
    return render_template("lookup.html", q=query, result=result)
