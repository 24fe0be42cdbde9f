"""The poll stage: fetch one source, tag entities, store new mentions, record the source's health.

A failing source is logged with its name, backs off, and never stops the others; what was
stored before the failure stays stored, and a poll that failed part-way stores what it fetched.

A source's first poll sets its starting point: what it returns is what the source already had
before Warden saw it (a feed's last 25 entries, a search's latest page), so it is stored,
tagged and scored as backfill, which the series do not count as new volume
(warden.store.rollup). Until a poll has succeeded, every poll is a first poll.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from warden.clock import Clock
from warden.entities import EntityMatcher
from warden.errors import SourceError
from warden.log import get_logger
from warden.sources.base import PollState, Source
from warden.sources.http import HttpFetcher, RateLimited
from warden.sources.ingest import (
    MAX_BACKOFF,
    failure_backoff,
    first_poll,
    record_failure,
    record_success,
    source_state,
    tag_and_store,
)
from warden.store.db import Database
from warden.store.locks import try_stage_lock

log = get_logger(__name__)

__all__ = ["MAX_BACKOFF", "PollOutcome", "failure_backoff", "poll_source"]


@dataclass
class PollOutcome:
    source: str
    inserted: int = 0
    duplicates: int = 0
    skipped: int = 0
    error: str | None = None
    backing_off: bool = False
    busy: bool = False
    """Another instance is polling this source right now (PostgreSQL); this cycle is skipped."""
    recent: bool = False
    """Another instance polled this source less than `min_gap` ago; this cycle is skipped."""


def poll_source(
    db: Database,
    source: Source,
    matcher: EntityMatcher,
    http: HttpFetcher,
    clock: Clock,
    interval: timedelta,
    forced_entities: tuple[str, ...] = (),
    min_gap: timedelta | None = None,
) -> PollOutcome:
    """Poll `source` once and store what is new. Never raises for a source's own failure.

    `forced_entities` defaults to the source settings' `entities:` (tags every mention gets).
    `min_gap`: skip when the source was polled (by any instance) less than this ago, so
    instances sharing a database keep to the source's interval between them.
    """
    if getattr(source, "pushed", False):
        return PollOutcome(source.name)  # webhook: mentions arrive through warden.web
    if not forced_entities:
        settings = getattr(source, "settings", None)
        forced_entities = tuple(getattr(settings, "entities", ()) or ())
    with db.session() as lock:  # held until the poll is stored: one instance per source
        if not try_stage_lock(lock, f"source:{source.name}"):
            log.debug("source.busy", source=source.name)
            return PollOutcome(source.name, busy=True)
        return _poll_locked(db, source, matcher, http, clock, interval, forced_entities, min_gap)


def _poll_locked(
    db: Database,
    source: Source,
    matcher: EntityMatcher,
    http: HttpFetcher,
    clock: Clock,
    interval: timedelta,
    forced_entities: tuple[str, ...],
    min_gap: timedelta | None = None,
) -> PollOutcome:
    now = clock.now()
    with db.session() as session:
        row = source_state(session, source.name)
        backfill = first_poll(row)
        backoff_until = row.backoff_until
        last_poll = row.last_poll_at
        state = PollState(
            cursor=dict(row.cursor or {}), etag=row.etag, last_modified=row.last_modified
        )
    if min_gap is not None and last_poll is not None and now - last_poll < min_gap:
        log.debug("source.recently_polled", source=source.name, at=last_poll.isoformat())
        return PollOutcome(source.name, recent=True)
    if backoff_until is not None and backoff_until > now:
        log.debug("source.backing_off", source=source.name, until=backoff_until.isoformat())
        return PollOutcome(source.name, backing_off=True)
    started = time.monotonic()
    try:
        result = source.poll(state, http, clock)
    except Exception as exc:  # one source's failure must never stop the daemon
        return _failed(db, source.name, exc, now, interval)
    outcome = PollOutcome(source.name, skipped=result.skipped, error=result.error)
    with db.session() as session:
        ingest = tag_and_store(
            session, result.drafts, matcher, clock.now(), forced_entities, backfill=backfill
        )
        row = source_state(session, source.name)
        row.cursor = result.state.cursor
        row.etag = result.state.etag
        row.last_modified = result.state.last_modified
        if result.error is None:
            record_success(row, now, len(ingest.inserted))
            failures = 0
        else:
            record_failure(row, now, result.error, interval, len(ingest.inserted))
            failures = row.consecutive_failures
    outcome.inserted = len(ingest.inserted)
    outcome.duplicates = ingest.duplicates
    if result.error is not None:
        log.warning(
            "source.failed",
            source=source.name,
            error=result.error,
            partial=True,
            new=outcome.inserted,
            consecutive_failures=failures,
        )
    # A poll that brought nothing new is a debug line: journald keeps what changed.
    emit = log.info if (outcome.inserted or outcome.skipped) else log.debug
    emit(
        "source.polled",
        source=source.name,
        new=outcome.inserted,
        duplicates=outcome.duplicates,
        same_link=sum(d.reason == "same link" for d in ingest.dropped),
        skipped=outcome.skipped,
        not_modified=result.not_modified,
        backfill=backfill,
        seconds=round(time.monotonic() - started, 3),
    )
    return outcome


def _failed(
    db: Database, name: str, exc: Exception, now: datetime, interval: timedelta
) -> PollOutcome:
    message = str(exc) if isinstance(exc, SourceError) else f"{type(exc).__name__}: {exc}"
    with db.session() as session:
        row = source_state(session, name)
        retry_at = now + timedelta(seconds=exc.wait) if isinstance(exc, RateLimited) else None
        until = record_failure(row, now, message, interval, retry_at=retry_at)
        failures = row.consecutive_failures
    log.warning(
        "source.failed",
        source=name,
        error=message,
        consecutive_failures=failures,
        retry_at=until.isoformat() if until else None,
        exc_info=not isinstance(exc, SourceError),
    )
    return PollOutcome(name, error=message)
