"""The incremental rollup: raw mentions summed into 5-minute `series_buckets`, only what changed.

Each run recomputes the buckets touched since the last run's watermark (minus a safety lag
for transactions that were still in flight): mentions fetched since then, and scores written
since then (a score arriving after its mention, an operator's correction). A bucket is
recomputed from the raw rows, so running twice over the same period is harmless; a row is
rewritten, with a new revision number, only when its figures changed. Readers catch up by
reading the rows whose revision is above the last one they saw. The first run (no watermark
yet, e.g. a store filled before the rollup existed) has the database sum every stored mention
per bucket in one query. Backfill mentions (a source's first poll: its past, not news) are
not counted in any figure (warden.store.models.counted).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, case, delete, func, insert, select
from sqlalchemy.orm import Session

from warden.store.models import (
    Mention,
    MentionEntity,
    RollupState,
    Score,
    SeriesBucket,
    counted,
)
from warden.store.types import epoch_seconds

BUCKET = timedelta(minutes=5)
"""Size of a rolled-up bucket; rule steps are multiples of it."""
BUCKET_SECONDS = int(BUCKET.total_seconds())
SAFETY_LAG = timedelta(minutes=5)
"""How far before the watermark each run looks again, for rows committed late."""
_MERGE_GAP = 12  # dirty buckets this close together are recomputed with one query
_BATCH_SPAN = 24  # dirty buckets of every entity within two hours: one query for them all
_STATE_ID = 1

Figures = tuple[int, int, int, int, float, int, int]
"""count, scored, negative, positive, sentiment_sum, reach, engagement"""
BucketKey = tuple[str, int, str, str]
"""entity, bucket index, source, lang"""
METRIC_FIELDS = ("count", "scored", "negative", "positive", "sentiment_sum", "reach", "engagement")


def bucket_index(moment: datetime) -> int:
    """Index of the 5-minute bucket holding `moment` (buckets are aligned on the epoch)."""
    return int(moment.timestamp()) // BUCKET_SECONDS


def bucket_start(index: int) -> datetime:
    return datetime.fromtimestamp(index * BUCKET_SECONDS, UTC)


@dataclass(frozen=True)
class RollupReport:
    """What one rollup run did."""

    revision: int
    rewritten: int
    full: bool


def _rows_query() -> Select[*tuple[Any, ...]]:
    me = MentionEntity
    return (
        select(
            me.entity,
            me.published_at,
            Mention.source,
            Mention.lang,
            Score.label,
            Score.score,
            Mention.author_followers,
            Mention.likes + Mention.reposts + Mention.replies,
        )
        .select_from(me)
        .join(Mention, Mention.id == me.mention_id)
        .outerjoin(Score, Score.mention_id == me.mention_id)
        .where(counted())
    )


def _sums_query() -> Select[*tuple[Any, ...]]:
    """What `_aggregate` makes of `_rows_query`, summed by the database: one row per bucket key
    (entity, bucket index, source, lang) followed by its figures, for the first, full rollup."""
    me = MentionEntity
    posts = (
        _rows_query()
        .with_only_columns(
            # An expression, not the column: grouped on the column, SQLite walks the (entity,
            # published_at) index, whose order makes each mention and score lookup a random
            # read (8 s instead of 3 s for a million mentions).
            (me.entity + "").label("entity"),
            (epoch_seconds(me.published_at) // BUCKET_SECONDS).label("bucket"),
            Mention.source,
            func.coalesce(Mention.lang, "").label("lang"),
            Score.label,
            Score.score,
            Mention.author_followers,
            (Mention.likes + Mention.reposts + Mention.replies).label("engagement"),
        )
        .subquery()
    )
    key = (posts.c.entity, posts.c.bucket, posts.c.source, posts.c.lang)
    labelled = posts.c.label.is_not(None)
    return select(
        *key,
        func.count(),
        func.count(posts.c.label),
        func.sum(case((posts.c.label == "negative", 1), else_=0)),
        func.sum(case((posts.c.label == "positive", 1), else_=0)),
        func.sum(case((labelled, func.coalesce(posts.c.score, 0.0)), else_=0.0)),
        func.sum(func.coalesce(posts.c.author_followers, 0)),
        func.sum(func.coalesce(posts.c.engagement, 0)),
    ).group_by(*key)


def _aggregate(rows: Iterable[tuple[object, ...]]) -> dict[BucketKey, list[float]]:
    out: dict[BucketKey, list[float]] = defaultdict(lambda: [0, 0, 0, 0, 0.0, 0, 0])
    for entity, published, source, lang, label, score, followers, engagement in rows:
        assert isinstance(published, datetime)
        acc = out[(str(entity), bucket_index(published), str(source), str(lang or ""))]
        acc[0] += 1
        if label is not None:
            acc[1] += 1
            acc[2] += label == "negative"
            acc[3] += label == "positive"
            acc[4] += float(score or 0.0)  # type: ignore[arg-type]
        acc[5] += int(followers or 0)  # type: ignore[call-overload]
        acc[6] += int(engagement or 0)  # type: ignore[call-overload]
    return out


def _figures(acc: list[float]) -> Figures:
    return (
        int(acc[0]),
        int(acc[1]),
        int(acc[2]),
        int(acc[3]),
        round(float(acc[4]), 6),
        int(acc[5]),
        int(acc[6]),
    )


def _row(
    key: BucketKey, figures: Figures, revision: int, start: datetime | None = None
) -> dict[str, object]:
    entity, index, source, lang = key
    return {
        "entity": entity,
        "bucket_start": bucket_start(index) if start is None else start,
        "source": source,
        "lang": lang,
        **dict(zip(METRIC_FIELDS, figures, strict=True)),
        "revision": revision,
    }


def _delete_row(session: Session, values: Mapping[str, object]) -> None:
    sb = SeriesBucket
    session.execute(
        delete(sb).where(
            sb.entity == values["entity"],
            sb.bucket_start == values["bucket_start"],
            sb.source == values["source"],
            sb.lang == values["lang"],
        )
    )


def _state(session: Session) -> RollupState:
    state = session.get(RollupState, _STATE_ID, with_for_update=True)
    if state is None:
        state = RollupState(id=_STATE_ID, watermark=None, revision=0)
        session.add(state)
        session.flush()
    return state


def _dirty(session: Session, since: datetime) -> dict[str, set[int]]:
    me = MentionEntity
    fetched = (
        select(me.entity, me.published_at)
        .join(Mention, Mention.id == me.mention_id)
        .where(Mention.fetched_at > since)
    )
    scored = (
        select(me.entity, me.published_at)
        .join(Score, Score.mention_id == me.mention_id)
        .where(Score.scored_at > since)
    )
    out: dict[str, set[int]] = defaultdict(set)
    for query in (fetched, scored):
        for entity, published in session.execute(query):
            out[entity].add(bucket_index(published))
    return out


def _runs(indexes: set[int]) -> list[tuple[int, int]]:
    """Contiguous [first, last] runs of bucket indexes, small gaps merged."""
    runs: list[tuple[int, int]] = []
    for i in sorted(indexes):
        if runs and i - runs[-1][1] <= _MERGE_GAP:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def _rewrite_full(session: Session, revision: int) -> int:
    # Every mention at once: summed by the database rather than read and summed row by row,
    # and written as plain rows (a third of a million of them for a million mentions).
    rows = []
    starts: dict[int, datetime] = {}  # one datetime per bucket, shared by its keys
    for entity, index, source, lang, *sums in session.execute(_sums_query()):
        moment = starts.get(index)
        if moment is None:
            moment = starts[index] = bucket_start(int(index))
        rows.append(_row((entity, int(index), source, lang), _figures(sums), revision, moment))
    session.execute(delete(SeriesBucket))
    table = cast(Table, SeriesBucket.__table__)
    for start in range(0, len(rows), 5_000):
        session.execute(insert(table), rows[start : start + 5_000])
    return len(rows)


def _rewrite(
    session: Session,
    entities: list[str],
    first: int,
    last: int,
    dirty: set[tuple[str, int]],
    revision: int,
) -> int:
    """Recompute the dirty (entity, bucket) pairs lying in buckets `first..last`."""
    lo, hi = bucket_start(first), bucket_start(last + 1)
    me = MentionEntity
    fresh = _aggregate(
        session.execute(
            _rows_query().where(
                me.entity.in_(entities), me.published_at >= lo, me.published_at < hi
            )
        )
    )
    sb = SeriesBucket
    stored: dict[BucketKey, Figures] = {}
    for row in session.scalars(
        select(sb).where(sb.entity.in_(entities), sb.bucket_start >= lo, sb.bucket_start < hi)
    ):
        key = (row.entity, bucket_index(row.bucket_start), row.source, row.lang)
        stored[key] = _figures([getattr(row, f) for f in METRIC_FIELDS])
    changed: list[dict[str, object]] = []
    zero: Figures = (0, 0, 0, 0, 0.0, 0, 0)
    for key in set(fresh) | set(stored):
        if (key[0], key[1]) not in dirty:
            continue
        figures = _figures(fresh[key]) if key in fresh else zero
        old = stored.get(key)
        if old is not None and tuple(old) == figures:
            continue
        if old is None and figures == zero:
            continue
        changed.append(_row(key, figures, revision))
    for row_values in changed:
        # A bucket that lost its mentions keeps a zero row, so readers see the change.
        _delete_row(session, row_values)
    if changed:
        session.execute(insert(SeriesBucket), changed)
    return len(changed)


def roll_up(session: Session, now: datetime, lag: timedelta = SAFETY_LAG) -> RollupReport:
    """Bring `series_buckets` up to date with the raw tables, in the caller's transaction."""
    state = _state(session)
    revision = state.revision + 1
    if state.watermark is None:
        rewritten = _rewrite_full(session, revision)
        full = True
    else:
        rewritten = 0
        full = False
        dirty = _dirty(session, state.watermark - lag)
        pairs = {(e, i) for e, indexes in dirty.items() for i in indexes}
        every = {i for _, i in pairs}
        if every and max(every) - min(every) <= _BATCH_SPAN:
            # The usual case: a few minutes of new mentions, recomputed with one read.
            rewritten = _rewrite(session, sorted(dirty), min(every), max(every), pairs, revision)
        else:
            for entity, indexes in dirty.items():
                for first, last in _runs(indexes):
                    rewritten += _rewrite(session, [entity], first, last, pairs, revision)
    if rewritten:
        state.revision = revision
    state.watermark = now
    return RollupReport(state.revision, rewritten, full)


def current_revision(session: Session) -> int:
    """The revision of the last rollup that changed anything (0 before the first)."""
    value = session.scalar(select(func.max(RollupState.revision)))
    return int(value or 0)


def load_buckets(session: Session, buckets: Mapping[BucketKey, Figures], now: datetime) -> int:
    """Write figures straight into the rollup (count backtests, rule unit tests).

    Rows already there for the same keys are replaced. The rollup's watermark is moved to
    `now`, so the next run does not rebuild the table from the (empty) raw mentions.
    """
    state = _state(session)
    state.revision += 1
    rows = [_row(key, figures, state.revision) for key, figures in buckets.items()]
    spans: dict[tuple[str, str, str], tuple[int, int]] = {}
    for entity, index, source, lang in buckets:
        lo, hi = spans.get((entity, source, lang), (index, index))
        spans[(entity, source, lang)] = (min(lo, index), max(hi, index))
    sb = SeriesBucket
    for (entity, source, lang), (lo, hi) in spans.items():
        stale = [
            bucket_index(moment)
            for moment in session.scalars(
                select(sb.bucket_start).where(
                    sb.entity == entity,
                    sb.source == source,
                    sb.lang == lang,
                    sb.bucket_start >= bucket_start(lo),
                    sb.bucket_start <= bucket_start(hi),
                )
            )
        ]
        for index in stale:
            if (entity, index, source, lang) in buckets:
                _delete_row(
                    session,
                    _row((entity, index, source, lang), buckets[(entity, index, source, lang)], 0),
                )
    for start in range(0, len(rows), 5_000):
        session.execute(insert(SeriesBucket), rows[start : start + 5_000])
    if state.watermark is None or state.watermark < now:
        state.watermark = now
    return len(rows)
