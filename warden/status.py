"""What `warden status` shows: one snapshot of a Warden installation, read from its database
and from the running instance's /readyz.

Sources with their last poll and health, the scoring backlog, firing alerts, silences, the outbox,
the running instances (PostgreSQL: sessions named `warden:<host>:<pid>`) and the leases they
hold (stage locks: evaluation, each source's poll; outbox messages being sent).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from warden.alerts import silences
from warden.config import Config
from warden.notify.message import reason_text
from warden.notify.outbox import outbox_counts
from warden.notify.words import Words
from warden.sources.health import RemovedSource, SourceHealth, read_health, removed_sources
from warden.store.db import Database, instance_name
from warden.store.locks import lock_key
from warden.store.models import Alert, Mention, Notification


@dataclass
class Lease:
    """A piece of work one instance holds: `stage` (evaluate, source:<name>, notification:<id>)."""

    stage: str
    holder: str
    until: datetime | None = None


@dataclass
class Snapshot:
    """Everything `warden status` prints (`as_json()` for --json)."""

    database: str
    sources: list[SourceHealth]
    scoring_backlog: int
    oldest_unscored_at: datetime | None
    firing: list[dict[str, Any]]
    outbox: dict[str, int]
    silences: list[dict[str, Any]]
    instances: list[dict[str, Any]]
    leases: list[Lease]
    listener: dict[str, Any] = field(default_factory=dict)
    removed_sources: list[RemovedSource] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return value.isoformat()
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        out = asdict(self)
        out["sources"] = [s.as_json() for s in self.sources]
        out["removed_sources"] = [r.as_json() for r in self.removed_sources]
        return {k: plain(v) for k, v in out.items()}


def _silences(session: Session, now: datetime) -> list[dict[str, Any]]:
    """The silences in force at `now`: what they match, until when, who set them and why."""
    return [
        {
            "id": s.id,
            "matchers": [dict(m) for m in s.matchers],
            "until": s.ends_at,
            "by": s.created_by,
            "comment": s.comment,
        }
        for s in silences.active(session, now)
    ]


def _firing(session: Session) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Alert).where(Alert.state == "firing").order_by(Alert.fired_at, Alert.id)
    )
    return [
        {
            "id": a.id,
            "rule": a.rule,
            "severity": a.severity,
            "labels": dict(a.labels or {}),
            "since": a.fired_at,
            "reason": reason_text(a, Words()),
        }
        for a in rows
    ]


def _outbox(session: Session, now: datetime) -> tuple[dict[str, int], list[Lease]]:
    leased = session.scalars(
        select(Notification).where(Notification.status == "pending", Notification.lease_until > now)
    )
    leases = [Lease(f"notification:{n.id}", "a dispatcher", n.lease_until) for n in leased]
    return outbox_counts(session), leases


def _instances(session: Session, config: Config) -> tuple[list[dict[str, Any]], list[Lease]]:
    """PostgreSQL: the sessions of running instances and the stage locks they hold."""
    if session.get_bind().dialect.name != "postgresql":
        return [], []
    me = instance_name()
    rows = session.execute(
        text(
            "SELECT DISTINCT application_name, MIN(backend_start) OVER "
            "(PARTITION BY application_name) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name LIKE 'warden:%' "
            "AND application_name <> :me"
        ),
        {"me": me},
    ).all()
    instances = [{"name": name, "connected_since": since} for name, since in rows]
    stages = {lock_key("evaluate"): "evaluate"}
    stages.update({lock_key(f"source:{s.name}"): f"source:{s.name}" for s in config.sources})
    held = session.execute(
        text(
            "SELECT (l.classid::bigint << 32) | l.objid::bigint, a.application_name "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database())"
        )
    ).all()
    leases = []
    for key, holder in held:
        signed = key - (1 << 64) if key >= (1 << 63) else key
        leases.append(Lease(stages.get(signed, f"lock {signed}"), holder or "?"))
    return instances, leases


def _listener(config: Config) -> dict[str, Any]:
    """The local instance's /readyz answer, or why there is none."""
    host = "127.0.0.1" if config.web.host in ("0.0.0.0", "::", "") else config.web.host
    url = f"http://{host}:{config.web.port}/readyz"
    try:
        answer = httpx.get(url, timeout=3)
        body = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        return {"url": url, "running": False, "error": f"no answer ({type(exc).__name__})"}
    return {"url": url, "running": True, **body}


def read_snapshot(
    config: Config, db: Database, now: datetime, ask_listener: bool = True
) -> Snapshot:
    """Read the whole status; raises the database's error when it cannot be reached."""
    with db.session() as session:
        sources = read_health(session, list(config.sources), now)
        removed = removed_sources(session, list(config.sources))
        backlog, oldest = session.execute(
            select(func.count(), func.min(Mention.fetched_at)).where(Mention.scored.is_(False))
        ).one()
        firing = _firing(session)
        outbox, outbox_leases = _outbox(session, now)
        silenced = _silences(session, now)
        instances, stage_leases = _instances(session, config)
    return Snapshot(
        database=db.safe_url,
        sources=sources,
        scoring_backlog=int(backlog or 0),
        oldest_unscored_at=oldest,
        firing=firing,
        outbox=outbox,
        silences=silenced,
        instances=instances,
        leases=stage_leases + outbox_leases,
        listener=_listener(config) if ask_listener else {},
        removed_sources=removed,
    )
