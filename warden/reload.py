"""Reloading a running daemon: the rules when a file changes, config.yaml and rules on SIGHUP.

`Reloading` is mixed into `warden.daemon.Daemon`. A reload validates everything first and
swaps the new snapshot in whole; an invalid edit keeps what runs and is announced to the
receivers once per new broken state (and its repair once). What applies live and what needs
a restart is decided by `warden.reconfigure.compare`.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from warden import systemd
from warden.clock import Clock
from warden.config import Config, load_config
from warden.entities import EntityMatcher, matcher_from_settings
from warden.errors import ConfigError
from warden.log import configure_logging, get_logger
from warden.notify.announce import BrokenEditAnnouncer
from warden.notify.dispatcher import Dispatcher, DispatchReport
from warden.reconfigure import compare
from warden.rules.loader import RuleSet, load_rules, rule_files
from warden.store.db import Database
from warden.web import WebServer
from warden.web.metrics import DaemonMetrics
from warden.web.server import health_report, webhook_endpoints

log = get_logger(__name__)


def files_signature(paths: list[Path]) -> str:
    """A digest of the files' paths, sizes and modification times (changes when one is edited)."""
    digest = hashlib.sha256()
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            continue
        digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}\n".encode())
    return digest.hexdigest()


class Reloading:
    """Rule and config reloads of a `Daemon` (see there for the attributes)."""

    config: Config
    config_path: Path | None
    clock: Clock
    db: Database
    matcher: EntityMatcher
    dispatcher: Dispatcher
    scheduler: BackgroundScheduler
    web: WebServer | None
    metrics: DaemonMetrics
    announcer: BrokenEditAnnouncer
    ruleset: RuleSet
    rules_loaded: bool
    _rules_signature: str
    _reload_lock: threading.Lock

    def entity_timezone(self, entity: str) -> str:
        """The entity's time zone in the current configuration (it follows reloads)."""
        return self.config.timezone_of(entity)

    def count_deliveries(self, report: DispatchReport) -> None:
        """The dispatcher's observer: sent and failed attempts, counted as they end."""
        self.metrics.notifications_sent.inc(report.sent)
        self.metrics.notifications_failed.inc(report.failed)

    def summary_or_reason(self) -> str:
        raise NotImplementedError

    def _sync_poll_jobs(self, first: Any = None, rebuild: bool = False) -> list[str]:
        raise NotImplementedError

    def watch_rules(self) -> None:
        try:
            files = rule_files(self.config.rules_dir)
        except ConfigError:
            files = []
        signature = files_signature(files)
        if signature != self._rules_signature:
            self.reload_rules(reason="file change")

    def reload(self, reason: str = "SIGHUP") -> bool:
        """Re-read config.yaml (when known) and the rules; True when both loaded.

        systemd is told RELOADING=1 before and READY=1 after (Type=notify)."""
        systemd.notify("RELOADING=1", systemd.monotonic_usec(), "STATUS=reloading")
        try:
            config_ok = self.reload_config(reason) if self.config_path is not None else True
            rules_ok = self.reload_rules(reason)
        finally:
            systemd.notify("READY=1", systemd.status_line(self.summary_or_reason()))
        return config_ok and rules_ok

    def reload_config(self, reason: str = "SIGHUP") -> bool:
        """Swap in config.yaml's current content; keep the running config when it is invalid."""
        assert self.config_path is not None
        with self._reload_lock:
            try:
                new = load_config(self.config_path)  # the listener's address checked too
                new_matcher = matcher_from_settings(new.entities)
                endpoints = webhook_endpoints(new, self.db, new_matcher, self.clock)
            except ConfigError as exc:
                log.error(
                    "config.reload_failed",
                    reason=reason,
                    file=str(self.config_path),
                    problems=exc.problems,
                    action="kept the running config",
                )
                self.metrics.reloads.labels("failed").inc()
                self.announcer.broken("config", exc.problems)
                return False
            changes = compare(self.config, new)
            assert changes.config is not None
            old, self.config = self.config, changes.config
            self.matcher = new_matcher if "entities" in changes.applied else self.matcher
            sources = self._sync_poll_jobs(rebuild="entities" in changes.applied)
            if self.web is not None and {"entities", "sources", "web"} & set(changes.applied):
                self.web.endpoints = endpoints
                self.web.health = health_report(
                    self.db,
                    list(self.config.sources),
                    self.clock,
                    brief=self.config.web.auth is not None,
                )
            if {"receivers", "notifications"} & set(changes.applied):
                retired = self.dispatcher
                self.dispatcher = Dispatcher(
                    self.db,
                    self.config.receivers,
                    self.config.notifications,
                    self.clock,
                    self.entity_timezone,
                    observer=self.count_deliveries,
                )
                retired.close(wait_for_senders=False)  # its senders end after their attempt
            self._reschedule(old)
            if "logging" in changes.applied:
                configure_logging(
                    self.config.logging.level, self.config.logging.format, capture_process=True
                )
        self.metrics.reloads.labels("applied").inc()
        self.announcer.valid("config")
        log.info(
            "config.reloaded",
            reason=reason,
            applied=changes.applied,
            sources_restarted=sources,
            restart_needed=changes.restart_needed,
        )
        if changes.restart_needed:
            log.warning(
                "config.restart_needed",
                sections=changes.restart_needed,
                action="kept their running values; restart Warden to apply them",
            )
        return True

    def _reschedule(self, old: Config) -> None:
        pairs = {
            "score": (old.sentiment.interval, self.config.sentiment.interval),
            "evaluate": (old.rules.evaluate_every, self.config.rules.evaluate_every),
            "dispatch": (
                old.notifications.dispatch_every,
                self.config.notifications.dispatch_every,
            ),
        }
        for job, (before, after) in pairs.items():
            if before != after and self.scheduler.get_job(job) is not None:
                self.scheduler.reschedule_job(
                    job, trigger="interval", seconds=after.total_seconds()
                )

    def reload_rules(self, reason: str = "SIGHUP") -> bool:
        """Swap in the rules folder's current rules; keep the old set if any file is broken."""
        with self._reload_lock:
            try:
                files = rule_files(self.config.rules_dir)
                self._rules_signature = files_signature(files)
                ruleset = load_rules(self.config, files)
            except ConfigError as exc:
                log.error(
                    "rules.reload_failed",
                    reason=reason,
                    problems=exc.problems,
                    kept_rules=len(self.ruleset),
                )
                self.metrics.reloads.labels("failed").inc()
                self.announcer.broken("rules", exc.problems)
                return False
            self.ruleset = ruleset
            self.rules_loaded = True
        self.metrics.reloads.labels("applied").inc()
        self.announcer.valid("rules")
        log.info("rules.reloaded", reason=reason, rules=len(ruleset), files=len(ruleset.files))
        return True
