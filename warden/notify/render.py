"""Writing a message for one channel: Jinja2 templates, escaping, and the channel's length.

Each receiver kind has a template (`warden/notify/templates/`, overridable by a file of the same
name in `notifications.templates_dir`). Every `{{ value }}` a template prints is neutralised and
escaped for the channel's markup by the environment itself, so a template cannot forget to; the
HTML template of e-mails is autoescaped. A body longer than the channel allows loses quoted
mentions first, then whole alerts (counted as "+N more"), and is cut only as a last resort.
SMS bodies are fitted to one 160-character GSM-7 segment when the essentials fit in it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
import markupsafe

from warden.log import get_logger
from warden.notify import escape
from warden.notify.channels import CHANNELS, Channel, Kind
from warden.notify.charts import strip_markers
from warden.notify.message import AlertView, MessageView, alert_view
from warden.notify.words import Words
from warden.rules.schema import Rule
from warden.store.models import Alert, Mention

log = get_logger(__name__)

_BLANKS = re.compile(r"\n{3,}")
_TRAILING = re.compile(r"[ \t]+\n")
_COMMAND = re.compile(r"warden [\w \-\"'’]+")
SMS_MIN_SUMMARY = 24
"""Below this many characters of summary, an SMS takes a second segment instead."""


@dataclass(frozen=True)
class Rendered:
    """A message ready for one target: its title, text body and (e-mail) HTML body."""

    title: str
    body: str
    html: str | None = None


class TemplateWords(Words):
    """Words with the helpers templates call for links, for a channel speaking `markup`."""

    def __init__(self, language: str = "en", timezone: str = "UTC", markup: str = "text") -> None:
        super().__init__(language, timezone)
        self.markup = markup

    def web_url(self, url: str | None) -> str | None:
        return escape.web_url(url)

    def command(self, text: str) -> Any:
        """A command Warden wrote (`warden ack ...`), printed as it is: it goes in a code span,
        where a Markdown escape would be shown, not read. It holds no outside text."""
        if not _COMMAND.fullmatch(text):
            raise ValueError(f"not a Warden command: {text!r}")
        return markupsafe.Markup(text)

    def autolink(self, url: str | None) -> Any:
        safe = escape.web_url(url)
        return (
            markupsafe.Markup(f"<{safe}>")
            if safe
            else escape.ESCAPERS[self.markup](escape.neutralise(url or ""))
        )


def _finalizer(escaper: Callable[[str], str]) -> Callable[[Any], Any]:
    def finalize(value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, markupsafe.Markup):
            return value
        return escaper(escape.neutralise(str(value)))

    return finalize


@lru_cache(maxsize=32)
def environment(markup: str, templates_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja2 environment writing `markup` ("text", "slack", "markdown", "discord",
    "html")."""
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.PackageLoader("warden.notify", "templates"))
    html = markup == "html"
    return jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=html,
        finalize=_finalizer(escape.neutralise if html else escape.ESCAPERS[markup]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _tidy(text: str) -> str:
    return _BLANKS.sub("\n\n", _TRAILING.sub("\n", text)).strip()


def title_of(message: MessageView, words: Words) -> str:
    """`[ALERT] CRITICAL spike: Acme (x)`; for a group `[ALERT] CRITICAL 3 alerts: Acme, Beta`."""
    head = f"[{words[message.kind]}]"
    if not message.alerts:
        return f"{head} Warden"
    first = message.alerts[0]
    severity = words[max((a.severity for a in message.alerts), key=_rank)].upper()
    if len(message.alerts) == 1:
        return f"{head} {severity} {first.rule}{words.colon} {first.subject}"
    subjects = list(dict.fromkeys(a.subject for a in message.alerts))
    shown = ", ".join(subjects[:3]) + (", …" if len(subjects) > 3 else "")
    return f"{head} {severity} {len(message.alerts)} {words.alerts_in_group}{words.colon} {shown}"


def _rank(severity: str) -> int:
    return {"info": 0, "warning": 1, "critical": 2}.get(severity, 1)


def _one_line(text: str) -> str:
    return escape.one_line(escape.neutralise(text))


class Renderer:
    """Renders messages for channels, with templates overridable from a folder."""

    def __init__(self, templates_dir: Path | None = None) -> None:
        self.templates_dir = templates_dir

    def _body(self, markup: str, template: str, values: dict[str, Any]) -> str:
        """Render `template`; an operator's template that fails falls back to the built-in one
        (logged as notify.template_failed with its file and line), so a typo never stops
        alerts."""
        env = environment(markup, self.templates_dir)
        try:
            return _tidy(env.get_template(template).render(**values))
        except jinja2.TemplateError as exc:
            if self.templates_dir is None:
                raise
            log.error(
                "notify.template_failed",
                template=str(self.templates_dir / template),
                line=getattr(exc, "lineno", None),
                error=f"{type(exc).__name__}: {exc}",
            )
        builtin = environment(markup, None)
        return _tidy(builtin.get_template(template).render(**values))

    def render(
        self,
        message: MessageView,
        channel: Channel,
        words: Words,
        max_length: int | None = None,
    ) -> Rendered:
        """The title and body(ies) of `message` for `channel`, within its length budget."""
        words = TemplateWords(words.language, str(words.zone), channel.markup)
        limit = max_length or channel.max_length
        raw_title = title_of(message, words)
        if channel.kind == "sms":
            return Rendered("", self._sms(message, words, limit))
        title = _one_line(raw_title)
        if channel.kind != "email":
            title = escape.ESCAPERS[channel.markup](title)
        alerts = message.alerts
        keep = max((len(a.mentions) for a in alerts), default=0)
        shown = len(alerts)
        while True:
            trimmed = [_with_mentions(a, keep) for a in alerts[:shown]]
            values = {
                "alerts": trimmed,
                "kind": message.kind,
                "hidden": len(alerts) - shown,
                "t": words,
                "f": words,
                "title": raw_title,
            }
            body = self._body(channel.markup, channel.template, values)
            if len(body) <= limit or (keep == 0 and shown <= 1):
                break
            if keep > 0:
                keep -= 1
            else:
                shown -= 1
        # Only an e-mail's HTML part carries charts: an HTML chat body keeps no chart marker.
        body = strip_markers(body)
        if len(body) > limit:
            marker = f"\n… ({words.cut})"
            body = body[: max(0, limit - len(marker))].rstrip() + marker
        html = None
        if channel.kind == "email":
            html = self._body("html", "email.html.j2", values)
        return Rendered(title, body, html)

    def _sms(self, message: MessageView, words: Words, limit: int) -> str:
        alerts = message.alerts
        if len(alerts) == 1:
            summary = alerts[0].summary
        else:
            summary = ", ".join(dict.fromkeys(a.subject for a in alerts))
        link = None
        if message.details_url and alerts:
            link = message.details_url.replace("{id}", str(alerts[0].id))
        elif alerts:
            link = next(
                (u for a in alerts for m in a.mentions if (u := escape.web_url(m.url))), None
            )

        def write(text: str) -> str:
            values = {
                "alerts": alerts,
                "kind": message.kind,
                "worst": max((a.severity for a in alerts), key=_rank, default="info"),
                "summary": text,
                "link": link,
                "t": words,
                "f": words,
            }
            return escape.gsm7_fold(" ".join(self._body("text", "sms.j2", values).split()))

        full = write(_one_line(summary))
        units, segment = escape.sms_units(full)
        if units > segment:
            fixed, _ = escape.sms_units(write(""))
            room = segment - fixed - 3
            if room >= SMS_MIN_SUMMARY:
                cut = _one_line(summary)
                while cut:
                    cut = cut[: max(0, min(len(cut) - 1, room))].rstrip()
                    shorter = write(cut + "...")
                    if escape.sms_units(shorter)[0] <= segment:
                        return shorter
        return full if len(full) <= limit else full[: limit - 3].rstrip() + "..."


def _with_mentions(alert: AlertView, keep: int) -> AlertView:
    return alert if len(alert.mentions) <= keep else replace(alert, mentions=alert.mentions[:keep])


def render_alert(
    alert: Alert,
    rule: Rule | None,
    kind: str,
    mentions: Sequence[Mention],
    kind_of_channel: Kind = "text",
    words: Words | None = None,
) -> Rendered:
    """One alert's message for a channel kind (English, UTC unless `words` says otherwise)."""
    words = words or Words()
    message = MessageView(kind, [alert_view(alert, rule, mentions, words)])
    return Renderer().render(message, CHANNELS[kind_of_channel], words)
