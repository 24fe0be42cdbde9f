"""E-mail as a real multipart message: a plain-text part with its lines, and an HTML part.

Images the HTML shows (an alert's chart) travel inside the message, not behind a link that a
mail client would block: the HTML part becomes multipart/related with each image as a part
whose Content-ID the HTML refers to (``<img src="cid:...">``, RFC 2392).

apprise reads the `mailto://` / `mailtos://` URL (server, port, security, login, sender and
recipients, exactly as for its own e-mail plugin); the message itself is built with the
standard library so both parts are Warden's own renderings, not one derived from the other.
Images an HTML body carries as `data:` URIs (a digest's charts, stored with the message in the
outbox) are sent the same way: each becomes an inline part and a `cid:` link.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

import apprise

from warden.notify import escape


class EmailError(Exception):
    """The message could not be handed to the SMTP server (the text says why)."""


@dataclass(frozen=True)
class InlineImage:
    """An image carried in the message: ``cid`` is its Content-ID without the angle brackets
    (``chart-12@warden``; the HTML shows it as ``cid:chart-12@warden``), ``data`` its bytes."""

    cid: str
    data: bytes
    subtype: str = "png"
    filename: str | None = None


_DATA_IMAGE = re.compile(r'src="data:image/(png|jpeg|gif);base64,([A-Za-z0-9+/=]+)"')


def inline_images(html: str) -> tuple[str, list[InlineImage]]:
    """`html` with each `src="data:image/...;base64,..."` (a digest's charts) made a `cid:`
    link, and those images to carry beside it, in order."""
    images: list[InlineImage] = []

    def swap(match: re.Match[str]) -> str:
        try:
            data = base64.b64decode(match.group(2), validate=True)
        except binascii.Error:
            return match.group(0)
        digest = hashlib.sha256(data).hexdigest()[:12]
        cid = f"image{len(images) + 1}.{digest}@warden"
        images.append(InlineImage(cid=cid, data=data, subtype=match.group(1)))
        return f'src="cid:{cid}"'

    return _DATA_IMAGE.sub(swap, html), images


def _address(entry: Any) -> str:
    if isinstance(entry, tuple | list) and len(entry) == 2:
        name, addr = entry
        return formataddr((str(name), str(addr))) if name else str(addr)
    return str(entry)


def _plugin(url: str) -> Any:
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None or not hasattr(plugin, "smtp_host"):
        raise EmailError("not a valid mailto:// URL (check the server, from= and to=)")
    return plugin


def build_email(
    url: str,
    subject: str,
    text: str,
    html: str | None,
    message_id: str | None = None,
    images: Sequence[InlineImage] = (),
) -> tuple[EmailMessage, str, list[str]]:
    """(message, envelope sender, envelope recipients) for `url`; both parts when `html`, and
    `images` related to the HTML part (ignored without it)."""
    plugin = _plugin(url)
    targets = [t[1] if isinstance(t, tuple | list) else str(t) for t in plugin.targets]
    if not targets:
        raise EmailError("the mailto:// URL names no recipient (add to=...)")
    sender = plugin.from_addr[1] if isinstance(plugin.from_addr, tuple | list) else ""
    message = EmailMessage()
    message["Subject"] = escape.one_line(subject)
    message["From"] = _address(tuple(plugin.from_addr))
    message["To"] = ", ".join(_address(t) for t in plugin.targets)
    if plugin.cc:
        message["Cc"] = ", ".join(sorted(plugin.cc))
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id or make_msgid(domain="warden.local")
    message["X-Application"] = "Warden"
    message.set_content(text, subtype="plain", charset="utf-8")
    if html is not None:
        html, carried = inline_images(html)
        images = [*images, *carried]
        message.add_alternative(html, subtype="html", charset="utf-8")
        part = message.get_body(preferencelist=("html",))
        for image in images:
            assert part is not None  # the HTML part was just added
            part.add_related(
                image.data,
                maintype="image",
                subtype=image.subtype,
                cid=f"<{image.cid}>",
                disposition="inline",
                filename=image.filename,
            )
    recipients = targets + sorted(plugin.cc) + sorted(plugin.bcc)
    return message, sender, recipients


def send_email(
    url: str,
    subject: str,
    text: str,
    html: str | None,
    timeout: float,
    message_id: str | None = None,
    images: Sequence[InlineImage] = (),
) -> None:
    """Send one message through the server of `url`; raise EmailError saying why not.

    `message_id` (an idempotency key made into a Message-ID) lets mail clients fold a copy
    re-sent after a crash into the first one.
    """
    message, sender, recipients = build_email(url, subject, text, html, message_id, images)
    plugin = _plugin(url)
    context = ssl.create_default_context()
    if not plugin.verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    mode = str(plugin.secure_mode)
    try:
        smtp: smtplib.SMTP
        if mode == "ssl":
            smtp = smtplib.SMTP_SSL(plugin.smtp_host, plugin.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(plugin.smtp_host, plugin.port, timeout=timeout)
        with smtp:
            if mode == "starttls":
                smtp.starttls(context=context)
            if plugin.user and plugin.password:
                smtp.login(plugin.user, plugin.password)
            refused = smtp.send_message(message, from_addr=sender, to_addrs=recipients)
    except (OSError, smtplib.SMTPException) as exc:
        raise EmailError(f"{type(exc).__name__}: {exc}") from exc
    if refused:
        raise EmailError(f"recipients refused: {', '.join(sorted(refused))}")
