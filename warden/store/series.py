"""Read-side queries the detection stage shares: per-entity counts in a window, and the evidence."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, desc, func, select
from sqlalchemy.orm import Session

from warden.store.models import Mention, MentionEntity, Score


@dataclass(frozen=True)
class WindowStats:
    """What was said about one entity in a time window."""

    count: int = 0
    scored: int = 0
    negative: int = 0
    positive: int = 0

    @property
    def negative_share(self) -> float:
        return self.negative / self.scored if self.scored else 0.0


def window_stats(
    session: Session, since: datetime, until: datetime, entities: Iterable[str] | None = None
) -> dict[str, WindowStats]:
    """Counts per entity for mentions published in (since, until]."""
    me = MentionEntity
    query = (
        select(
            me.entity,
            func.count(),
            func.count(Score.mention_id),
            func.sum(case((Score.label == "negative", 1), else_=0)),
            func.sum(case((Score.label == "positive", 1), else_=0)),
        )
        .select_from(me)
        .outerjoin(Score, Score.mention_id == me.mention_id)
        .where(me.published_at > since, me.published_at <= until)
        .group_by(me.entity)
    )
    wanted = list(entities) if entities is not None else None
    if wanted is not None:
        query = query.where(me.entity.in_(wanted))
    return {
        entity: WindowStats(int(count), int(scored), int(neg or 0), int(pos or 0))
        for entity, count, scored, neg, pos in session.execute(query)
    }


def top_mentions(
    session: Session,
    entity: str,
    since: datetime,
    until: datetime,
    limit: int,
    prefer_negative: bool = False,
) -> list[Mention]:
    """The mentions an on-call person should read first: most reach and engagement first."""
    if limit <= 0:
        return []
    reach = func.coalesce(Mention.author_followers, 0)
    engagement = Mention.likes + Mention.reposts + Mention.replies
    order = [desc(engagement * 10 + reach), desc(Mention.published_at)]
    if prefer_negative:
        order.insert(0, desc(case((Score.label == "negative", 1), else_=0)))
    query = (
        select(Mention)
        .join(MentionEntity, MentionEntity.mention_id == Mention.id)
        .outerjoin(Score, Score.mention_id == Mention.id)
        .where(
            MentionEntity.entity == entity,
            MentionEntity.published_at > since,
            MentionEntity.published_at <= until,
        )
        .order_by(*order)
        .limit(limit)
    )
    return list(session.scalars(query).unique())
