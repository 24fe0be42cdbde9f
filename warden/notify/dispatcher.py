"""Draining the outbox: lease due messages, send each to its receiver, record the outcome.

A message that cannot be delivered stays in the outbox and is retried with exponential
back-off (capped at `retry_max`) until its receiver's `dead_after`; then it is marked dead and
a copy goes to the receiver's `fallback`. An attempt that may have arrived (no answer within
the receiver's `timeout`, or a crash between sending and recording) is re-sent at most
`uncertain_retries` times, with the same idempotency key, then marked unconfirmed. Messages of
one stream go out in the order they were written; one that fails while a newer message of its
stream has been written is marked superseded instead of retried. Leases let several instances
drain one outbox without sending a message twice.

Receivers are served concurrently, from a bounded pool of sender threads: each receiver URL
has at most one sender at a time, which sends that URL's leased messages one after the other
in the order they were written, so one slow or hanging receiver delays nobody else. A URL
still being served is skipped by the next cycles until its sender is done.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.clock import Clock
from warden.config import NotificationSettings, ReceiverSettings
from warden.log import get_logger
from warden.notify.channels import Channel, channel_for
from warden.notify.charts import draw_charts, embed_charts, marked_alerts, strip_markers
from warden.notify.email import InlineImage
from warden.notify.outbox import enqueue_fallback
from warden.notify.send import Envelope, Outcome, send
from warden.store.db import Database
from warden.store.models import Notification

log = get_logger(__name__)

LEASE_MARGIN = timedelta(seconds=5)
SENDERS = 8
"""Most receiver URLs served at once (threads of one dispatcher)."""
_Leased = tuple[int, datetime | None]  # a leased message: its id and the lease it was given


@dataclass
class DispatchReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    unconfirmed: int = 0

    def add(self, other: DispatchReport) -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.dead += other.dead
        self.unconfirmed += other.unconfirmed


def retry_delay(attempts: int, settings: NotificationSettings) -> timedelta:
    """Back-off after `attempts` failures: initial × 2^(n-1), at most retry_max."""
    delay: timedelta = settings.retry_initial * (2 ** max(0, min(attempts - 1, 20)))
    return min(delay, settings.retry_max)


def lease_for(receiver: ReceiverSettings | None) -> timedelta:
    """How long a message is reserved for one attempt: twice the receiver's timeout, plus a
    margin. A lease that runs out unrecorded means the sender died mid-attempt."""
    timeout = receiver.timeout if receiver is not None else timedelta(seconds=10)
    return timeout * 2 + LEASE_MARGIN


class Dispatcher:
    """Sends due outbox messages to their receivers; safe to run from several instances."""

    def __init__(
        self,
        db: Database,
        receivers: Sequence[ReceiverSettings],
        settings: NotificationSettings,
        clock: Clock,
        entity_timezone: Callable[[str], str] | None = None,
        observer: Callable[[DispatchReport], None] | None = None,
    ) -> None:
        """``entity_timezone``: an entity's IANA zone (``Config.timezone_of``), the clock of
        the baselines the charts of e-mails show; UTC for every entity without it.
        ``observer``: told of each outcome as soon as it is recorded, from the sender's thread
        (the daemon's metrics), even after this dispatcher is retired by a reload."""
        self.db = db
        self.receivers = {r.name: r for r in receivers}
        self.settings = settings
        self.clock = clock
        self.entity_timezone = entity_timezone
        self.observer = observer
        self.owner = f"{socket.gethostname()}:{os.getpid()}"
        self._pool = ThreadPoolExecutor(SENDERS, thread_name_prefix="warden-send")
        self._lock = threading.Lock()
        self._busy: set[tuple[str, int]] = set()  # (receiver, URL index) with a sender at work
        self._done = DispatchReport()  # outcomes not reported yet
        self._closing = threading.Event()

    def _blocked(self, session: Session, row: Notification) -> bool:
        """An older message of the same stream is still to go (or going) first."""
        if row.stream is None:
            return False
        older = session.scalar(
            select(Notification.id)
            .where(
                Notification.stream == row.stream,
                Notification.status == "pending",
                Notification.id < row.id,
            )
            .limit(1)
        )
        return older is not None

    def _replaced(self, session: Session, row: Notification) -> bool:
        """A newer message of the same stream exists (it supersedes this one)."""
        if row.stream is None:
            return False
        newer = session.scalar(
            select(Notification.id)
            .where(Notification.stream == row.stream, Notification.id > row.id)
            .limit(1)
        )
        return newer is not None

    def _lease(self, limit: int, report: DispatchReport) -> dict[tuple[str, int], list[_Leased]]:
        """Lease due messages of receiver URLs no sender is serving, per URL, oldest first.
        The n-th message of a URL is leased for n attempts: it waits for those before it."""
        now = self.clock.now()
        leased: dict[tuple[str, int], list[_Leased]] = {}
        with self._lock:
            busy = set(self._busy)
        with self.db.session() as session:
            query = (
                select(Notification)
                .where(Notification.status == "pending", Notification.next_attempt_at <= now)
                .order_by(Notification.id)
                .limit(limit)
            )
            if not self.db.is_sqlite:
                query = query.with_for_update(skip_locked=True)
            for row in session.scalars(query):
                if row.lease_until is not None and row.lease_until >= now:
                    continue  # another attempt is under way
                receiver = self.receivers.get(row.receiver)
                if row.lease_until is not None:
                    # Leased, never recorded: the sender stopped between send and record.
                    row.lease_until = None
                    log.warning(
                        "notify.interrupted",
                        receiver=row.receiver,
                        alert=row.alert_id,
                        kind=row.kind,
                        uncertain=(row.uncertain or 0) + 1,
                    )
                    if self._uncertain(row, receiver, "stopped while sending", now, report):
                        continue
                if self._past_deadline(session, row, receiver, now, report):
                    continue
                target = (row.receiver, row.target)
                if target in busy or self._blocked(session, row):
                    continue
                queue = leased.setdefault(target, [])
                row.lease_until = now + lease_for(receiver) * (len(queue) + 1)
                queue.append((row.id, row.lease_until))
        return leased

    def _uncertain(
        self,
        row: Notification,
        receiver: ReceiverSettings | None,
        why: str,
        now: datetime,
        report: DispatchReport,
    ) -> bool:
        """Count an attempt that may have arrived; True when the cap is reached (no resend)."""
        row.uncertain = (row.uncertain or 0) + 1
        cap = receiver.uncertain_retries if receiver is not None else 0
        if row.uncertain <= cap:
            return False
        row.status = "unconfirmed"
        row.last_error = (
            f"{why}; may have arrived, not re-sent ({row.uncertain} uncertain attempts)"
        )
        report.unconfirmed += 1
        log.warning(
            "notify.unconfirmed",
            receiver=row.receiver,
            alert=row.alert_id,
            kind=row.kind,
            uncertain=row.uncertain,
            error=row.last_error,
        )
        return True

    def _past_deadline(
        self,
        session: Session,
        row: Notification,
        receiver: ReceiverSettings | None,
        now: datetime,
        report: DispatchReport,
    ) -> bool:
        deadline = receiver.dead_after if receiver is not None else None
        if deadline is None or now - row.created_at < deadline or row.attempts == 0:
            return False
        row.status = "dead"
        report.dead += 1
        fallback = self.receivers.get(receiver.fallback or "") if receiver is not None else None
        if fallback is not None and fallback.name != row.receiver:
            enqueue_fallback(session, row, fallback, now, receiver)
        log.error(
            "notify.dead",
            receiver=row.receiver,
            alert=row.alert_id,
            kind=row.kind,
            attempts=row.attempts,
            error=row.last_error,
            fallback=fallback.name if fallback is not None else None,
        )
        return True

    def dispatch_due(self, limit: int = 100, wait_for_senders: bool = True) -> DispatchReport:
        """Lease due messages and hand each receiver URL's to a sender thread.

        With `wait_for_senders` (tests, one-off commands) it returns once they are all sent or
        failed; the daemon passes False and lets the senders work while it goes on. Returns
        the outcomes recorded since the last call (so none is counted twice or lost).
        """
        if self._closing.is_set():
            return self._take(DispatchReport())
        report = DispatchReport()
        leased = self._lease(limit, report)
        self._observe(report)
        futures: list[Future[None]] = []
        with self._lock:
            self._busy.update(leased)
        for target, ids in leased.items():
            futures.append(self._pool.submit(self._serve, target, ids))
        if wait_for_senders:
            wait(futures)
        return self._take(report)

    def _take(self, report: DispatchReport) -> DispatchReport:
        with self._lock:
            report.add(self._done)
            self._done = DispatchReport()
        return report

    def _serve(self, target: tuple[str, int], leased: list[_Leased]) -> None:
        """Send one receiver URL's leased messages in order, recording each as it ends."""
        try:
            for n, (row_id, lease) in enumerate(leased):
                if self._closing.is_set():
                    self._release(leased[n:])
                    return
                row = self._current(row_id, lease)
                if row is None:
                    continue
                report = DispatchReport()
                self._record(row_id, self._deliver(row), report)
                with self._lock:
                    self._done.add(report)
                self._observe(report)
        except Exception as exc:  # a sender must never die silently with URLs marked busy
            log.error(
                "notify.sender_failed",
                receiver=target[0],
                target=target[1],
                error=f"{type(exc).__name__}: {exc}",
                exc_info=True,
            )
        finally:
            with self._lock:
                self._busy.discard(target)

    def _observe(self, report: DispatchReport) -> None:
        if self.observer is not None and (report.sent or report.failed or report.dead):
            self.observer(report)

    def _current(self, row_id: int, lease: datetime | None) -> Notification | None:
        """The leased message as stored now; None when it is no longer ours to send (sent,
        superseded, or leased again by another instance since)."""
        with self.db.session() as session:
            row = session.get(Notification, row_id)
            if row is None or row.status != "pending" or row.lease_until != lease:
                return None
            session.expunge(row)
            return row

    def _release(self, leased: list[_Leased]) -> None:
        """Give back leased messages not attempted (shutting down): free for the next sender,
        not counted as interrupted attempts."""
        with self.db.session() as session:
            for row_id, lease in leased:
                row = session.get(Notification, row_id)
                if row is not None and row.status == "pending" and row.lease_until == lease:
                    row.lease_until = None

    def close(self, wait_for_senders: bool = True) -> None:
        """Stop taking messages: senders finish the attempt under way, give back the messages
        they had not started, and end. Called on shutdown and when a reload replaces it."""
        self._closing.set()
        self._pool.shutdown(wait=wait_for_senders)

    def _record(self, row_id: int, outcome: Outcome, report: DispatchReport) -> None:
        now = self.clock.now()
        with self.db.session() as session:
            stored = session.get(Notification, row_id)
            if stored is None:
                return
            stored.attempts += 1
            stored.lease_until = None
            fields = {
                "receiver": stored.receiver,
                "target": stored.target,
                "alert": stored.alert_id,
                "kind": stored.kind,
                "attempts": stored.attempts,
            }
            if outcome.error is None:
                stored.status = "sent"
                stored.sent_at = now
                stored.last_error = None
                report.sent += 1
                log.info("notify.sent", **fields)
                return
            stored.last_error = outcome.error
            receiver = self.receivers.get(stored.receiver)
            if outcome.uncertain and self._uncertain(stored, receiver, outcome.error, now, report):
                return
            if self._replaced(session, stored):
                # A newer message of its stream was written while this one was being tried:
                # that one says what is true now; this one is not sent late.
                stored.status = "superseded"
                stored.last_error = f"a newer message replaced it before delivery ({outcome.error})"
                report.failed += 1
                log.info("notify.superseded", **fields, error=outcome.error)
                return
            stored.next_attempt_at = now + retry_delay(stored.attempts, self.settings)
            report.failed += 1
            log.warning(
                "notify.failed",
                **fields,
                error=outcome.error,
                uncertain=outcome.uncertain,
                retry_at=stored.next_attempt_at.isoformat(),
            )

    def _deliver(self, row: Notification) -> Outcome:
        receiver = self.receivers.get(row.receiver)
        if receiver is None:
            return Outcome(f"receiver {row.receiver!r} is not in config.yaml any more")
        if row.target >= len(receiver.urls):
            return Outcome(f"receiver {row.receiver!r} has no URL number {row.target + 1} any more")
        url = receiver.urls[row.target]
        channel = channel_for(url, receiver.kind)
        html, images = self._with_charts(row.body_html, channel, receiver)
        envelope = Envelope(
            title=row.title,
            body=row.body,
            html=html,
            severity=row.severity,
            kind=row.kind,
            idempotency_key=row.idempotency_key,
            images=images,
        )
        return send(url, channel, envelope, receiver.timeout.total_seconds())

    def _with_charts(
        self, html: str | None, channel: Channel, receiver: ReceiverSettings
    ) -> tuple[str | None, tuple[InlineImage, ...]]:
        """The HTML with the charts it marks drawn now and carried inline (e-mail), or without
        the markers (other channels). A chart that fails is left out: the message goes."""
        if html is None:
            return None, ()
        wanted = marked_alerts(html)
        if not wanted or channel.kind != "email":
            return strip_markers(html), ()
        drawn = draw_charts(
            self.db,
            wanted,
            self.clock.now(),
            receiver.language,
            receiver.timezone,
            self.entity_timezone,
            receiver.name,
        )
        return embed_charts(html, drawn)

    def pending_count(self) -> int:
        with self.db.session() as session:
            rows = session.scalars(select(Notification.id).where(Notification.status == "pending"))
            return len(list(rows))
