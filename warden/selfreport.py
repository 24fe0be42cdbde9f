"""What a running daemon says about itself: STATUS= line, /readyz checks, systemd watchdog.

`SelfReport` is mixed into `warden.daemon.Daemon`; it reads the daemon's state and never
changes it. The heartbeat job (on its own executor) proves the scheduler still dispatches
jobs; the watchdog thread pings WATCHDOG=1 only while that heartbeat is fresh, so a stuck
scheduler gets the service restarted by systemd.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select, text

from warden import systemd
from warden.config import Config
from warden.log import get_logger
from warden.rules.loader import RuleSet
from warden.store.db import Database
from warden.store.models import Alert, Mention, Notification
from warden.store.outage import DatabaseWatch, is_outage
from warden.web.metrics import DaemonMetrics
from warden.web.readiness import readiness_page

log = get_logger(__name__)

STALE_HEARTBEAT = timedelta(seconds=30)
"""/readyz calls the scheduler stuck when its heartbeat is older than this."""


class SelfReport:
    """Status, readiness and watchdog of a `Daemon` (see there for the attributes)."""

    config: Config
    db: Database
    db_watch: DatabaseWatch
    metrics: DaemonMetrics
    ruleset: RuleSet
    rules_loaded: bool
    scheduler: BackgroundScheduler
    scorer: Any
    stop_event: threading.Event
    heartbeat_at: float | None
    stale_after: timedelta = STALE_HEARTBEAT
    """Heartbeat age past which the scheduler counts as stuck (WatchdogSec= when it is set)."""

    def status_job(self) -> None:
        systemd.notify(systemd.status_line(self.summary()))

    def _beat(self) -> None:
        self.heartbeat_at = time.monotonic()

    def _watchdog_loop(self, interval: timedelta) -> None:
        """Ping WATCHDOG=1 while the scheduler's heartbeat is fresh; stop when it is stuck."""
        period = interval.total_seconds() / 2
        stale_after = interval.total_seconds()
        while not self.stop_event.wait(period):
            beat = self.heartbeat_at
            if beat is not None and time.monotonic() - beat < stale_after:
                systemd.notify("WATCHDOG=1")
            else:
                log.error(
                    "daemon.stuck",
                    heartbeat_age=None if beat is None else round(time.monotonic() - beat, 1),
                    action="no WATCHDOG=1: systemd will restart",
                )

    def summary(self) -> str:
        """One line for systemd's STATUS=: sources, firing alerts, backlog, outbox, database."""
        sources = sum(1 for s in self.config.sources if s.enabled)
        try:
            with self.db.session() as session:
                firing = session.scalar(select(func.count()).where(Alert.state == "firing"))
                backlog = session.scalar(select(func.count()).where(Mention.scored.is_(False)))
                outbox = session.scalar(
                    select(func.count()).where(Notification.status == "pending")
                )
        except Exception as exc:
            if is_outage(exc):
                return f"{sources} sources; database unavailable, retrying"
            raise
        line = (
            f"{sources} sources, {len(self.ruleset)} rules; {firing} firing; "
            f"scoring backlog {backlog}; outbox {outbox}"
        )
        return line if self.db_watch.up else line + f"; database unavailable: {self.db_watch.error}"

    def readiness_page(self) -> Callable[[], tuple[int, str, bytes]]:
        def database() -> str | None:
            if not self.db_watch.up:
                return f"database unavailable: {self.db_watch.error}"
            with self.db.session() as session:
                session.execute(text("SELECT 1"))
            return None

        def model() -> str | None:
            return None if self.scorer is not None else "sentiment model not loaded yet"

        def scheduler() -> str | None:
            if not self.scheduler.running:
                return "scheduler not running"
            beat = self.heartbeat_at
            if beat is None:
                return "scheduler has not run a job yet"
            age = time.monotonic() - beat
            if age > self.stale_after.total_seconds():
                return f"scheduler stuck: no heartbeat for {age:.0f}s"
            return None

        def rules() -> str | None:
            return None if self.rules_loaded else "rules not loaded yet"

        checks = {"database": database, "model": model, "scheduler": scheduler, "rules": rules}
        return readiness_page(checks, on_result=lambda ok: self.metrics.ready.set(int(ok)))

    def summary_or_reason(self) -> str:
        try:
            return self.summary()
        except Exception as exc:
            return f"running; status unavailable ({type(exc).__name__})"
