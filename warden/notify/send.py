"""Sending one message to one receiver URL, and saying how it went: sent, failed, or unknown.

apprise carries every channel except e-mail, which `warden.notify.email` sends as multipart.
Each attempt is bounded by the receiver's `timeout`; an attempt that timed out waiting for the
answer is *uncertain* (the message may have arrived), which the dispatcher treats differently
from a refusal. Generic webhooks get an `Idempotency-Key` header so the receiving end can drop a
copy re-sent after such an uncertain attempt or a crash.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import quote

import apprise

from warden.log import mask_secrets
from warden.notify.applog import notify_logged
from warden.notify.channels import IDEMPOTENT_SCHEMES, Channel, scheme_of
from warden.notify.email import EmailError, InlineImage, send_email
from warden.notify.local_schemas import register_local_schemas

_NOTIFY_TYPES = {
    "critical": apprise.NotifyType.FAILURE,
    "warning": apprise.NotifyType.WARNING,
    "info": apprise.NotifyType.INFO,
}
_SLACK_SCHEMES = frozenset({"slack"})
_LOCAL = frozenset({"console", "mbox"})
_HEADED = frozenset({"slack", "discord", "telegram", "markdown"})
"""Kinds whose templates start the body with the title: apprise gets no separate title."""
_TIMED_OUT = ("Read timed out", "ReadTimeout", "read timeout")
_SOCKET = re.compile(r"Socket Exception: (.*)")
_WHERE = re.compile(r"host='([^']*)', port=(\d+)")
_ERRNO = re.compile(r"\[Errno -?\d+\] ([^\"')]+)")
_CAUSES = (
    ("NameResolutionError", "the host name could not be resolved (DNS)"),
    ("ConnectTimeoutError", "no connection within the connect timeout"),
    ("Read timed out", "no answer within the read timeout"),
    ("SSLError", "TLS failed"),
)


def socket_cause(log_text: str) -> str | None:
    """The underlying cause apprise logged at debug level for a failed request, in short:
    `connection refused by 127.0.0.1 port 9`, `the host name could not be resolved (DNS):
    Name or service not known (host.example port 443)`. None when it logged none."""
    found = _SOCKET.findall(log_text)
    if not found:
        return None
    text = found[-1]
    where = _WHERE.search(text)
    place = f"{where.group(1)} port {where.group(2)}" if where else None
    errno = _ERRNO.search(text)
    detail = errno.group(1).strip() if errno else None
    for marker, said in _CAUSES:
        if marker in text:
            cause = said + (f": {detail}" if detail else "")
            return cause + (f" ({place})" if place else "")
    if detail and "refused" in detail.lower():
        return f"connection refused by {place}" if place else "connection refused"
    if detail:
        return detail + (f" ({place})" if place else "")
    return " ".join(text.split())[:300]


@dataclass(frozen=True)
class Outcome:
    """How one attempt went: `error` None when delivered; `uncertain` when it may have arrived."""

    error: str | None = None
    uncertain: bool = False


@dataclass(frozen=True)
class Envelope:
    """What is sent: the rendered message and how to recognise it if it comes twice."""

    title: str
    body: str
    html: str | None
    severity: str
    kind: str
    idempotency_key: str
    images: tuple[InlineImage, ...] = ()
    """Images the HTML part shows by Content-ID (e-mail only)."""


def with_timeout(url: str, seconds: float, key: str | None = None) -> str:
    """`url` with apprise's connect/read timeouts (`cto`, `rto`) and, for generic webhooks,
    an `Idempotency-Key` header (`+Idempotency-Key=...`)."""
    scheme = scheme_of(url)
    if scheme in _LOCAL:
        return url
    extra = [f"rto={seconds:g}", f"cto={min(seconds, 10.0):g}"]
    if scheme in _SLACK_SCHEMES:
        # Only Slack's Block Kit payload carries a body as given; its legacy payload escapes
        # `&`, `<`, `>` again, which would show Warden's escapes (`&amp;lt;`) to the reader.
        url = _without_param(url, "blocks")
        extra.append("blocks=yes")
    if key and scheme in IDEMPOTENT_SCHEMES:
        extra.append(f"+Idempotency-Key={quote(key, safe='')}")
    return url + ("&" if "?" in url else "?") + "&".join(extra)


def _without_param(url: str, name: str) -> str:
    """`url` without its query parameter `name` (any value)."""
    if "?" not in url:
        return url
    base, query = url.split("?", 1)
    kept = [p for p in query.split("&") if p and p.split("=", 1)[0].lower() != name]
    return base + ("?" + "&".join(kept) if kept else "")


def body_format_for(url: str, channel: Channel) -> apprise.NotifyFormat | None:
    """What apprise is told the body is written in.

    Warden writes each body in its channel's own dialect (Slack mrkdwn, Discord markdown,
    Telegram HTML) and escapes outside text for it, so apprise must pass it through as it is
    (None: no conversion, no second escaping). Plain text to a markup channel is declared as
    text so that apprise escapes it for that channel, which Warden did not.
    """
    generic = scheme_of(url) in IDEMPOTENT_SCHEMES or scheme_of(url) in _LOCAL
    if channel.markup == "text" and not generic:
        return apprise.NotifyFormat.TEXT
    return None


def send(url: str, channel: Channel, envelope: Envelope, timeout: float) -> Outcome:
    """Deliver `envelope` to `url`; never raises (a broken plugin is an error outcome)."""
    started = time.monotonic()
    try:
        if channel.kind == "email":
            try:
                send_email(
                    url,
                    envelope.title,
                    envelope.body,
                    envelope.html,
                    timeout,
                    message_id=f"<{envelope.idempotency_key.replace(':', '.')}@warden>",
                    images=envelope.images,
                )
            except EmailError as exc:
                timed_out = isinstance(exc.__cause__, TimeoutError)
                return Outcome(mask_secrets(str(exc)), uncertain=timed_out)
            return Outcome()
        return _apprise(url, channel, envelope, timeout, started)
    except Exception as exc:  # a broken plugin must not stop the other messages
        return Outcome(mask_secrets(f"{type(exc).__name__}: {exc}"))


def _apprise(
    url: str, channel: Channel, envelope: Envelope, timeout: float, started: float
) -> Outcome:
    register_local_schemas()
    target = apprise.Apprise()
    if not target.add(with_timeout(url, timeout, envelope.idempotency_key)):
        return Outcome("not a valid apprise URL (check the scheme and its parameters)")
    notify_type = (
        apprise.NotifyType.SUCCESS
        if envelope.kind == "resolved"
        else _NOTIFY_TYPES.get(envelope.severity, apprise.NotifyType.INFO)
    )
    body_format = body_format_for(url, channel)
    # This send's lines only (others may be sending at once).
    ok, lines = notify_logged(
        target,
        title="" if channel.kind in _HEADED else envelope.title,
        body=envelope.body,
        notify_type=notify_type,
        body_format=body_format,
    )
    if ok:
        return Outcome()
    log_text = "\n".join(message for _, message in lines)
    said = [message for level, message in lines if level in ("WARNING", "ERROR")]
    reason = " ".join(" ".join(said).split())[-500:]
    cause = socket_cause(log_text)
    if cause:
        reason = f"{reason.rstrip('.')}: {cause}" if reason else cause
    # Only a timeout waiting for the answer is uncertain: the request went out. A connection
    # that could not be made (refused, connect timeout) certainly delivered nothing.
    timed_out = any(marker in log_text for marker in _TIMED_OUT) and (
        time.monotonic() - started >= timeout * 0.5
    )
    if timed_out:
        reason = f"no answer within {timeout:g}s (the message may have arrived); {reason}"
    return Outcome(mask_secrets(reason or "delivery failed"), uncertain=timed_out)
