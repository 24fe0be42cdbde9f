"""Receiver kinds: what markup a channel speaks, how long a message may be, which template.

A receiver's kind is set in config.yaml (`kind:`) or read from its URL's scheme: `mailto://` is
e-mail, `slack://` Slack, `twilio://` an SMS gateway, and so on. Generic schemes (`json://`,
`form://`, `console://`) take plain text unless the receiver says otherwise, so a local webhook
can stand in for Slack (`kind: slack`) or an SMS gateway (`kind: sms`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["email", "slack", "sms", "discord", "telegram", "markdown", "html", "text"]
KINDS: tuple[Kind, ...] = (
    "email",
    "slack",
    "sms",
    "discord",
    "telegram",
    "markdown",
    "html",
    "text",
)


@dataclass(frozen=True)
class Channel:
    """How messages for one kind of receiver are written."""

    kind: Kind
    markup: str  # escaper name in warden.notify.escape.ESCAPERS
    template: str  # body template file name under warden/notify/templates/
    max_length: int  # hard limit of the body, characters
    quote_mentions: bool = True


CHANNELS: dict[Kind, Channel] = {
    "email": Channel("email", "text", "text.j2", 200_000),
    "slack": Channel("slack", "slack", "slack.j2", 3_000),  # one section block
    "sms": Channel("sms", "text", "sms.j2", 1_600, quote_mentions=False),  # Twilio's limit
    "discord": Channel("discord", "discord", "markdown.j2", 2_000),
    "telegram": Channel("telegram", "html", "telegram.j2", 4_096),
    "markdown": Channel("markdown", "markdown", "markdown.j2", 10_000),
    "html": Channel("html", "html", "email.html.j2", 100_000),
    "text": Channel("text", "text", "text.j2", 100_000),
}

_SCHEME_KINDS: dict[str, Kind] = {
    "mailto": "email",
    "mailtos": "email",
    "slack": "slack",
    "twilio": "sms",
    "nexmo": "sms",
    "vonage": "sms",
    "sinch": "sms",
    "clicksend": "sms",
    "bulksms": "sms",
    "bulkvs": "sms",
    "msg91": "sms",
    "plivo": "sms",
    "sns": "sms",
    "smseagle": "sms",
    "smsmgr": "sms",
    "d7sms": "sms",
    "freemobile": "sms",
    "kavenegar": "sms",
    "discord": "discord",
    "tgram": "telegram",
    "matrix": "markdown",
    "matrixs": "markdown",
    "mmost": "markdown",
    "mmosts": "markdown",
    "rocket": "markdown",
    "rockets": "markdown",
    "msteams": "markdown",
}


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def kind_of_url(url: str, configured: str = "auto") -> Kind:
    """The kind of the receiver URL `url`: `configured` unless it is "auto", else by scheme."""
    if configured != "auto":
        return configured  # type: ignore[return-value]
    return _SCHEME_KINDS.get(scheme_of(url), "text")


def channel_for(url: str, configured: str = "auto") -> Channel:
    return CHANNELS[kind_of_url(url, configured)]


GENERIC_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls", "console", "mbox"})
"""Schemes that carry our text as it is (no markup conversion by apprise)."""

IDEMPOTENT_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls"})
"""Schemes that can carry an `Idempotency-Key` header for the receiving end to drop copies."""
