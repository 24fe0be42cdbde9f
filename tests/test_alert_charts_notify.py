"""Charts in alert messages: an e-mail carries the alert's chart inline (drawn when it is sent,
never at the cost of the message), and chat messages link to the chart on the status page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from alerting_helpers import AT, RULE, add_alert, config_with, ruleset
from charts_helpers import seed_volume
from smtp_server import SmtpSink
from sqlalchemy import text

from warden.alerts.pipeline import notify
from warden.clock import SimulatedClock
from warden.config import Config
from warden.notify.dispatcher import Dispatcher
from warden.store.db import Database

PNG = b"\x89PNG\r\n\x1a\n"


def _send(db: Database, config: Config) -> None:
    with db.session() as session:
        notify(session, ruleset(RULE), config, AT)
    dispatcher = Dispatcher(
        db, config.receivers, config.notifications, SimulatedClock(AT), config.timezone_of
    )
    report = dispatcher.dispatch_due()
    assert report.sent == 1 and report.failed == 0, report


def _mail_receiver(smtp: SmtpSink, **extra: Any) -> dict[str, Any]:
    return {"name": "mail", "urls": [smtp.url()], **extra}


def test_an_alert_email_carries_its_chart_inline(
    tmp_path: Path, sqlite_db: Database, smtp: SmtpSink
) -> None:
    entity = 'Acme <script>alert("x")</script>'
    seed_volume(sqlite_db, AT, entity)
    alert_id = add_alert(sqlite_db, labels={"entity": entity}, at=AT - timedelta(minutes=50))
    config = config_with(tmp_path, [_mail_receiver(smtp, language="fr", timezone="Europe/Paris")])
    _send(sqlite_db, config)
    (mail,) = smtp.wait_for(1)
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.iter_parts()
    assert plain.get_content_type() == "text/plain"
    assert related.get_content_type() == "multipart/related"
    html_part, image = related.iter_parts()
    html = html_part.get_content()
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == f"<chart-{alert_id}@warden>"
    assert image.get_content_disposition() == "inline"
    png = image.get_content()
    assert png.startswith(PNG) and len(png) > 10_000
    assert f'src="cid:chart-{alert_id}@warden"' in html
    assert "<!--warden-chart" not in html
    # The alt text is French and the outside entity name in it is escaped.
    assert 'alt="Mentions de Acme &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; sur les' in html
    assert "<script>" not in html


def test_an_email_whose_chart_fails_goes_without_it(
    tmp_path: Path, sqlite_db: Database, smtp: SmtpSink
) -> None:
    seed_volume(sqlite_db, AT)
    alert_id = add_alert(sqlite_db, at=AT - timedelta(minutes=50))
    with sqlite_db.engine.begin() as conn:  # the store cannot answer the chart's query
        conn.execute(text("DROP TABLE series_buckets"))
    config = config_with(tmp_path, [_mail_receiver(smtp)])
    with structlog.testing.capture_logs() as logs:
        _send(sqlite_db, config)
    (mail,) = smtp.wait_for(1)
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "<img" not in html and "warden-chart" not in html
    assert f"Alert #{alert_id}" in html
    (failed,) = [e for e in logs if e["event"] == "chart.failed"]
    assert failed["alert"] == alert_id and failed["receiver"] == "mail"
    assert "series_buckets" in failed["error"]
