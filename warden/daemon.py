"""The long-running service: config, store, sources, scorer, rules and outbox wired to jobs.

Jobs (APScheduler, a thread pool; none overlaps itself):
  poll:<source>  each source at its own interval
  score          score newly stored mentions (inference off the scheduler's thread)
  evaluate       judge every rule, advance alerts, fill the outbox
  dispatch       drain the outbox through apprise
  rules-watch    reload the rules when a file changes (SIGHUP does the same)
  prune          hourly, when database.keep_mentions is set: delete older mentions
Webhook sources are served by an HTTP server started beside the scheduler.
SIGTERM and SIGINT stop cleanly: no new job starts, running jobs finish, then Warden exits.
"""

from __future__ import annotations

import functools
import hashlib
import os
import signal
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from warden.alerts.lifecycle import Transition
from warden.alerts.stage import evaluate_once
from warden.clock import Clock, SystemClock
from warden.config import Config, load_config
from warden.entities import matcher_from_settings
from warden.errors import ConfigError
from warden.log import configure_logging, get_logger
from warden.notify.dispatcher import Dispatcher
from warden.notify.outbox import enqueue
from warden.rules.loader import RuleSet, load_rules, rule_files
from warden.sentiment.loader import load_scorer
from warden.sentiment.stage import score_pending
from warden.sources.http import HttpFetcher
from warden.sources.poller import poll_source
from warden.sources.registry import build_source, is_polled
from warden.store.db import Database
from warden.store.retention import prune
from warden.web import WebServer, build_push_server

log = get_logger(__name__)

SCORE_BATCH = 512
RULES_WATCH_EVERY = timedelta(seconds=5)
PRUNE_EVERY = timedelta(hours=1)
PRUNE_FIRST_AFTER = timedelta(minutes=5)


def sd_notify(message: str) -> None:
    """Tell systemd (Type=notify) about readiness and shutdown; a no-op elsewhere."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(message.encode(), address)
    except OSError:
        pass


def _files_signature(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}\n".encode())
    return digest.hexdigest()


class Daemon:
    """One Warden instance. `start()` then `wait()`; `stop()` (or a signal) ends it cleanly."""

    def __init__(self, config: Config, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.db = Database(config.database_url, echo=config.database.echo)
        self.stop_event = threading.Event()
        self.ruleset = RuleSet()
        self._rules_signature = ""
        self._reload_lock = threading.Lock()
        self.matcher = matcher_from_settings(config.entities)
        self.http = HttpFetcher()
        self.dispatcher = Dispatcher(self.db, config.receivers, config.notifications, self.clock)
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(config.daemon.workers)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
            timezone="UTC",
        )
        self.scorer: Any = None
        self.web: WebServer | None = None

    # -- start-up ---------------------------------------------------------------------------

    def prepare(self) -> None:
        """Everything that must succeed before the first job: schema, model, rules."""
        self.db.upgrade()
        log.info("database.ready", url=self.db.safe_url, revision=self.db.current_revision())
        self.ruleset = load_rules(self.config)
        self._rules_signature = _files_signature(list(self.ruleset.files))
        log.info("rules.loaded", rules=len(self.ruleset), files=len(self.ruleset.files))
        self.scorer = load_scorer(self.config.sentiment)  # logs sentiment.model_loaded

    def start(self) -> None:
        self.prepare()
        now = self.clock.now()
        for settings in self.config.sources:
            if not settings.enabled:
                log.info("source.disabled", source=settings.name)
                continue
            if not is_polled(settings):
                continue  # push sources are served by the web server
            self._add_job(
                f"poll:{settings.name}",
                settings.interval,
                functools.partial(
                    poll_source,
                    self.db,
                    build_source(settings),
                    self.matcher,
                    self.http,
                    self.clock,
                    settings.interval,
                ),
                first=now,
            )
        self._add_job("score", self.config.sentiment.interval, self.score_job, first=now)
        self._add_job("evaluate", self.config.rules.evaluate_every, self.evaluate_job)
        self._add_job("dispatch", self.config.notifications.dispatch_every, self.dispatch_job)
        self._add_job("rules-watch", RULES_WATCH_EVERY, self.watch_rules)
        if self.config.database.keep_mentions is not None:
            self._add_job("prune", PRUNE_EVERY, self.prune_job, first=now + PRUNE_FIRST_AFTER)
        self.web = build_push_server(self.config, self.db, self.matcher, self.clock)
        if self.web is not None:
            self.web.start()  # logs web.listening
        self.scheduler.start()
        log.info(
            "daemon.started",
            sources=[s.name for s in self.config.sources if s.enabled],
            receivers=[r.name for r in self.config.receivers],
            pid=os.getpid(),
        )
        sd_notify("READY=1\nSTATUS=watching")

    def _add_job(
        self, name: str, every: timedelta, func: Callable[[], Any], first: Any = None
    ) -> None:
        def run() -> None:
            if self.stop_event.is_set():
                return
            try:
                func()
            except Exception as exc:  # a failing job is logged; the daemon carries on
                log.error(
                    "job.failed", job=name, error=f"{type(exc).__name__}: {exc}", exc_info=True
                )

        seconds = max(every.total_seconds(), 0.1)
        # APScheduler pauses a job given next_run_time=None: pass it only when set.
        extra = {"next_run_time": first} if first is not None else {}
        self.scheduler.add_job(run, "interval", seconds=seconds, id=name, name=name, **extra)

    # -- jobs -------------------------------------------------------------------------------

    def score_job(self) -> None:
        while not self.stop_event.is_set():
            done = score_pending(self.db, self.scorer, self.clock, limit=SCORE_BATCH)
            if done < SCORE_BATCH:
                return

    def evaluate_job(self) -> list[Transition]:
        """One evaluation cycle; returns its alert transitions (what a backtest replays)."""
        with self._reload_lock:
            ruleset = self.ruleset
        return evaluate_once(self.db, ruleset, self.config, self.clock)

    def dispatch_job(self) -> None:
        self.dispatcher.dispatch_due()

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

    def watch_rules(self) -> None:
        try:
            files = rule_files(self.config.rules_dir)
        except ConfigError:
            files = []
        signature = _files_signature(files)
        if signature != self._rules_signature:
            self.reload_rules(reason="file change")

    def reload_rules(self, reason: str = "SIGHUP") -> bool:
        """Swap in the rules folder's current rules; keep the old set if any file is broken."""
        with self._reload_lock:
            try:
                files = rule_files(self.config.rules_dir)
                self._rules_signature = _files_signature(files)
                ruleset = load_rules(self.config, files)
            except ConfigError as exc:
                log.error(
                    "rules.reload_failed",
                    reason=reason,
                    problems=exc.problems,
                    kept_rules=len(self.ruleset),
                )
                self._report_broken_rules(exc.problems)
                return False
            self.ruleset = ruleset
        log.info("rules.reloaded", reason=reason, rules=len(ruleset), files=len(ruleset.files))
        return True

    def _report_broken_rules(self, problems: list[str]) -> None:
        targets = [r for r in self.config.receivers if "warning" in r.severities]
        if not targets:
            return
        digest = hashlib.sha256("\n".join(problems).encode()).hexdigest()[:16]
        body = (
            "A rule file edit could not be loaded; Warden keeps running the last good rules.\n\n"
            + "\n".join(problems)
            + "\n\nFix the file; Warden reloads it by itself (or send SIGHUP)."
        )
        with self.db.session() as session:
            enqueue(
                session,
                None,
                "system",
                targets,
                "[WARDEN] rule files have errors; previous rules kept",
                body,
                self.clock.now(),
                severity="warning",
                key_prefix=f"rules-broken:{digest}",
            )

    # -- shutdown ---------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        def stop(signum: int, _frame: FrameType | None) -> None:
            log.info("daemon.stopping", signal=signal.Signals(signum).name)
            self.stop_event.set()

        def hup(_signum: int, _frame: FrameType | None) -> None:
            threading.Thread(target=self.reload_rules, name="rules-reload", daemon=True).start()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGHUP, hup)

    def wait(self) -> None:
        while not self.stop_event.wait(0.5):
            pass

    def stop(self) -> None:
        self.stop_event.set()
        sd_notify("STOPPING=1")
        if self.web is not None:
            self.web.stop()  # no new pushes; the ones being stored finish
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)  # in-flight jobs finish first
        self.http.close()
        self.db.dispose()
        log.info("daemon.stopped")


def run_daemon(config_path: Path) -> int:
    """`warden run`: load config, start, block until a signal, stop cleanly."""
    config = load_config(config_path)
    configure_logging(config.logging.level, config.logging.format)
    daemon = Daemon(config)
    daemon.install_signal_handlers()
    try:
        daemon.start()
    except BaseException:
        daemon.stop_event.set()
        daemon.http.close()
        raise
    try:
        daemon.wait()
    finally:
        daemon.stop()
    return 0
