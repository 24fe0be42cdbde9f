"""/metrics: Warden's state in the Prometheus exposition format, through prometheus-client.

Two kinds of figures. Counted in this process as work happens (`DaemonMetrics`): scoring
batch time, rule evaluation time, notifications sent and failed, source poll errors, config
reloads. Read from the database at each scrape (`StoreCollector`), so they are the same on
every instance: mentions ingested per source, last successful poll, consecutive failures,
scoring backlog and its age, alerts by state, the outbox by state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from warden.notify.outbox import outbox_counts
from warden.store.db import Database
from warden.store.models import Alert, Mention, SourceState

ALERT_STATES = ("pending", "firing", "resolved")


def _epoch(value: datetime | None) -> float:
    return value.timestamp() if value is not None else 0.0


class StoreCollector(Collector):
    """Figures read from the database at scrape time; `warden_database_up` 0 when it fails."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self.db = db
        self.now = now

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "warden_database_up", "1 when the database answered this scrape's queries."
        )
        try:
            families = list(self._read())
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _read(self) -> Iterator[Metric]:
        now = self.now()
        mentions = CounterMetricFamily(
            "warden_source_mentions", "Mentions stored, per source.", labels=["source"]
        )
        success = GaugeMetricFamily(
            "warden_source_last_success_timestamp_seconds",
            "Unix time of the source's last successful poll or push (0: never).",
            labels=["source"],
        )
        failures = GaugeMetricFamily(
            "warden_source_consecutive_failures",
            "Polls failed in a row (0 when the last one succeeded).",
            labels=["source"],
        )
        alerts = GaugeMetricFamily("warden_alerts", "Alerts by state.", labels=["state"])
        outbox = GaugeMetricFamily(
            "warden_notifications",
            "Outbox messages by state (failing: pending after at least one failed attempt; "
            "unconfirmed: may have arrived, not re-sent; superseded: replaced before delivery).",
            labels=["state"],
        )
        backlog = GaugeMetricFamily("warden_scoring_backlog", "Mentions waiting to be scored.")
        lag = GaugeMetricFamily(
            "warden_scoring_backlog_age_seconds",
            "How long the oldest unscored mention has waited since it was fetched (0: none).",
        )
        with self.db.session() as session:
            for row in session.scalars(select(SourceState)):
                mentions.add_metric([row.source], float(row.total_items or 0))
                success.add_metric([row.source], _epoch(row.last_success_at))
                failures.add_metric([row.source], float(row.consecutive_failures or 0))
            by_state = dict(
                session.execute(select(Alert.state, func.count()).group_by(Alert.state)).all()
            )
            for state in ALERT_STATES:
                alerts.add_metric([state], float(by_state.get(state, 0)))
            counts = outbox_counts(session)
            for state, n in counts.items():
                outbox.add_metric([state], float(n))
            waiting, oldest = session.execute(
                select(func.count(), func.min(Mention.fetched_at)).where(Mention.scored.is_(False))
            ).one()
        backlog.add_metric([], float(waiting or 0))
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        lag.add_metric([], max(age, 0.0))
        yield from (mentions, success, failures, backlog, lag, alerts, outbox)


class DaemonMetrics:
    """The daemon's own registry: in-process counters and histograms, and the store collector."""

    def __init__(self, db: Database, now: Callable[[], datetime]) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.registry.register(StoreCollector(db, now))
        r = self.registry
        self.scoring_seconds = Histogram(
            "warden_scoring_batch_seconds",
            "Time to score one batch of mentions (model and database).",
            registry=r,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
        )
        self.scored = Counter("warden_scored_mentions", "Mentions scored.", registry=r)
        self.evaluation_seconds = Histogram(
            "warden_rule_evaluation_seconds",
            "Time of one evaluation cycle: rollup, every rule, alert transitions.",
            registry=r,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.notifications_sent = Counter(
            "warden_notifications_sent", "Messages delivered by this instance.", registry=r
        )
        self.notifications_failed = Counter(
            "warden_notifications_failed",
            "Delivery attempts that failed (the message stays in the outbox).",
            registry=r,
        )
        self.poll_errors = Counter(
            "warden_source_errors", "Failed polls, per source.", ["source"], registry=r
        )
        self.reloads = Counter(
            "warden_reloads", "Config and rule reloads, by result.", ["result"], registry=r
        )
        self.database_outages = Counter(
            "warden_database_outages", "Times the database became unavailable.", registry=r
        )
        self.ready = Gauge("warden_ready", "1 when /readyz says ready.", registry=r)

    def page(self) -> tuple[int, str, bytes]:
        """GET /metrics."""
        return 200, CONTENT_TYPE_LATEST, generate_latest(self.registry)
