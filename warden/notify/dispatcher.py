"""Draining the outbox: lease due messages, send them through apprise, record the outcome.

A message that cannot be delivered stays in the outbox and is retried with exponential
back-off (capped at `retry_max`), for as long as it takes: it is never dropped. Leases let
several instances drain one outbox without sending a message twice.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import apprise
from sqlalchemy import or_, select

from warden.clock import Clock
from warden.config import NotificationSettings, ReceiverSettings
from warden.log import get_logger, mask_secrets
from warden.notify.local_schemas import register_local_schemas
from warden.store.db import Database
from warden.store.models import Notification

log = get_logger(__name__)

LEASE = timedelta(minutes=2)
_NOTIFY_TYPES = {
    "critical": apprise.NotifyType.FAILURE,
    "warning": apprise.NotifyType.WARNING,
    "info": apprise.NotifyType.INFO,
}


@dataclass
class DispatchReport:
    sent: int = 0
    failed: int = 0


def retry_delay(attempts: int, settings: NotificationSettings) -> timedelta:
    """Back-off after `attempts` failures: initial × 2^(n-1), at most retry_max."""
    delay: timedelta = settings.retry_initial * (2 ** max(0, min(attempts - 1, 20)))
    return min(delay, settings.retry_max)


def send_one(url: str, title: str, body: str, severity: str, kind: str) -> str | None:
    """Deliver through apprise; None on success, else the reason (secrets masked)."""
    register_local_schemas()
    target = apprise.Apprise()
    if not target.add(url):
        return "not a valid apprise URL (check the scheme and its parameters)"
    notify_type = (
        apprise.NotifyType.SUCCESS
        if kind == "resolved"
        else _NOTIFY_TYPES.get(severity, apprise.NotifyType.INFO)
    )
    with apprise.LogCapture(level=logging.WARNING) as captured:  # type: ignore[no-untyped-call]
        ok = bool(target.notify(title=title, body=body, notify_type=notify_type))
    if ok:
        return None
    reason = " ".join(str(captured.getvalue()).split())[-500:] or "delivery failed"
    return mask_secrets(reason)


class Dispatcher:
    """Sends due outbox messages to their receivers; safe to run from several instances."""

    def __init__(
        self,
        db: Database,
        receivers: Sequence[ReceiverSettings],
        settings: NotificationSettings,
        clock: Clock,
    ) -> None:
        self.db = db
        self.receivers = {r.name: r for r in receivers}
        self.settings = settings
        self.clock = clock
        self.owner = f"{socket.gethostname()}:{os.getpid()}"

    def _lease(self, limit: int) -> list[Notification]:
        now = self.clock.now()
        with self.db.session() as session:
            query = (
                select(Notification)
                .where(
                    Notification.status == "pending",
                    Notification.next_attempt_at <= now,
                    or_(Notification.lease_until.is_(None), Notification.lease_until < now),
                )
                .order_by(Notification.next_attempt_at, Notification.id)
                .limit(limit)
            )
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            rows = list(session.scalars(query))
            for row in rows:
                row.lease_until = now + LEASE
            return rows

    def dispatch_due(self, limit: int = 100) -> DispatchReport:
        report = DispatchReport()
        for row in self._lease(limit):
            error = self._deliver(row)
            now = self.clock.now()
            with self.db.session() as session:
                stored = session.get(Notification, row.id)
                if stored is None:
                    continue
                stored.attempts += 1
                stored.lease_until = None
                if error is None:
                    stored.status = "sent"
                    stored.sent_at = now
                    stored.last_error = None
                    report.sent += 1
                    log.info(
                        "notify.sent",
                        receiver=row.receiver,
                        target=row.target,
                        alert=row.alert_id,
                        kind=row.kind,
                        attempts=stored.attempts,
                    )
                else:
                    delay = retry_delay(stored.attempts, self.settings)
                    stored.next_attempt_at = now + delay
                    stored.last_error = error
                    report.failed += 1
                    log.warning(
                        "notify.failed",
                        receiver=row.receiver,
                        target=row.target,
                        alert=row.alert_id,
                        kind=row.kind,
                        attempts=stored.attempts,
                        error=error,
                        retry_at=stored.next_attempt_at.isoformat(),
                    )
        return report

    def _deliver(self, row: Notification) -> str | None:
        receiver = self.receivers.get(row.receiver)
        if receiver is None:
            return f"receiver {row.receiver!r} is not in config.yaml any more"
        if row.target >= len(receiver.urls):
            return f"receiver {row.receiver!r} has no URL number {row.target + 1} any more"
        try:
            return send_one(receiver.urls[row.target], row.title, row.body, row.severity, row.kind)
        except Exception as exc:  # a broken plugin must not stop the other messages
            return mask_secrets(f"{type(exc).__name__}: {exc}")

    def pending_count(self) -> int:
        with self.db.session() as session:
            rows = session.scalars(select(Notification.id).where(Notification.status == "pending"))
            return len(list(rows))
