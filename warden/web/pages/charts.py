"""Chart images of the status page: `/charts/alert/<id>.png` and `/charts/entity/<name>.png`.

The reading and drawing are `warden.charts`' job (the volume detector's own baseline and
normal band, firing periods); these routes find what to draw and answer PNG bytes in the
page's language and time zone. `?spark=1` on an entity chart gives the 160 x 40 sparkline
of the overview. 404 when there is no such alert (or it has no entity) or entity.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, request

from warden.charts.data import alert_window, entity_window
from warden.charts.draw import alert_chart_png, sparkline_png
from warden.store.models import Alert
from warden.web.pages import context

blueprint = Blueprint("charts", __name__)

CHART_HOURS = 48


def charts_available() -> bool:
    """Whether chart images can be drawn (the overview links them only then)."""
    return True


def _png(content: bytes) -> Response:
    return Response(content, mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})


@blueprint.get("/charts/alert/<int:alert_id>.png")
def alert_chart(alert_id: int) -> Response:
    """PNG of the alert's entity over 48 hours, its firing span shaded."""
    ctx = context()
    config = ctx.config()
    with ctx.db.session() as session:
        alert = session.get(Alert, alert_id)
        entity = (alert.labels or {}).get("entity") if alert is not None else None
        if not entity:
            abort(404)
        data = alert_window(
            session, alert_id, g.now, CHART_HOURS, timezone=config.timezone_of(entity)
        )
    if data is None:
        abort(404)
    return _png(alert_chart_png(data, g.lang, config.web_timezone))


@blueprint.get("/charts/entity/<path:name>.png")
def entity_chart(name: str) -> Response:
    """PNG of a watched entity over 48 hours (`?spark=1`: the sparkline)."""
    ctx = context()
    config = ctx.config()
    if name not in {e.name for e in config.entities}:
        abort(404)
    with ctx.db.session() as session:
        data = entity_window(session, name, g.now, CHART_HOURS, timezone=config.timezone_of(name))
    if request.args.get("spark"):
        return _png(sparkline_png(data))
    return _png(alert_chart_png(data, g.lang, config.web_timezone))
