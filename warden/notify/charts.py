"""Charts in e-mails: the PNG of each alert an e-mail shows, carried inline.

E-mail. The HTML template marks where an alert's chart goes with ``<!--warden-chart:ID-->``
(an HTML comment: invisible if nothing replaces it). When the message is sent, not when it is
written, the chart of each marked alert is drawn from the store (its entity's last 48 h, see
:mod:`warden.charts`) and the marker becomes an ``<img src="cid:...">`` that refers to the PNG
carried in the message. A chart that cannot be drawn (a store error, a drawing bug, too slow)
is left out and logged as ``chart.failed``: the message goes anyway, on time.

Chat messages carry no image: they link to the chart on the status page
(:mod:`warden.notify.links`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime

import markupsafe

from warden.log import get_logger
from warden.notify.email import InlineImage
from warden.store.db import Database
from warden.store.models import Alert

log = get_logger(__name__)

MARKER = re.compile(r"<!--warden-chart:(\d+)-->")
"""Where the HTML of an e-mail shows the chart of alert ID (written by email.html.j2)."""
MAX_CHARTS = 3
"""Most charts one e-mail carries (the first alerts of a grouped message)."""
BUDGET_SECONDS = 8.0
"""Longest wait for a message's charts: those not drawn by then are left out. Kept below the
lease of an attempt (twice the receiver's timeout plus 5 s) minus the sending time."""
CHART_HOURS = 48
IMAGE_WIDTH = 640
"""Width, in CSS pixels, the chart is shown at (drawn at 960 for dense screens)."""


def marked_alerts(html: str) -> list[int]:
    """Ids of the alerts whose chart the HTML asks for, in order, each once."""
    return list(dict.fromkeys(int(m) for m in MARKER.findall(html)))


def strip_markers(html: str) -> str:
    """The HTML without chart markers (for channels that carry no images)."""
    return MARKER.sub("", html)


@dataclass(frozen=True)
class DrawnChart:
    png: bytes
    alt: str


_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="chart")
"""Where charts are drawn, so that the sender can stop waiting for one (a slow store)."""


def _draw_one(
    db: Database,
    alert_id: int,
    now: datetime,
    language: str,
    tz: str,
    entity_timezone: Callable[[str], str] | None,
) -> DrawnChart | None:
    # Drawing needs matplotlib: imported on the first e-mail with a chart, not by every command.
    from warden.charts.data import alert_window
    from warden.charts.draw import alert_chart_png, chart_alt

    with db.session() as session:
        alert = session.get(Alert, alert_id)
        entity = (alert.labels or {}).get("entity") if alert is not None else None
        zone = entity_timezone(entity) if entity and entity_timezone else "UTC"
        data = alert_window(session, alert_id, now, CHART_HOURS, timezone=zone)
    if data is None or not any(data.chart.counts):
        return None  # gone, or nothing to show: no empty chart
    return DrawnChart(alert_chart_png(data, language, tz), chart_alt(data, language))


def draw_charts(
    db: Database,
    alert_ids: Sequence[int],
    now: datetime,
    language: str = "en",
    tz: str = "UTC",
    entity_timezone: Callable[[str], str] | None = None,
    receiver: str | None = None,
) -> dict[int, DrawnChart]:
    """The charts of (at most ``MAX_CHARTS`` of) ``alert_ids`` at ``now``, by alert id.

    Words in ``language``, times in ``tz`` (the reader's); each entity's baseline on its own
    clock (``entity_timezone(entity)``, UTC without it). Returns within about
    ``BUDGET_SECONDS`` and never raises: an alert whose chart fails or is not drawn in time is
    logged as ``chart.failed`` (alert, receiver, error) and left out; so are alerts gone from
    the store or without an entity, and windows without a single mention.
    """
    deadline = time.monotonic() + BUDGET_SECONDS
    jobs = {
        alert_id: _pool.submit(_draw_one, db, alert_id, now, language, tz, entity_timezone)
        for alert_id in list(dict.fromkeys(alert_ids))[:MAX_CHARTS]
    }
    drawn: dict[int, DrawnChart] = {}
    for alert_id, job in jobs.items():
        try:
            chart = job.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            job.cancel()
            error = f"not drawn within {BUDGET_SECONDS:g}s; sent without it"
        except Exception as exc:  # a chart must never cost the message
            error = f"{type(exc).__name__}: {exc}"
        else:
            if chart is not None:
                drawn[alert_id] = chart
            continue
        log.warning("chart.failed", alert=alert_id, receiver=receiver, error=error)
    return drawn


def embed_charts(html: str, charts: dict[int, DrawnChart]) -> tuple[str, tuple[InlineImage, ...]]:
    """``html`` with each marker replaced by its chart's ``<img>`` (or removed when the chart
    is missing), and the images to carry in the message, in the order they are shown."""
    images: list[InlineImage] = []

    def image(match: re.Match[str]) -> str:
        alert_id = int(match.group(1))
        chart = charts.get(alert_id)
        if chart is None or any(i.cid == f"chart-{alert_id}@warden" for i in images):
            return ""
        cid = f"chart-{alert_id}@warden"
        images.append(InlineImage(cid, chart.png, "png", f"alert-{alert_id}.png"))
        alt = markupsafe.escape(chart.alt)
        return (
            f'<p><img src="cid:{cid}" alt="{alt}" width="{IMAGE_WIDTH}" '
            'style="max-width: 100%; height: auto; display: block"></p>'
        )

    return MARKER.sub(image, html), tuple(images)
