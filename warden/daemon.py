"""The long-running service: config, store, sources, scorer, rules and outbox wired to jobs.

Jobs (APScheduler, a thread pool; none overlaps itself):
  poll:<source>  each source at its own interval
  score          score newly stored mentions (inference off the scheduler's thread)
  evaluate       judge every rule, advance alerts, fill the outbox
  dispatch       drain the outbox through apprise
  digests        every minute: put the scheduled digests that are due in the outbox, once each
  rules-watch    reload the rules when a file changes (SIGHUP does the same, and config.yaml)
  prune          hourly, when database.keep_mentions is set: delete older mentions
  heartbeat      on its own thread: proves the scheduler runs (systemd watchdog, /readyz)
The HTTP listener (warden.web: /healthz, /readyz, /metrics, webhook sources) runs beside them.
A database outage is one condition (database.unavailable, then database.recovered), not a
traceback per job. SIGTERM and SIGINT stop cleanly: no new job starts, running jobs finish.
SIGHUP reloads config.yaml and the rules (warden.reconfigure says what applies live).
`warden run` itself (exit statuses, startup errors) is warden.service.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from warden import systemd
from warden.alerts.lifecycle import Transition
from warden.alerts.stage import evaluate_once
from warden.clock import Clock, SystemClock
from warden.config import Config
from warden.entities import matcher_from_settings
from warden.errors import (
    WardenError,
)
from warden.log import (
    adopt_library_loggers,
    get_logger,
)
from warden.notify.announce import BrokenEditAnnouncer
from warden.notify.dispatcher import Dispatcher
from warden.reload import Reloading, files_signature
from warden.report.schedule import enqueue_due
from warden.rules.loader import RuleSet, load_rules
from warden.selfreport import SelfReport
from warden.sentiment.loader import load_scorer
from warden.sentiment.stage import score_pending
from warden.sources.http import HttpFetcher
from warden.sources.poller import poll_source
from warden.sources.registry import build_source, is_polled
from warden.sources.settings import SourceSettings
from warden.store.db import Database, sqlite_file
from warden.store.outage import DatabaseWatch, is_outage
from warden.store.retention import prune
from warden.store.sole import SoleInstanceLock
from warden.web import WebServer
from warden.web.metrics import DaemonMetrics
from warden.web.server import build_web_server

log = get_logger(__name__)

SCORE_BATCH = 512
RULES_WATCH_EVERY = timedelta(seconds=5)
PRUNE_EVERY = timedelta(hours=1)
PRUNE_FIRST_AFTER = timedelta(minutes=5)
HEARTBEAT_EVERY = timedelta(seconds=2)
STATUS_EVERY = timedelta(seconds=30)
DIGESTS_EVERY = timedelta(minutes=1)


class Daemon(SelfReport, Reloading):
    """One Warden instance. `start()` then `wait()`; `stop()` (or a signal) ends it cleanly.

    `config_path` is the file SIGHUP re-reads (without it, a reload re-reads the rules only).
    """

    def __init__(
        self, config: Config, clock: Clock | None = None, config_path: Path | None = None
    ) -> None:
        self.config = config
        self.config_path = config_path
        self.clock = clock or SystemClock()
        self.db = Database(config.database_url, echo=config.database.echo)
        self.stop_event = threading.Event()
        self.ruleset = RuleSet()
        self.rules_loaded = False
        self._rules_signature = ""
        self._reload_lock = threading.Lock()
        self.matcher = matcher_from_settings(config.entities)
        self.http = HttpFetcher()
        self.dispatcher = Dispatcher(
            self.db,
            config.receivers,
            config.notifications,
            self.clock,
            self.entity_timezone,
            observer=self.count_deliveries,
        )
        self.scheduler = BackgroundScheduler(
            executors={
                "default": ThreadPoolExecutor(config.daemon.workers),
                "heartbeat": ThreadPoolExecutor(1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
            timezone="UTC",
        )
        self.scorer: Any = None
        self.web: WebServer | None = None
        self.metrics = DaemonMetrics(self.db, self.clock.now)
        self.db_watch = DatabaseWatch(on_outage=self.metrics.database_outages.inc)
        self.announcer = BrokenEditAnnouncer(self.db, lambda: self.config.receivers, self.clock)
        self.heartbeat_at: float | None = None
        self._polled: dict[str, SourceSettings] = {}
        self._watchdog: threading.Thread | None = None
        self.sole: SoleInstanceLock | None = None

    # -- start-up ---------------------------------------------------------------------------

    def prepare(self) -> None:
        """Everything that must succeed before the first job: schema, model, rules."""
        database = sqlite_file(self.db.url)
        if database is not None:
            self.sole = SoleInstanceLock(database)
            self.sole.acquire()  # WardenError when another daemon runs on this file
        self.db.upgrade()
        log.info("database.ready", url=self.db.safe_url, revision=self.db.current_revision())
        if self.web is not None:  # /healthz and /readyz answer while the model loads
            self._listen(self.web)
        self.ruleset = load_rules(self.config)
        self.rules_loaded = True
        self._rules_signature = files_signature(list(self.ruleset.files))
        log.info("rules.loaded", rules=len(self.ruleset), files=len(self.ruleset.files))
        self.scorer = load_scorer(self.config.sentiment)  # logs sentiment.model_loaded
        adopt_library_loggers()  # transformers installs its own handler when imported

    def start(self) -> None:
        self.web = build_web_server(
            self.config,
            self.db,
            self.matcher,
            self.clock,
            pages={"/readyz": self.readiness_page(), "/metrics": self.metrics.page},
            current=lambda: self.config,
            scorer=lambda: self.scorer,
            rules=lambda: self.ruleset,
        )
        self.web.watch = self.db_watch  # a push that cannot be stored is part of an outage
        self.prepare()
        now = self.clock.now()
        self._sync_poll_jobs(first=now)
        self._add_job("score", self.config.sentiment.interval, self.score_job, first=now)
        self._add_job("evaluate", self.config.rules.evaluate_every, self.evaluate_job)
        self._add_job("dispatch", self.config.notifications.dispatch_every, self.dispatch_job)
        self._add_job("digests", DIGESTS_EVERY, self.digests_job, first=now)
        self._add_job("rules-watch", RULES_WATCH_EVERY, self.watch_rules, writes=False)
        self._add_job("status", STATUS_EVERY, self.status_job, writes=False)
        if self.config.database.keep_mentions is not None:
            self._add_job("prune", PRUNE_EVERY, self.prune_job, first=now + PRUNE_FIRST_AFTER)
        watchdog = systemd.watchdog_interval()
        if watchdog is not None:
            self.stale_after = min(self.stale_after, watchdog)
        beat = min(HEARTBEAT_EVERY, watchdog / 4) if watchdog else HEARTBEAT_EVERY
        self.scheduler.add_job(
            self._beat, "interval", seconds=beat.total_seconds(), id="heartbeat",
            name="heartbeat", executor="heartbeat", next_run_time=now,
        )  # fmt: skip
        self.scheduler.start()
        if watchdog is not None:
            self._watchdog = threading.Thread(
                target=self._watchdog_loop, args=(watchdog,), name="watchdog", daemon=True
            )
            self._watchdog.start()
        log.info(
            "daemon.started",
            sources=[s.name for s in self.config.sources if s.enabled],
            receivers=[r.name for r in self.config.receivers],
            listen=self.web.url,
            watchdog_seconds=watchdog.total_seconds() if watchdog else None,
            pid=os.getpid(),
        )
        systemd.notify("READY=1", systemd.status_line(self.summary()))

    @staticmethod
    def _listen(web: WebServer) -> None:
        try:
            web.start()  # logs web.listening
        except OSError as exc:
            raise WardenError(
                f"cannot listen on {web.host}:{web.requested_port} ({exc.strerror}); "
                "set web.port (or web.host) in config.yaml to a free address"
            ) from None

    def _add_job(
        self,
        name: str,
        every: timedelta,
        func: Callable[[], Any],
        first: Any = None,
        writes: bool = True,
    ) -> None:
        """Schedule `func` every `every`; `writes`: its success proves the database takes writes
        (so it ends a database outage)."""

        def run() -> None:
            if self.stop_event.is_set():
                return
            try:
                func()
            except Exception as exc:  # a failing job is logged; the daemon carries on
                if is_outage(exc):
                    self.db_watch.failed(exc, name)
                    return
                log.error(
                    "job.failed", job=name, error=f"{type(exc).__name__}: {exc}", exc_info=True
                )
            else:
                if writes:
                    self.db_watch.succeeded()

        seconds = max(every.total_seconds(), 0.1)
        # APScheduler pauses a job given next_run_time=None: pass it only when set.
        extra = {"next_run_time": first} if first is not None else {}
        self.scheduler.add_job(
            run, "interval", seconds=seconds, id=name, name=name, replace_existing=True, **extra
        )

    def _sync_poll_jobs(self, first: Any = None, rebuild: bool = False) -> list[str]:
        """Make the poll jobs match config.sources; returns the sources whose job changed."""
        wanted = {s.name: s for s in self.config.sources if s.enabled and is_polled(s)}
        changed = []
        for name in set(self._polled) - set(wanted):
            if self.scheduler.get_job(f"poll:{name}") is not None:
                self.scheduler.remove_job(f"poll:{name}")
            changed.append(name)
        for name, settings in wanted.items():
            if not rebuild and self._polled.get(name) == settings:
                continue
            self._add_job(
                f"poll:{name}",
                settings.interval,
                self._poll_job(settings),
                first=first or self.clock.now(),
            )
            changed.append(name)
        for settings in self.config.sources:
            if not settings.enabled and settings.name not in self._polled:
                log.info("source.disabled", source=settings.name)
        self._polled = wanted
        return sorted(changed)

    # -- jobs -------------------------------------------------------------------------------

    def _poll_job(self, settings: SourceSettings) -> Callable[[], None]:
        source = build_source(settings)
        matcher = self.matcher

        # Instances sharing a PostgreSQL database keep to the interval between them.
        gap = settings.interval / 2 if not self.db.is_sqlite else None

        def poll() -> None:
            outcome = poll_source(
                self.db, source, matcher, self.http, self.clock, settings.interval, min_gap=gap
            )
            if outcome.error is not None:
                self.metrics.poll_errors.labels(settings.name).inc()

        return poll

    def score_job(self) -> None:
        while not self.stop_event.is_set():
            started = time.perf_counter()
            done = score_pending(self.db, self.scorer, self.clock, limit=SCORE_BATCH)
            if done:
                self.metrics.scoring_seconds.observe(time.perf_counter() - started)
                self.metrics.scored.inc(done)
            if done < SCORE_BATCH:
                return

    def evaluate_job(self) -> list[Transition]:
        """One evaluation cycle; returns its alert transitions (what a backtest replays)."""
        with self._reload_lock:
            ruleset, config = self.ruleset, self.config
        with self.metrics.evaluation_seconds.time():
            return evaluate_once(self.db, ruleset, config, self.clock)

    def dispatch_job(self) -> None:
        # Senders work on in the background: a slow receiver does not hold up the next cycle,
        # whose messages to other receivers go out at once.
        # Outcomes reach the metrics through count_deliveries, as each one is recorded.
        self.dispatcher.dispatch_due(wait_for_senders=False)

    def digests_job(self) -> None:
        if self.config.digests:
            enqueue_due(self.db, self.config, self.clock, self.ruleset)

    def prune_job(self) -> None:
        keep = self.config.database.keep_mentions
        if keep is None:
            return
        done = prune(self.db, keep, self.clock.now())
        if done.mentions or done.buckets:
            log.info(
                "store.pruned",
                mentions=done.mentions,
                buckets=done.buckets,
                labelled_kept=done.labelled_kept,
                before=done.cutoff.isoformat(),
            )

    # -- shutdown ---------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        def stop(signum: int, _frame: FrameType | None) -> None:
            log.info("daemon.stopping", signal=signal.Signals(signum).name)
            self.stop_event.set()

        def hup(_signum: int, _frame: FrameType | None) -> None:
            threading.Thread(target=self.reload, name="reload", daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, hup)

    def wait(self) -> None:
        while not self.stop_event.wait(0.5):
            pass

    def stop(self) -> None:
        self.stop_event.set()
        systemd.notify("STOPPING=1", "STATUS=stopping: finishing the jobs in flight")
        if self.web is not None:
            self.web.stop()  # no new pushes; the ones being stored finish
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)  # in-flight jobs finish first
        self.dispatcher.close()  # attempts under way finish; messages not started are freed
        self.http.close()
        self.db.dispose()
        if self.sole is not None:
            self.sole.release()
        log.info("daemon.stopped")
