"""Messages are safe on every channel: real receivers (SMTP, a Slack-shaped webhook, an SMS
gateway) get outside text escaped for their markup, disguising characters neutralised, and
bodies within the channel's length."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from alerting_helpers import AT, RULE, add_alert, add_mention, config_with, ruleset
from smtp_server import SmtpSink
from webhook_server import WebhookServer

from warden.alerts.pipeline import notify
from warden.clock import SimulatedClock
from warden.config import Config
from warden.errors import EXIT_CONFIG
from warden.notify import escape
from warden.notify.dispatcher import Dispatcher
from warden.store.db import Database

HOSTILE = (
    "<!channel> refund here <https://evil.example/x|banque-exemple.fr/refund> "
    "<img src=x onerror=alert(1)> **bold** @everyone \u202egnp.exe\u202c zero\u200bwidth\ufeff"
)


def _send(db: Database, config: Config) -> None:
    with db.session() as session:
        notify(session, ruleset(RULE), config, AT)
    report = Dispatcher(
        db, config.receivers, config.notifications, SimulatedClock(AT)
    ).dispatch_due()
    assert report.failed == 0, report


def _hostile_alert(db: Database, mentions: int = 1) -> int:
    ids = [
        add_mention(
            db, f"{HOSTILE} #{n}", n=n, author="troll<b>", url=f"https://social.example/p/{n}"
        )
        for n in range(mentions)
    ]
    return add_alert(db, evidence=ids)


def test_slack_gets_mrkdwn_escaped_text(tmp_path: Path, sqlite_db: Database) -> None:
    with WebhookServer() as slack:
        config = config_with(
            tmp_path, [{"name": "slack", "kind": "slack", "urls": [slack.slack_url()]}]
        )
        _hostile_alert(sqlite_db)
        _send(sqlite_db, config)
        (request,) = slack.wait_for(1)
    payload = request.json
    assert set(payload) == {"text"}  # Slack's webhook shape
    text = payload["text"]
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert "<https://evil.example" not in text
    assert "&lt;https://evil.example/x|banque-exemple.fr/refund&gt;" in text
    assert "@troll&lt;b&gt;" in text
    for char in ("\u202e", "\u200b", "\ufeff"):
        assert char not in text
    assert "[U+202E]gnp.exe" in text  # the reversal is shown, not performed
    assert "zerowidth" in text
    assert "`warden ack " in text


def test_email_is_multipart_with_lines_and_escaped_html(
    tmp_path: Path, sqlite_db: Database, smtp: SmtpSink
) -> None:
    config = config_with(tmp_path, [{"name": "mail", "urls": [smtp.url()]}])
    alert_id = _hostile_alert(sqlite_db, mentions=2)
    _send(sqlite_db, config)
    (mail,) = smtp.wait_for(1)
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    lines = text.splitlines()
    assert lines[0] == "152,000 mentions of Acme, 85% negative"
    assert "Seen: 152,000 · usual: 8,000" in lines
    assert "Read first:" in lines
    assert any(line.startswith("1. @troll<b> (x, 152,000 followers, negative,") for line in lines)
    assert f"Alert #{alert_id}" in text
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "troll&lt;b&gt;" in html
    assert '<a href="https://social.example/p/0">' in html
    assert "\u202e" not in html and "\u202e" not in text
    assert mail.subject == "[ALERT] CRITICAL acme-negative: Acme"


def test_sms_fits_one_segment_with_what_who_how_bad_and_where(
    tmp_path: Path, sqlite_db: Database
) -> None:
    with WebhookServer() as gateway:
        config = config_with(
            tmp_path,
            [{"name": "sms", "kind": "sms", "urls": [gateway.json_url("/sms")]}],
            top_mentions=5,
        )
        alert_id = _hostile_alert(sqlite_db, mentions=5)
        _send(sqlite_db, config)
        (request,) = gateway.wait_for(1)
    body = request.json["message"]
    units, segment = escape.sms_units(body)
    assert (units, segment) <= (160, 160) and segment == 160, body
    assert body.startswith("ALERT CRITICAL Acme: 152,000 mentions of Acme")
    assert f"#{alert_id}" in body
    assert "https://social.example/p/0" in body
    assert request.json["title"] == ""


def test_sms_never_exceeds_the_gateway_limit(tmp_path: Path, sqlite_db: Database) -> None:
    rule = {**RULE, "annotations": {"summary": "{{ entity }} " + "very long reason " * 200}}
    with WebhookServer() as gateway:
        config = config_with(
            tmp_path, [{"name": "sms", "kind": "sms", "urls": [gateway.json_url()]}]
        )
        add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "x" * 2000)])
        with sqlite_db.session() as session:
            notify(session, ruleset(rule), config, AT)
        Dispatcher(
            sqlite_db, config.receivers, config.notifications, SimulatedClock(AT)
        ).dispatch_due()
        (request,) = gateway.wait_for(1)
    assert len(request.json["message"]) <= 160


def test_french_receiver_reads_its_language_zone_and_numbers(
    tmp_path: Path, sqlite_db: Database
) -> None:
    with WebhookServer() as hook:
        config = config_with(
            tmp_path,
            [
                {
                    "name": "fr",
                    "language": "fr",
                    "timezone": "Europe/Paris",
                    "urls": [hook.json_url()],
                }
            ],
        )
        add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "Service lamentable", label=None)])
        later = AT + timedelta(minutes=5)  # past notifications.wait_for_scores
        with sqlite_db.session() as session:
            notify(session, ruleset(RULE), config, later)
        clock = SimulatedClock(later)
        Dispatcher(sqlite_db, config.receivers, config.notifications, clock).dispatch_due()
        (request,) = hook.wait_for(1)
    title, body = request.json["title"], request.json["message"]
    assert title == "[ALERTE] CRITIQUE acme-negative\u202f: Acme"
    assert "152\u202f000 mentions of Acme, 85\u00a0% negative" in body
    assert "Depuis le 2026-03-02 10:00 CET." in body  # 09:00 UTC in Paris
    assert "pas encore évalué" in body  # quoted before it was scored


@pytest.mark.parametrize(
    ("kind", "escaped", "raw"),
    [
        ("markdown", r"\*\*bold\*\*", "**bold**"),
        ("discord", "@\u200beveryone", "@everyone "),
        ("telegram", "&lt;img src=x", "<img"),
    ],
)
def test_markdown_and_html_channels_escape_outside_text(
    tmp_path: Path, sqlite_db: Database, kind: str, escaped: str, raw: str
) -> None:
    with WebhookServer() as hook:
        config = config_with(tmp_path, [{"name": "r", "kind": kind, "urls": [hook.json_url()]}])
        _hostile_alert(sqlite_db)
        _send(sqlite_db, config)
        (request,) = hook.wait_for(1)
    body = request.json["message"]
    assert escaped in body and raw not in body


def test_templates_can_be_replaced_from_config(tmp_path: Path, sqlite_db: Database) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "text.j2").write_text(
        "{% for a in alerts %}{{ a.subject }} is on fire: {{ a.mentions[0].snippet }}{% endfor %}",
        encoding="utf-8",
    )
    with WebhookServer() as hook:
        config = config_with(
            tmp_path, [{"name": "r", "urls": [hook.json_url()]}], templates_dir="templates"
        )
        add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "bad\u200b news")])
        _send(sqlite_db, config)
        (request,) = hook.wait_for(1)
    assert request.json["message"] == "Acme is on fire: bad news"


def test_neutralise_and_web_url() -> None:
    assert escape.neutralise("a\u202eb\u200bc\ufeffd\x07") == "a[U+202E]bcd"
    assert escape.web_url("javascript:alert(1)") is None
    assert (
        escape.web_url('https://a.example/x"><script>') == "https://a.example/x%22%3E%3Cscript%3E"
    )
    assert escape.gsm7_fold("Crise à Paris : « prêt » — ça") == 'Crise à Paris : " pret " - ca'


def test_a_broken_template_falls_back_and_warden_check_points_at_it(
    tmp_path: Path, sqlite_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    from warden.cli import main

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "text.j2").write_text("{% for a in alerts %}\n{{ a.nope }}\n{% endfor %}\n")
    (folder / "slack.j2").write_text("{% if %}\n")
    (folder / "sms.txt.j2").write_text("x")
    with WebhookServer() as hook:
        config = config_with(
            tmp_path, [{"name": "r", "urls": [hook.json_url()]}], templates_dir="templates"
        )
        add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "bad news")])
        _send(sqlite_db, config)  # the built-in template writes it: the alert still goes out
        (request,) = hook.wait_for(1)
    assert request.json["message"].startswith("152,000 mentions of Acme")
    assert main(["check", "-c", str(tmp_path / "config.yaml")]) == EXIT_CONFIG
    err = capsys.readouterr().err.splitlines()
    assert f"{folder / 'slack.j2'}:1: Expected an expression, got 'end of statement block'" in err
    assert any(e.startswith(f"{folder / 'text.j2'}:2: UndefinedError:") for e in err), err
    assert any(e.startswith(f"{folder / 'sms.txt.j2'}:1: not a Warden template name") for e in err)


def test_real_apprise_plugins_carry_warden_escaped_text_unchanged(
    tmp_path: Path, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """apprise's own Slack, Discord and Telegram plugins, pointed at a local server: what
    Warden escaped arrives escaped once (no `&amp;lt;`), and the Slack headline stays bold."""
    from apprise.plugins.discord import NotifyDiscord
    from apprise.plugins.slack import NotifySlack
    from apprise.plugins.telegram import NotifyTelegram

    with WebhookServer() as server, WebhookServer(reply=b"ok") as slack_server:
        base = f"http://127.0.0.1:{server.port}"
        # The services' hosts are fixed in apprise; only the address is moved to loopback.
        monkeypatch.setattr(
            NotifySlack, "webhook_url", f"http://127.0.0.1:{slack_server.port}/slack"
        )
        monkeypatch.setattr(NotifyDiscord, "notify_url", f"{base}/discord")
        monkeypatch.setattr(NotifyTelegram, "notify_url", f"{base}/telegram/bot")
        config = config_with(
            tmp_path,
            [
                {
                    "name": "slack",
                    # blocks=no asks for the legacy payload, which would escape again
                    "urls": ["slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#ops?blocks=no"],
                },
                {"name": "discord", "urls": ["discord://1234/abcdefgh"]},
                {
                    "name": "telegram",
                    "urls": ["tgram://123456789:abcdefghijklmnopqrstuvwxyzABCDEFGHI/12345"],
                },
            ],
        )
        _hostile_alert(sqlite_db)
        _send(sqlite_db, config)
        by_path = {r.path.split("/")[1]: r.json for r in server.wait_for(2)}
        by_path["slack"] = slack_server.wait_for(1)[0].json
    (block,) = [b for b in by_path["slack"]["attachments"][0]["blocks"] if b["type"] == "section"]
    slack = block["text"]["text"]
    assert block["text"]["type"] == "mrkdwn"
    assert slack.startswith("*ALERT")  # bold, not turned into _italic_
    assert "&lt;!channel&gt;" in slack and "&amp;lt;" not in slack and "&amp;amp;" not in slack
    assert "<!channel>" not in slack and "@troll&lt;b&gt;" in slack
    discord = by_path["discord"]["content"]
    assert discord.startswith("**ALERT")
    assert "@everyone" not in discord.replace("@\u200beveryone", "")
    assert "\\*\\*bold\\*\\*" in discord  # Warden's markdown escapes, kept as they are
    telegram = by_path["telegram"]["text"]
    assert by_path["telegram"]["parse_mode"] == "HTML"
    assert "&lt;img src=x" in telegram and "&amp;lt;" not in telegram
    assert "<b>" in telegram  # Warden's own markup, not escaped into text


def test_copies_of_the_built_in_templates_pass_warden_check(tmp_path: Path) -> None:
    import shutil

    from warden.notify import template_check

    builtin = Path(escape.__file__).parent / "templates"
    for path in builtin.glob("*.j2"):
        shutil.copy(path, tmp_path / path.name)
    assert template_check.template_problems(tmp_path) == []
