"""Chart images of the status page: `/charts/alert/<id>.png` and `/charts/entity/<name>.png`.

The drawing is `warden.charts`' job; these routes only find what to draw and answer with PNG
bytes (404 when there is no such alert or entity).
"""

from __future__ import annotations

from flask import Blueprint, Response, abort

blueprint = Blueprint("charts", __name__)


def charts_available() -> bool:
    """Whether chart images can be drawn (the overview links them only then)."""
    return False


@blueprint.get("/charts/alert/<int:alert_id>.png")
def alert_chart(alert_id: int) -> Response:
    abort(404)


@blueprint.get("/charts/entity/<path:name>.png")
def entity_chart(name: str) -> Response:
    abort(404)
