"""Scheduled digests: when each is due, and putting it in the outbox exactly once per period.

A digest is due at its latest scheduled time (`daily: "08:00"`, `weekly: "monday 08:30"`, on
its own clock) once that time has passed. Only that latest occurrence is ever considered, and
it is sent late (Warden was stopped, or the schedule just changed) only within its grace:
the shorter of `LATE_GRACE` (6 h) and a quarter of its recurrence. Later than that it is
skipped (reason `late`), as is a digest whose period and comparison period hold no counted
mention of its entities (reason `no_data_yet`: a fresh install sends no all-zero digest, while
imported or late history counts by the time it was published) and one none of whose
receivers is configured (reason `no_receivers`). Each skip logs one `digest.skipped` warning
with its reason. Its report covers the calendar days (or hours) up to the scheduled time.
The outbox row's idempotency key is the digest, its kind and its period's start, so however
often the job runs and however often Warden restarts, each period's digest is enqueued once
per receiver URL; the dispatcher sends it with the usual retries. The chart images travel
inside the stored HTML as data: URIs (nothing else to keep across a restart); the e-mail
sender makes them inline cid: parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.clock import Clock
from warden.config import Config, ReceiverSettings
from warden.log import get_logger
from warden.notify.outbox import enqueue
from warden.notify.render import Rendered
from warden.report.data import comparison_groups, read_report
from warden.report.period import Period, period_ending
from warden.report.render import render_report
from warden.report.settings import WEEKDAYS, DigestSettings
from warden.rules.loader import RuleSet
from warden.store.db import Database
from warden.store.locks import try_stage_lock
from warden.store.models import Mention, MentionEntity, Notification, counted

log = get_logger(__name__)

Kind = Literal["daily", "weekly"]
RECURS: dict[Kind, timedelta] = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
LATE_GRACE = timedelta(hours=6)
"""How late a missed digest may still go out (at most a quarter of its recurrence)."""
_skipped: set[str] = set()
"""Keys and reasons already logged as skipped by this process (one `digest.skipped` line
each)."""


def grace(kind: Kind) -> timedelta:
    """How long after its scheduled time a `kind` digest may still be sent."""
    return min(LATE_GRACE, RECURS[kind] / 4)


@dataclass(frozen=True)
class DueDigest:
    """One digest to send: which, which schedule, and the period its report covers."""

    digest: DigestSettings
    kind: Kind
    period: Period
    at: datetime

    @property
    def key(self) -> str:
        """Idempotency key prefix: digest, kind and period start (UTC)."""
        return f"digest:{self.digest.name}:{self.kind}:{self.period.start:%Y%m%dT%H%M%SZ}"


def _at(day: date, clock_time: str, zone: ZoneInfo) -> datetime:
    hours, minutes = (int(part) for part in clock_time.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=zone).astimezone(UTC)


def latest_time(digest: DigestSettings, kind: Kind, now: datetime, zone: str) -> datetime | None:
    """The latest scheduled time of `digest`'s `kind` schedule at or before `now` (UTC), or
    None when that schedule is not set."""
    local = ZoneInfo(zone)
    today = now.astimezone(local).date()
    if kind == "daily":
        if digest.schedule.daily is None:
            return None
        for back in range(3):
            at = _at(today - timedelta(days=back), digest.schedule.daily, local)
            if at <= now:
                return at
        return None
    if digest.schedule.weekly is None:
        return None
    weekday, clock_time = digest.schedule.weekly.split(" ")
    wanted = WEEKDAYS.index(weekday)
    for back in range(15):
        day = today - timedelta(days=back)
        if day.weekday() == wanted:
            at = _at(day, clock_time, local)
            if at <= now:
                return at
    return None


def latest_digests(config: Config, now: datetime) -> list[DueDigest]:
    """The latest scheduled occurrence of every digest schedule at or before `now`."""
    out = []
    for digest in config.digests:
        zone = digest.timezone or config.timezone
        for kind in RECURS:
            at = latest_time(digest, kind, now, zone)
            if at is not None:
                period = period_ending(at, digest.period_of(kind), zone)
                out.append(DueDigest(digest, kind, period, at))
    return out


def due_digests(config: Config, now: datetime) -> list[DueDigest]:
    """The latest occurrence of each schedule, when it is at most its `grace` late."""
    return [d for d in latest_digests(config, now) if now - d.at <= grace(d.kind)]


def _skip(due: DueDigest, reason: str, now: datetime) -> None:
    seen = f"{due.key}:{reason}"
    if seen in _skipped:
        return
    if len(_skipped) > 10_000:
        _skipped.clear()
    _skipped.add(seen)
    log.warning(
        "digest.skipped",
        digest=due.digest.name,
        kind=due.kind,
        reason=reason,
        due_at=due.at.isoformat(),
        late_seconds=round((now - due.at).total_seconds()),
        period_start=due.period.start.isoformat(),
    )


def _has_mentions(session: Session, entities: list[str], start: datetime, end: datetime) -> bool:
    """Whether a counted mention of one of `entities` was published in [start, end) (UTC)."""
    found = session.scalar(
        select(MentionEntity.mention_id)
        .join(Mention, Mention.id == MentionEntity.mention_id)
        .where(
            MentionEntity.entity.in_(entities),
            MentionEntity.published_at >= start,
            MentionEntity.published_at < end,
            counted(),
        )
        .limit(1)
    )
    return found is not None


def _period_has_data(session: Session, entities: list[str], period: Period) -> bool:
    """Whether `period` or the period it is compared with holds a counted mention."""
    before = period.previous
    return any(_has_mentions(session, entities, span.start, span.end) for span in (period, before))


def _always(message: Rendered) -> Callable[[ReceiverSettings, int], Rendered]:
    """The same message for every receiver URL (all are e-mail)."""
    return lambda _receiver, _target: message


def _enqueued(session: Session, key: str) -> bool:
    found = session.scalar(
        select(Notification.id).where(
            Notification.idempotency_key.startswith(key + ":", autoescape=True)
        )
    )
    return found is not None


def enqueue_due(
    db: Database, config: Config, clock: Clock, ruleset: RuleSet | None = None
) -> list[str]:
    """Put each due digest not yet in the outbox there (one row per receiver URL); returns
    the idempotency key prefixes enqueued now. Late or data-less digests are skipped (see the
    module's docstring); `ruleset` gives the alerts' summaries. On PostgreSQL an advisory lock
    per digest and period keeps two instances from drawing the same digest at once."""
    now = clock.now()
    done = []
    for due in latest_digests(config, now):
        if now - due.at > grace(due.kind):
            _skip(due, "late", now)
            continue
        digest = due.digest
        receivers = [r for name in digest.receivers if (r := config.receiver(name)) is not None]
        if not receivers:
            _skip(due, "no_receivers", now)
            continue
        with db.session() as session:
            if not try_stage_lock(session, due.key) or _enqueued(session, due.key):
                continue
            names = [n for g in comparison_groups(config, digest.entities or None) for n in g]
            if not names or not _period_has_data(session, names, due.period):
                _skip(due, "no_data_yet", now)
                continue
            data = read_report(
                session, config, due.period, now, digest.entities or None, digest.top_mentions,
                ruleset, digest.language,
            )  # fmt: skip
            report = render_report(
                data, digest.language, digest.timezone or config.timezone, kind=due.kind
            )
            message = Rendered(report.subject, report.text, report.html)
            rows = enqueue(
                session,
                None,
                "digest",
                receivers,
                report.subject,
                report.text,
                now,
                severity="info",
                key_prefix=due.key,
                render=_always(message),
            )
        if rows:
            done.append(due.key)
            log.info(
                "digest.enqueued",
                digest=digest.name,
                kind=due.kind,
                period_start=due.period.start.isoformat(),
                period_end=due.period.end.isoformat(),
                receivers=[r.name for r in receivers],
                messages=len(rows),
                charts=len(report.charts),
            )
    return done
