"""The poll stage: fetch one source, tag entities, store new mentions, record the source's health.

A failing source is logged with its name, backs off, and never stops the others; what was
stored before the failure stays stored.
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
from warden.store.db import Database
from warden.store.mentions import store_mentions
from warden.store.models import SourceState

log = get_logger(__name__)

MAX_BACKOFF = timedelta(hours=1)


@dataclass
class PollOutcome:
    source: str
    inserted: int = 0
    duplicates: int = 0
    skipped: int = 0
    error: str | None = None
    backing_off: bool = False


def failure_backoff(consecutive_failures: int, interval: timedelta) -> timedelta:
    """How long a repeatedly failing source rests: doubles per failure from its interval, ≤ 1 h."""
    if consecutive_failures < 2:
        return timedelta(0)
    return min(MAX_BACKOFF, interval * (2 ** min(consecutive_failures - 1, 10)))


def _load_state(db: Database, name: str) -> SourceState:
    with db.session() as session:
        row = session.get(SourceState, name)
        if row is None:
            row = SourceState(
                source=name, cursor={}, consecutive_failures=0, items_last_poll=0, total_items=0
            )
            session.add(row)
        return row


def poll_source(
    db: Database,
    source: Source,
    matcher: EntityMatcher,
    http: HttpFetcher,
    clock: Clock,
    interval: timedelta,
    forced_entities: tuple[str, ...] = (),
) -> PollOutcome:
    """Poll `source` once and store what is new. Never raises for a source's own failure."""
    now = clock.now()
    state_row = _load_state(db, source.name)
    if state_row.backoff_until is not None and state_row.backoff_until > now:
        log.debug(
            "source.backing_off", source=source.name, until=state_row.backoff_until.isoformat()
        )
        return PollOutcome(source.name, backing_off=True)
    state = PollState(
        cursor=dict(state_row.cursor or {}),
        etag=state_row.etag,
        last_modified=state_row.last_modified,
    )
    started = time.monotonic()
    try:
        result = source.poll(state, http, clock)
    except Exception as exc:  # one source's failure must never stop the daemon
        return _record_failure(db, source.name, exc, now, interval)
    outcome = PollOutcome(source.name, skipped=result.skipped)
    for draft in result.drafts:
        tags = matcher.match(draft.title, draft.text)
        draft.entities = list(dict.fromkeys([*forced_entities, *draft.entities, *tags]))
    with db.session() as session:
        ingest = store_mentions(session, result.drafts, clock.now())
        row = session.get(SourceState, source.name)
        assert row is not None
        row.cursor = result.state.cursor
        row.etag = result.state.etag
        row.last_modified = result.state.last_modified
        row.last_poll_at = now
        row.last_success_at = now
        row.consecutive_failures = 0
        row.backoff_until = None
        row.items_last_poll = len(ingest.inserted)
        row.total_items = (row.total_items or 0) + len(ingest.inserted)
    outcome.inserted = len(ingest.inserted)
    outcome.duplicates = ingest.duplicates
    log.info(
        "source.polled",
        source=source.name,
        new=outcome.inserted,
        duplicates=outcome.duplicates,
        skipped=outcome.skipped,
        not_modified=result.not_modified,
        seconds=round(time.monotonic() - started, 3),
    )
    return outcome


def _record_failure(
    db: Database, name: str, exc: Exception, now: datetime, interval: timedelta
) -> PollOutcome:
    message = str(exc) if isinstance(exc, SourceError) else f"{type(exc).__name__}: {exc}"
    with db.session() as session:
        row = session.get(SourceState, name)
        assert row is not None
        row.last_poll_at = now
        row.last_error_at = now
        row.last_error = message[:2000]
        row.consecutive_failures = (row.consecutive_failures or 0) + 1
        row.items_last_poll = 0
        rest = failure_backoff(row.consecutive_failures, interval)
        until = exc.until if isinstance(exc, RateLimited) else (now + rest if rest else None)
        row.backoff_until = until
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
