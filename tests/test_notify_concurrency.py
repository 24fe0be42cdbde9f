"""Receivers are served concurrently: a slow or hanging receiver delays nobody else, while each
receiver still gets its messages one after the other, in order, and leases keep holding.

Two real HTTP receivers on 127.0.0.1, one answering after seconds; what reached which server
before what is read from the servers' own clocks, never from how long a call took."""

from __future__ import annotations

from pathlib import Path

from alerting_helpers import AT, RULE, add_alert, config_with, ruleset
from service_helpers import until
from webhook_server import WebhookServer

from warden.alerts.pipeline import notify
from warden.clock import SimulatedClock
from warden.config import Config
from warden.notify.dispatcher import Dispatcher
from warden.store.db import Database
from warden.store.models import Notification

SLOW = 3.0  # seconds the slow receiver takes to answer


def _config(tmp_path: Path, slow: WebhookServer, fast: WebhookServer) -> Config:
    return config_with(
        tmp_path,
        [
            {"name": "slow", "urls": [slow.json_url("/slow")], "timeout": "20s"},
            {"name": "fast", "urls": [fast.json_url("/fast")]},
        ],
        group_wait="0s",
    )


def _alerts(db: Database, config: Config, *entities: str) -> None:
    """One alert per entity, each its own group: a message per receiver and entity."""
    for entity in entities:
        add_alert(db, labels={"entity": entity}, at=AT)
    with db.session() as session:
        notify(session, ruleset(RULE), config, AT)


def _keys(db: Database, receiver: str) -> list[str]:
    """Idempotency keys of a receiver's messages, in the order they were written."""
    with db.session() as session:
        rows = session.query(Notification).filter_by(receiver=receiver).order_by(Notification.id)
        return [r.idempotency_key for r in rows]


def test_a_slow_receiver_delays_nobody_else_and_keeps_its_order(
    tmp_path: Path, db: Database
) -> None:
    with WebhookServer(delay=SLOW) as slow, WebhookServer() as fast:
        config = _config(tmp_path, slow, fast)
        _alerts(db, config, "Acme", "Beta")
        dispatcher = Dispatcher(db, config.receivers, config.notifications, SimulatedClock(AT))
        report = dispatcher.dispatch_due()
        dispatcher.close()
    assert report.sent == 4 and report.failed == 0
    # Both of the fast receiver's messages reached it before the slow one answered its first.
    assert len(fast.received) == 2 and len(slow.received) == 2
    assert max(r.at for r in fast.received) < slow.answered[0]
    # The slow receiver got its messages one at a time, in the order they were written.
    _, second = slow.received
    assert second.at >= slow.answered[0]
    assert [r.headers["idempotency-key"] for r in slow.received] == _keys(db, "slow")
    with db.session() as session:
        rows = session.query(Notification).all()
        assert {r.status for r in rows} == {"sent"} and {r.attempts for r in rows} == {1}
        assert all(r.lease_until is None for r in rows)


def test_the_daemon_does_not_wait_for_a_slow_receiver_between_cycles(
    tmp_path: Path, sqlite_db: Database
) -> None:
    """Cycles that do not wait for their senders: while the slow receiver's first message is
    in flight, a later message to the fast one goes out at the next cycle; the slow one's
    leased messages are neither sent twice nor taken as interrupted."""
    with WebhookServer(delay=SLOW) as slow, WebhookServer() as fast:
        config = _config(tmp_path, slow, fast)
        _alerts(sqlite_db, config, "Acme", "Beta")
        dispatcher = Dispatcher(
            sqlite_db, config.receivers, config.notifications, SimulatedClock(AT)
        )
        reports = [dispatcher.dispatch_due(wait_for_senders=False)]
        slow.wait_for(1)
        fast.wait_for(2)
        _alerts(sqlite_db, config, "Gamma")  # written while the slow receiver still answers
        reports.append(dispatcher.dispatch_due(wait_for_senders=False))
        fast.wait_for(3)
        with sqlite_db.session() as session:
            waiting = (
                session.query(Notification)
                .filter_by(receiver="slow", status="pending")
                .order_by(Notification.id)
            )
            # The first two are its sender's (leased); Gamma's waits for that sender to be free.
            assert [r.lease_until is not None for r in waiting] == [True, True, False]

        def cycle() -> bool:  # the daemon's dispatch job, every few tenths of a second
            reports.append(dispatcher.dispatch_due(wait_for_senders=False))
            return len(slow.answered) == 3

        until(cycle, timeout=5 * SLOW)
        dispatcher.close()
        reports.append(dispatcher.dispatch_due())
    assert fast.received[2].at < slow.answered[0]
    assert [r.headers["idempotency-key"] for r in slow.received] == _keys(sqlite_db, "slow")
    assert [r.headers["idempotency-key"] for r in fast.received] == _keys(sqlite_db, "fast")
    assert sum(r.sent for r in reports) == 6 and sum(r.failed for r in reports) == 0
    with sqlite_db.session() as session:
        rows = session.query(Notification).all()
        assert len(rows) == 6 and {r.status for r in rows} == {"sent"}
        assert {r.attempts for r in rows} == {1} and {r.uncertain or 0 for r in rows} == {0}


def test_shutdown_finishes_the_attempt_under_way_and_frees_the_rest(
    tmp_path: Path, sqlite_db: Database
) -> None:
    with WebhookServer(delay=SLOW) as slow, WebhookServer() as fast:
        config = _config(tmp_path, slow, fast)
        _alerts(sqlite_db, config, "Acme", "Beta")
        dispatcher = Dispatcher(
            sqlite_db, config.receivers, config.notifications, SimulatedClock(AT)
        )
        dispatcher.dispatch_due(wait_for_senders=False)
        slow.wait_for(1)
        dispatcher.close()  # returns once the slow receiver's first attempt is recorded
        assert len(slow.answered) == 1 and len(slow.received) == 1
    with sqlite_db.session() as session:
        rows = session.query(Notification).filter_by(receiver="slow").order_by(Notification.id)
        first, second = rows.all()
        assert first.status == "sent" and first.attempts == 1
        # Not started: back in the outbox as it was, for the next start (not "interrupted").
        assert second.status == "pending" and second.attempts == 0
        assert second.lease_until is None and not second.uncertain
