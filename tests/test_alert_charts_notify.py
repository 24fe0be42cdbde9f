"""Charts in alert messages: an e-mail carries the alert's chart inline (drawn when it is sent,
never at the cost of the message), and chat messages link to the chart on the status page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog
import yaml
from alerting_helpers import AT, RULE, add_alert, config_with, ruleset
from charts_helpers import seed_volume
from smtp_server import SmtpSink
from sqlalchemy import text
from webhook_server import WebhookServer

from warden.alerts.pipeline import notify
from warden.clock import SimulatedClock
from warden.config import Config, load_config
from warden.errors import ConfigError
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


def _config(tmp_path: Path, receivers: list[dict[str, Any]], public_url: str | None) -> Config:
    path = tmp_path / "config.yaml"
    data: dict[str, Any] = {
        "database": {"url": f"sqlite:///{tmp_path / 'unused.db'}"},
        "notifications": {"retry_initial": "1s", "retry_max": "2s"},
        "receivers": receivers,
    }
    if public_url is not None:
        data["web"] = {"public_url": public_url}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def test_slack_links_the_alert_and_its_chart_on_the_status_page(
    tmp_path: Path, sqlite_db: Database
) -> None:
    alert_id = add_alert(sqlite_db, labels={"entity": "Acme <!channel>"})
    with WebhookServer() as slack:
        receivers = [
            {"name": "slack", "kind": "slack", "urls": [slack.slack_url()], "language": "fr"}
        ]
        _send(sqlite_db, _config(tmp_path, receivers, "https://warden.example.com/"))
        (request,) = slack.wait_for(1)
    text = request.json["text"]
    page = f"https://warden.example.com/alerts/{alert_id}"
    chart = f"https://warden.example.com/charts/alert/{alert_id}.png"
    assert f"<{page}|Voir l’alerte> · <{chart}|Graphique des dernières 48 h>" in text
    assert "Acme &lt;!channel&gt;" in text and "<!channel>" not in text


def test_without_a_public_url_messages_carry_no_status_page_link(
    tmp_path: Path, sqlite_db: Database, smtp: SmtpSink
) -> None:
    add_alert(sqlite_db)
    with WebhookServer() as slack:
        receivers = [
            {"name": "slack", "kind": "slack", "urls": [slack.slack_url()]},
            {"name": "mail", "urls": [smtp.url()]},
        ]
        config = _config(tmp_path, receivers, None)
        with sqlite_db.session() as session:
            notify(session, ruleset(RULE), config, AT)
        Dispatcher(
            sqlite_db, config.receivers, config.notifications, SimulatedClock(AT)
        ).dispatch_due()
        (request,) = slack.wait_for(1)
    (mail,) = smtp.wait_for(1)
    assert "/alerts/" not in request.json["text"] and "/charts/" not in request.json["text"]
    assert "/alerts/" not in mail.text
    html = mail.message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "/alerts/" not in html


def test_real_chat_plugins_get_working_links(
    tmp_path: Path, sqlite_db: Database, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """apprise's own Slack, Discord and Telegram plugins, pointed at a local server: each gets
    the links in its own syntax, not escaped into text; the e-mail links them too."""
    from apprise.plugins.discord import NotifyDiscord
    from apprise.plugins.slack import NotifySlack
    from apprise.plugins.telegram import NotifyTelegram

    alert_id = add_alert(sqlite_db)
    page = f"https://warden.example.com/status/alerts/{alert_id}"
    chart = f"https://warden.example.com/status/charts/alert/{alert_id}.png"
    with WebhookServer() as server, WebhookServer(reply=b"ok") as slack_server:
        base = f"http://127.0.0.1:{server.port}"
        # The services' hosts are fixed in apprise; only the address is moved to loopback.
        monkeypatch.setattr(
            NotifySlack, "webhook_url", f"http://127.0.0.1:{slack_server.port}/slack"
        )
        monkeypatch.setattr(NotifyDiscord, "notify_url", f"{base}/discord")
        monkeypatch.setattr(NotifyTelegram, "notify_url", f"{base}/telegram/bot")
        receivers = [
            {
                "name": "slack",
                "urls": ["slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#ops"],
            },
            {"name": "discord", "urls": ["discord://1234/abcdefgh"]},
            {
                "name": "telegram",
                "urls": ["tgram://123456789:abcdefghijklmnopqrstuvwxyzABCDEFGHI/12345"],
            },
            {"name": "mail", "urls": [smtp.url()]},
        ]
        config = _config(tmp_path, receivers, "https://warden.example.com/status")
        with sqlite_db.session() as session:
            notify(session, ruleset(RULE), config, AT)
        Dispatcher(
            sqlite_db, config.receivers, config.notifications, SimulatedClock(AT)
        ).dispatch_due()
        by_path = {r.path.split("/")[1]: r.json for r in server.wait_for(2)}
        slack_payload = slack_server.wait_for(1)[0].json
    blocks = slack_payload["attachments"][0]["blocks"]
    (block,) = [b for b in blocks if b["type"] == "section"]
    assert f"<{page}|Open the alert> · <{chart}|Chart of the last 48 h>" in block["text"]["text"]
    discord = by_path["discord"]["content"]
    assert f"Open the alert: <{page}> · Chart of the last 48 h: <{chart}>" in discord
    telegram = by_path["telegram"]["text"]
    assert f'<a href="{page}">Open the alert</a> · <a href="{chart}">' in telegram
    (mail,) = smtp.wait_for(1)
    lines = mail.text.splitlines()
    assert f"Open the alert: {page}" in lines and f"Chart of the last 48 h: {chart}" in lines
    html = mail.message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert f'<a href="{page}">Open the alert</a>' in html


@pytest.mark.parametrize("address", ["javascript:alert(1)", "warden.example.com", "https://"])
def test_a_public_url_that_is_not_a_web_address_is_refused(tmp_path: Path, address: str) -> None:
    with pytest.raises(ConfigError) as info:
        _config(tmp_path, [], address)
    assert "web.public_url" in str(info.value) or "public_url" in str(info.value)
    assert "is not an http(s) address" in str(info.value)


def test_a_chart_not_drawn_in_time_does_not_hold_the_email(
    tmp_path: Path, sqlite_db: Database, smtp: SmtpSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warden.notify import charts

    seed_volume(sqlite_db, AT)
    alert_id = add_alert(sqlite_db, at=AT - timedelta(minutes=50))
    monkeypatch.setattr(charts, "BUDGET_SECONDS", 0.0)  # no time at all for drawing
    config = config_with(tmp_path, [_mail_receiver(smtp)])
    with structlog.testing.capture_logs() as logs:
        _send(sqlite_db, config)
    (mail,) = smtp.wait_for(1)
    html = mail.message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "<img" not in html and f"Alert #{alert_id}" in html
    (failed,) = [e for e in logs if e["event"] == "chart.failed"]
    assert failed["alert"] == alert_id
    assert failed["error"] == "not drawn within 0s; sent without it"


def test_an_html_chat_message_carries_no_chart_marker(tmp_path: Path, sqlite_db: Database) -> None:
    seed_volume(sqlite_db, AT)
    alert_id = add_alert(sqlite_db, at=AT - timedelta(minutes=50))
    with WebhookServer() as hook:
        receivers = [{"name": "hook", "kind": "html", "urls": [hook.json_url()]}]
        _send(sqlite_db, _config(tmp_path, receivers, None))
        (request,) = hook.wait_for(1)
    body = request.json["message"]
    assert f"#{alert_id}" in body and "</ul>" in body
    assert "warden-chart" not in body and "<img" not in body
