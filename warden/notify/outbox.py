"""The outbox: one row per message and delivery target, written in the alert's own transaction.

Each row has an idempotency key, so an alert transition enqueued twice (a retry after a crash,
two instances racing) still produces a single message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.config import ReceiverSettings
from warden.store.models import Alert, Notification


def idempotency_key(alert: Alert, kind: str, at: datetime, receiver: str, target: int) -> str:
    stamp = "" if kind in ("firing", "resolved") else at.strftime("%Y%m%dT%H%M%S")
    return f"alert:{alert.id}:{kind}{stamp}:{receiver}:{target}"


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
) -> list[Notification]:
    """Add one pending notification per receiver URL (skipping keys that already exist)."""
    rows = []
    for receiver in receivers:
        for target in range(len(receiver.urls)):
            if alert is not None:
                key = idempotency_key(alert, kind, now, receiver.name, target)
            else:
                key = f"{key_prefix or kind}:{receiver.name}:{target}"
            exists = session.scalar(
                select(Notification.id).where(Notification.idempotency_key == key)
            )
            if exists is not None:
                continue
            row = Notification(
                alert_id=alert.id if alert is not None else None,
                receiver=receiver.name,
                target=target,
                kind=kind,
                idempotency_key=key,
                severity=severity or (alert.severity if alert is not None else "warning"),
                title=title,
                body=body,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            session.add(row)
            rows.append(row)
    session.flush()
    return rows
