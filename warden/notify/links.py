"""Links from a message to the status page: an alert's page and its chart image.

With ``web.public_url`` set, each alert of a message links to ``{public_url}/alerts/ID`` and
to its chart, ``{public_url}/charts/alert/ID.png`` (a PNG of its entity's last 48 h, served by
the status page). The templates write the links in each channel's own syntax (Slack
``<url|text>``, Markdown autolinks, HTML anchors), escaped for it like any other value.
"""

from __future__ import annotations

from dataclasses import replace

from warden.notify import escape
from warden.notify.message import AlertView


def alert_page_url(public_url: str | None, alert_id: int) -> str | None:
    """``{public_url}/alerts/{alert_id}``; None when ``public_url`` is unset or not http(s)."""
    base = escape.web_url(public_url)
    return f"{base.rstrip('/')}/alerts/{alert_id}" if base else None


def alert_chart_url(public_url: str | None, alert_id: int) -> str | None:
    """``{public_url}/charts/alert/{alert_id}.png``; None when ``public_url`` is unset."""
    base = escape.web_url(public_url)
    return f"{base.rstrip('/')}/charts/alert/{alert_id}.png" if base else None


def with_links(view: AlertView, public_url: str | None) -> AlertView:
    """``view`` with its status-page links (unchanged when ``public_url`` is unset)."""
    if not public_url:
        return view
    return replace(
        view,
        page_url=alert_page_url(public_url, view.id),
        chart_url=alert_chart_url(public_url, view.id),
    )
