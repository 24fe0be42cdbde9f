"""Each channel's markup escaped only where its syntax needs it: dates and numbers read as
they are everywhere, while outside text (`*bold*`, `[x](javascript:...)`, `<b>`) stays inert."""

from __future__ import annotations

import html
from pathlib import Path

import markdown as python_markdown  # type: ignore[import-untyped]
import pytest
from alerting_helpers import RULE, add_alert, add_mention, ruleset
from markdown_it import MarkdownIt

from warden.notify import escape
from warden.notify.channels import KINDS, Kind
from warden.notify.render import render_alert
from warden.notify.words import Words
from warden.store.db import Database
from warden.store.models import Alert, Mention

OUTSIDE = "*bold* [x](javascript:alert(1)) <b>loud</b> &lt;i&gt; @everyone ~~gone~~ `code`"
ENTITY = "Acme_Corp"
RULES = ruleset(RULE)


def _rendered(db: Database, kind: Kind, language: str) -> tuple[str, str | None]:
    """(body, e-mail HTML) of an alert quoting one outside post, on channel `kind`."""
    quoted = add_mention(db, OUTSIDE, author="troll*", url="https://social.example/p/1")
    alert_id = add_alert(db, labels={"entity": ENTITY}, evidence=[quoted])
    with db.session() as session:
        alert = session.get(Alert, alert_id)
        mention = session.get(Mention, quoted)
        assert alert is not None and mention is not None
        shown = render_alert(
            alert, RULES.get("acme-negative"), "firing", [mention], kind, Words(language, "UTC")
        )
        return shown.body, shown.html


def _commonmark_text(body: str) -> tuple[str, str]:
    """(HTML, visible text) of `body` as CommonMark (Mattermost, Rocket.Chat) renders it."""
    out = MarkdownIt("commonmark").render(body)
    return out, html.unescape(out)


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("kind", KINDS)
def test_dates_and_numbers_are_never_backslashed(
    sqlite_db: Database, kind: Kind, language: str
) -> None:
    body, page = _rendered(sqlite_db, kind, language)
    number = "152,000" if language == "en" else "152\u202f000"
    if kind == "sms":  # GSM-7 has no narrow space
        number = number.replace("\u202f", " ")
    if kind != "sms":  # one SMS segment holds the summary, not the times
        assert "2026-03-02 09:00 UTC" in body, body
    assert number in body
    for text in (body, page or ""):
        assert "\\-" not in text and "\\." not in text and "\\(" not in text, text


def test_markdown_channels_render_outside_text_as_text(sqlite_db: Database) -> None:
    """Matrix, Mattermost, Rocket.Chat, Teams: what a CommonMark renderer and Python-Markdown
    (apprise's, for Matrix) make of the body: Warden's bold, the post's text as typed."""
    body, _ = _rendered(sqlite_db, "markdown", "en")
    for rendered in (
        MarkdownIt("commonmark").render(body),
        python_markdown.markdown(body, extensions=()),
    ):
        visible = html.unescape(rendered)
        assert "<strong>ALERT" in rendered  # Warden's own markup works
        assert "<b>" not in rendered and 'href="javascript' not in rendered
        assert "<em>bold</em>" not in rendered and "<code>code</code>" not in rendered
        assert "*bold* [x](javascript:alert(1)) <b>loud</b> &lt;i&gt;" in visible, visible
        assert "2026-03-02 09:00 UTC" in visible and "152,000" in visible
        assert "Acme_Corp" in visible
    assert "@\u200beveryone" in body and "@everyone" not in body


def test_discord_escapes_its_own_markdown(sqlite_db: Database) -> None:
    body, _ = _rendered(sqlite_db, "discord", "en")
    assert "\\*bold\\* \\[x\\](javascript:alert(1)) \\<b>loud\\</b> &lt;i&gt;" in body
    assert "\\~\\~gone\\~\\~ \\`code\\`" in body and "@\u200beveryone" in body
    assert "Acme\\_Corp" in body and "troll\\*" in body
    assert "&lt;b" not in body  # Discord shows entities as typed: `<` is backslashed instead


def test_telegram_is_html_and_needs_no_backslash(sqlite_db: Database) -> None:
    """Warden writes Telegram messages in its HTML mode (parse_mode HTML): MarkdownV2's
    backslashes (`\\-`, `\\.`) are not needed, and `<b>` from outside is an entity."""
    body, _ = _rendered(sqlite_db, "telegram", "fr")
    assert "\\" not in body
    assert "*bold* [x](javascript:alert(1)) &lt;b&gt;loud&lt;/b&gt; &amp;lt;i&amp;gt;" in body
    assert "<b>ALERTE" in body  # Warden's own tags


@pytest.mark.parametrize("kind", ["slack", "text", "sms", "email"])
def test_other_channels_carry_no_markdown_escapes(sqlite_db: Database, kind: Kind) -> None:
    body, page = _rendered(sqlite_db, kind, "en")
    assert "\\" not in body
    if kind == "slack":
        assert "&lt;b&gt;loud&lt;/b&gt;" in body and "*bold*" in body
    elif kind != "sms":
        assert OUTSIDE in body
    if page is not None:
        assert "&lt;b&gt;loud&lt;/b&gt;" in page and "\\" not in page


def test_line_starts_are_escaped_only_where_they_would_format() -> None:
    hostile = "# title\n- item\n1. first\n> quote\n=====\nplain 2026-03-02 3.5 (ok) a-b"
    for escaper in (escape.markdown, escape.discord):
        written = escaper(hostile)
        assert written.endswith("plain 2026-03-02 3.5 (ok) a-b")
        assert written.startswith("\\# title\n\\- item\n1\\. first\n\\> quote\n\\=====")
    out, visible = _commonmark_text(escape.markdown(hostile))
    assert "<h1>" not in out and "<li>" not in out and "<blockquote>" not in out
    assert "<h2>" not in out and visible.startswith("<p># title\n- item\n1. first\n> quote")


def test_the_markdown_template_escapes_a_hostile_entity_at_a_line_start(
    sqlite_db: Database,
) -> None:
    alert_id = add_alert(sqlite_db, labels={"entity": "# Huge"})
    with sqlite_db.session() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        body = render_alert(alert, None, "firing", [], "markdown").body
    out = MarkdownIt("commonmark").render(body)
    assert "<h1>" not in out and "# Huge" in html.unescape(out)


def test_a_dead_message_is_escaped_again_for_its_fallbacks_channel(
    tmp_path: Path, sqlite_db: Database
) -> None:
    """A plain-text message that could not be delivered, copied to a Discord fallback in
    French: the note is in French and the quoted post is as inert there as anywhere."""
    from datetime import timedelta

    from alerting_helpers import AT, config_with
    from conftest import free_port
    from webhook_server import WebhookServer

    from warden.alerts.pipeline import notify
    from warden.clock import SimulatedClock
    from warden.notify.dispatcher import Dispatcher

    with WebhookServer() as hook:
        config = config_with(
            tmp_path,
            [
                {
                    "name": "hook",
                    "urls": [f"json://127.0.0.1:{free_port()}/down"],
                    "dead_after": "30m",
                    "fallback": "chat",
                },
                {
                    "name": "chat",
                    "kind": "discord",
                    "language": "fr",
                    "urls": [hook.json_url()],
                    "severities": [],
                },
            ],
        )
        quoted = add_mention(sqlite_db, OUTSIDE, author="troll*")
        add_alert(sqlite_db, evidence=[quoted])
        with sqlite_db.session() as session:
            notify(session, RULES, config, AT)
        clock = SimulatedClock(AT)
        dispatcher = Dispatcher(sqlite_db, config.receivers, config.notifications, clock)
        assert dispatcher.dispatch_due().failed == 1
        clock.advance(timedelta(minutes=31))
        assert dispatcher.dispatch_due().dead == 1
        assert dispatcher.dispatch_due().sent == 1
        dispatcher.close()
        (request,) = hook.wait_for(1)
    body = request.json["message"]  # Discord shows no title: the note says it all
    assert body.startswith("Warden n’a pas pu remettre ce message à hook\u202f: ")
    assert "\\*bold\\* \\[x\\](javascript:alert(1)) \\<b>loud\\</b>" in body
    assert "@\u200beveryone" in body and "troll\\*" in body
    assert "2026-03-02 09:00 UTC" in body
