"""The outbox: one row per message and delivery target, written in the alert's own transaction.

Each row has an idempotency key, so an alert transition enqueued twice (a retry after a crash,
two instances racing) still produces a single message. Rows of one receiver target about one
alert (or group) form a *stream*: they are sent in the order they were written, and a newer
message marks an older one still waiting as `superseded` instead of letting it go out late.

Statuses: pending → sent; or superseded (a newer message replaced it before delivery),
unconfirmed (attempts timed out and may have arrived; not re-sent past the receiver's cap),
dead (undelivered past the receiver's `dead_after`; a copy went to its fallback).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from warden.config import ReceiverSettings
from warden.notify import escape
from warden.notify.channels import channel_for
from warden.notify.render import Rendered
from warden.notify.words import Words
from warden.store.models import Alert, Notification

OUTBOX_STATES = ("pending", "failing", "sent", "dead", "unconfirmed", "superseded")
"""Outbox states as they are counted (failing: pending after a failed attempt; unconfirmed:
timed out and may have arrived, not re-sent; superseded: replaced by a newer message about
the same alert before delivery)."""


def outbox_counts(session: Session) -> dict[str, int]:
    """Messages per state of OUTBOX_STATES (every state present, 0 when none): what
    `warden status` and /metrics show."""
    by_status = dict(
        session.execute(
            select(Notification.status, func.count()).group_by(Notification.status)
        ).all()
    )
    failing = session.scalar(
        select(func.count()).where(Notification.status == "pending", Notification.attempts > 0)
    )
    counts = {**by_status, "failing": failing or 0}
    return {state: int(counts.get(state, 0)) for state in OUTBOX_STATES}


STATUSES = ("pending", "sent", "superseded", "unconfirmed", "dead")
FINAL = ("sent", "superseded", "unconfirmed", "dead")


def idempotency_key(alert: Alert, kind: str, at: datetime, receiver: str, target: int) -> str:
    stamp = "" if kind in ("firing", "resolved") else at.strftime("%Y%m%dT%H%M%S")
    return f"alert:{alert.id}:{kind}{stamp}:{receiver}:{target}"


def stream_of(receiver: str, target: int, topic: str) -> str:
    """The ordering key of a receiver target's messages about one alert, group or topic."""
    return f"{receiver}:{target}:{topic}"[:255]


def supersede(session: Session, stream: str, now: datetime) -> int:
    """Mark the stream's messages still waiting (not being sent right now) as superseded."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.stream == stream,
            Notification.status == "pending",
            or_(Notification.lease_until.is_(None), Notification.lease_until < now),
        )
        .values(status="superseded", last_error="a newer message replaced it before delivery")
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def enqueue(
    session: Session,
    alert: Alert | None,
    kind: str,
    receivers: Sequence[ReceiverSettings],
    title: str,
    body: str,
    now: datetime,
    severity: str | None = None,
    key_prefix: str | None = None,
    render: Callable[[ReceiverSettings, int], Rendered] | None = None,
    topic: str | None = None,
    alert_ids: Sequence[int] | None = None,
) -> list[Notification]:
    """Add one pending notification per receiver URL (skipping keys that already exist).

    `render(receiver, target)` writes the message for each target's channel; without it every
    target gets `title` and `body`. A new message about an alert supersedes that stream's
    older messages still waiting (`topic` names the stream: the alert by default).
    """
    rows = []
    for receiver in receivers:
        for target in range(len(receiver.urls)):
            if key_prefix is not None or alert is None:
                key = f"{key_prefix or kind}:{receiver.name}:{target}"
            else:
                key = idempotency_key(alert, kind, now, receiver.name, target)
            exists = session.scalar(
                select(Notification.id).where(Notification.idempotency_key == key)
            )
            if exists is not None:
                continue
            name = topic or (f"alert:{alert.id}" if alert is not None else key_prefix or kind)
            stream = stream_of(receiver.name, target, name)
            if alert is not None or topic is not None:
                supersede(session, stream, now)
            message = (
                render(receiver, target)
                if render is not None
                else _escaped(receiver, target, title, body)
            )
            row = Notification(
                alert_id=alert.id if alert is not None else None,
                receiver=receiver.name,
                target=target,
                kind=kind,
                alert_ids=list(alert_ids)
                if alert_ids is not None
                else ([alert.id] if alert is not None else None),
                idempotency_key=key,
                stream=stream,
                severity=severity or (alert.severity if alert is not None else "warning"),
                title=message.title,
                body=message.body,
                body_html=message.html,
                status="pending",
                attempts=0,
                uncertain=0,
                next_attempt_at=now,
                created_at=now,
            )
            session.add(row)
            rows.append(row)
    session.flush()
    return rows


def _escaped(receiver: ReceiverSettings, target: int, title: str, body: str) -> Rendered:
    """A message written as plain text (system notices), made safe for the target's channel."""
    channel = channel_for(receiver.urls[target], receiver.kind)
    escaper = escape.ESCAPERS[channel.markup]
    return Rendered(escape.one_line(escape.neutralise(title)), escaper(escape.neutralise(body)))


def enqueue_fallback(
    session: Session,
    dead: Notification,
    fallback: ReceiverSettings,
    now: datetime,
    dead_receiver: ReceiverSettings | None = None,
) -> list[Notification]:
    """Copy a dead message to the fallback receiver, saying where it could not go, in the
    fallback's language. The copy is re-escaped for each fallback URL's channel when that
    speaks another markup than the dead message's (`dead_receiver`'s URL; plain text if
    unknown), so outside text it quotes stays inert there too."""
    words = Words(fallback.language, fallback.timezone)
    source = "text"
    if dead_receiver is not None and dead.target < len(dead_receiver.urls):
        source = channel_for(dead_receiver.urls[dead.target], dead_receiver.kind).markup
    rows = []
    for target in range(len(fallback.urls)):
        key = f"{dead.idempotency_key}:fallback:{fallback.name}:{target}"[:200]
        if session.scalar(select(Notification.id).where(Notification.idempotency_key == key)):
            continue
        markup = channel_for(fallback.urls[target], fallback.kind).markup
        escaper = escape.ESCAPERS[markup]
        body = dead.body if markup == source else escaper(escape.as_plain(dead.body, source))
        title = escape.as_plain(dead.title, source) if source != "text" else dead.title
        note = words.undelivered_body.format(receiver=dead.receiver, error=dead.last_error)
        row = Notification(
            alert_id=dead.alert_id,
            receiver=fallback.name,
            target=target,
            kind=dead.kind,
            alert_ids=dead.alert_ids,
            idempotency_key=key,
            stream=stream_of(fallback.name, target, f"fallback:{dead.id}"),
            severity=dead.severity,
            title=escape.one_line(f"[{words.undelivered.format(receiver=dead.receiver)}] {title}"),
            body=escaper(escape.neutralise(note)) + "\n\n" + body,
            body_html=None,
            status="pending",
            attempts=0,
            uncertain=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows
