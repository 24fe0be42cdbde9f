"""Storing what a source delivered, polled or pushed: entity tags, de-duplicated insert, health.

Both the poller and the webhook receiver go through here, so a mention is tagged and stored the
same way wherever it came from, and `source_state` tells the same story for every source.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from warden.entities import EntityMatcher
from warden.log import get_logger
from warden.sources.base import MentionDraft
from warden.store.mentions import IngestResult, store_mentions
from warden.store.models import SourceState

log = get_logger(__name__)

MAX_BACKOFF = timedelta(hours=1)


def tag_and_store(
    session: Session,
    drafts: Sequence[MentionDraft],
    matcher: EntityMatcher,
    fetched_at: datetime,
    forced_entities: Sequence[str] = (),
    backfill: bool = False,
) -> IngestResult:
    """Tag each draft with the entities it names (plus `forced_entities`) and store the new ones;
    each draft not stored is logged with why (`mention.duplicate`). `backfill`: see
    warden.store.mentions.store_mentions."""
    for draft in drafts:
        tags = matcher.match(draft.title, draft.text)
        draft.entities = list(dict.fromkeys([*forced_entities, *draft.entities, *tags]))
    result = store_mentions(session, drafts, fetched_at, backfill=backfill)
    for dup in result.dropped:
        # Debug: a feed re-read every poll repeats its duplicates every poll. The poll's
        # summary (source.polled) counts them at the default level.
        log.debug(
            "mention.duplicate",
            source=dup.draft.source,
            item=dup.draft.external_id[:200],
            reason=dup.reason,
            kept=dup.kept_id,
            kept_source=dup.kept_source,
            url=dup.draft.url,
        )
    return result


def first_poll(row: SourceState) -> bool:
    """True until a poll of the source has succeeded: what that poll stores is backfill."""
    return row.last_success_at is None


def source_state(session: Session, name: str) -> SourceState:
    """The health row of `name`, created empty the first time the source is seen.

    Created with an insert that yields to a concurrent one (two webhook pushes arriving
    together for a new source), never a check-then-insert that fails on the unique key.
    """
    row = session.get(SourceState, name)
    if row is not None:
        return row
    dialect = session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert(SourceState)
        .values(source=name, cursor={}, consecutive_failures=0, items_last_poll=0, total_items=0)
        .on_conflict_do_nothing(index_elements=["source"])
    )
    row = session.get(SourceState, name)
    assert row is not None
    return row


def record_success(row: SourceState, now: datetime, inserted: int) -> None:
    row.last_poll_at = now
    row.last_success_at = now
    row.consecutive_failures = 0
    row.backoff_until = None
    row.items_last_poll = inserted
    _count(row, inserted)


def _count(row: SourceState, inserted: int) -> None:
    """Add to the source's total in the database itself (concurrent pushes lose no count)."""
    if inserted:
        row.total_items = SourceState.total_items + inserted


def failure_backoff(consecutive_failures: int, interval: timedelta) -> timedelta:
    """How long a repeatedly failing source rests: doubles per failure from its interval, ≤ 1 h."""
    if consecutive_failures < 2:
        return timedelta(0)
    return min(MAX_BACKOFF, interval * (1 << min(consecutive_failures - 1, 10)))


def record_failure(
    row: SourceState,
    now: datetime,
    message: str,
    interval: timedelta,
    inserted: int = 0,
    retry_at: datetime | None = None,
) -> datetime | None:
    """Count one more failure; return until when the source rests (None: poll as usual)."""
    row.last_poll_at = now
    row.last_error_at = now
    row.last_error = message[:2000]
    row.consecutive_failures = (row.consecutive_failures or 0) + 1
    row.items_last_poll = inserted
    _count(row, inserted)
    rest = failure_backoff(row.consecutive_failures, interval)
    row.backoff_until = retry_at or (now + rest if rest else None)
    return row.backoff_until
