"""Retention: delete the mentions older than the kept period, with their rolled-up buckets.

A mention is deleted once it was published more than ``keep`` ago, with its score and entity
links (foreign keys cascade); mentions an operator labelled (``warden mention label``) are kept,
because they are training data. Rolled-up buckets that start before the same cutoff go too,
so the series and the raw mentions they summarise stay consistent. Work is done in batches of
``batch`` mentions, each in its own transaction, so the poller and the evaluator are never
locked out for long. Running it twice, or from two instances at once, is harmless.

The kept period can never be shorter than ``MIN_KEEP_MENTIONS`` (35 days): the detectors
learn from the last 28 days of buckets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, CursorResult, and_, delete, exists, func, select

from warden.config import MIN_KEEP_MENTIONS
from warden.store.db import Database
from warden.store.models import Correction, Mention, SeriesBucket

BATCH = 5_000


@dataclass(frozen=True, slots=True)
class PruneResult:
    """What a prune deleted (or, on a dry run, would delete)."""

    cutoff: datetime
    mentions: int
    buckets: int
    labelled_kept: int
    dry_run: bool = False


def _old(cutoff: datetime) -> ColumnElement[bool]:
    labelled = exists().where(Correction.mention_id == Mention.id)
    return and_(Mention.published_at < cutoff, ~labelled)


def prune(
    db: Database,
    keep: timedelta,
    now: datetime,
    *,
    dry_run: bool = False,
    batch: int = BATCH,
    on_progress: Callable[[int, int], None] | None = None,
) -> PruneResult:
    """Delete mentions published before ``now - keep`` and the buckets before it.

    ``on_progress(deleted, total)`` is called after each batch. Raises ValueError when ``keep``
    is shorter than ``MIN_KEEP_MENTIONS``.
    """
    if keep < MIN_KEEP_MENTIONS:
        days = MIN_KEEP_MENTIONS.days
        raise ValueError(f"the kept period must be at least {days} days, got {keep}")
    cutoff = now - keep
    with db.session() as session:
        total = session.scalar(select(func.count()).select_from(Mention).where(_old(cutoff)))
        labelled = session.scalar(
            select(func.count())
            .select_from(Mention)
            .where(Mention.published_at < cutoff, Mention.id.in_(select(Correction.mention_id)))
        )
        old_buckets = session.scalar(
            select(func.count()).select_from(SeriesBucket).where(SeriesBucket.bucket_start < cutoff)
        )
    total, labelled, old_buckets = total or 0, labelled or 0, old_buckets or 0
    if dry_run:
        return PruneResult(cutoff, total, old_buckets, labelled, dry_run=True)
    deleted = 0
    while True:
        with db.session() as session:
            ids = list(session.scalars(select(Mention.id).where(_old(cutoff)).limit(max(1, batch))))
            if ids:
                session.execute(delete(Mention).where(Mention.id.in_(ids)))
        if not ids:
            break
        deleted += len(ids)
        if on_progress is not None:
            on_progress(deleted, max(total, deleted))
    with db.session() as session:
        done = session.execute(delete(SeriesBucket).where(SeriesBucket.bucket_start < cutoff))
        buckets = done.rowcount if isinstance(done, CursorResult) else old_buckets
    return PruneResult(cutoff, deleted, buckets, labelled)
