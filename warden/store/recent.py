"""Raw mentions of a recent window, for detectors that read posts (keywords, authors, new terms).

Every query is bounded by a time window on the (entity, published_at) index and by a row limit,
so these reads cost the same with a thousand or a million stored mentions. Backfill mentions
are left out, as from the series (warden.store.models.counted). A baseline that needs
only sentiment scores reads just those (`recent_scores`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, desc, func, select
from sqlalchemy.orm import Session

from warden.store.models import Mention, MentionEntity, Score, counted

DEFAULT_LIMIT = 2_000


@dataclass(frozen=True)
class RecentMention:
    """The fields detectors read from one mention."""

    id: int
    text: str
    author: str
    followers: int | None
    engagement: int
    published_at: datetime
    label: str | None
    score: float | None


def _window(
    query: Select[*tuple[Any, ...]],
    entity: str,
    since: datetime,
    until: datetime,
    source: str | None,
    lang: str | None,
) -> Select[*tuple[Any, ...]]:
    me = MentionEntity
    query = query.where(me.entity == entity, me.published_at > since, me.published_at <= until)
    if source is not None:
        query = query.where(Mention.source == source)
    if lang is not None:
        query = query.where(func.coalesce(Mention.lang, "") == lang)
    return query


def _posts(*columns: Any) -> Select[*tuple[Any, ...]]:
    return (
        select(*columns)
        .select_from(MentionEntity)
        .join(Mention, Mention.id == MentionEntity.mention_id)
        .outerjoin(Score, Score.mention_id == MentionEntity.mention_id)
        .where(counted())
    )


def recent_mentions(
    session: Session,
    entity: str,
    since: datetime,
    until: datetime,
    *,
    source: str | None = None,
    lang: str | None = None,
    limit: int = DEFAULT_LIMIT,
    scored_only: bool = False,
    min_engagement: int | None = None,
) -> list[RecentMention]:
    """Mentions of `entity` published in (since, until], newest first, at most `limit`."""
    engagement = Mention.likes + Mention.reposts + Mention.replies
    query = _posts(
        Mention.id,
        Mention.title,
        Mention.text,
        func.coalesce(Mention.author_handle, Mention.author_name, ""),
        Mention.author_followers,
        engagement,
        MentionEntity.published_at,
        Score.label,
        Score.score,
    )
    query = _window(query, entity, since, until, source, lang)
    if scored_only:
        query = query.where(Score.label.is_not(None))
    if min_engagement is not None:
        query = query.where(engagement >= min_engagement)
    query = query.order_by(desc(MentionEntity.published_at)).limit(limit)
    return [
        RecentMention(
            id=int(mid),
            text=f"{title}\n{text}" if title else str(text),
            author=str(author),
            followers=followers,
            engagement=int(eng or 0),
            published_at=published,
            label=label,
            score=score,
        )
        for mid, title, text, author, followers, eng, published, label, score in session.execute(
            query
        )
    ]


def recent_scores(
    session: Session,
    entity: str,
    since: datetime,
    until: datetime,
    *,
    source: str | None = None,
    lang: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[float]:
    """The sentiment scores of `recent_mentions(..., scored_only=True)`, and nothing else to
    read: a baseline of thousands of scores costs no text or mention object."""
    query = _window(_posts(Score.score), entity, since, until, source, lang)
    query = query.where(Score.label.is_not(None))
    query = query.order_by(desc(MentionEntity.published_at)).limit(limit)
    return [float(score) for score in session.scalars(query) if score is not None]


def top_mentions(
    session: Session,
    entity: str,
    since: datetime,
    until: datetime,
    limit: int,
    prefer_negative: bool = False,
    *,
    source: str | None = None,
    lang: str | None = None,
) -> list[int]:
    """Ids of the mentions an on-call person should read first: most reach and engagement."""
    if limit <= 0:
        return []
    reach = func.coalesce(Mention.author_followers, 0)
    engagement = Mention.likes + Mention.reposts + Mention.replies
    order = [desc(engagement * 10 + reach), desc(Mention.published_at)]
    if prefer_negative:
        order.insert(0, desc(case((Score.label == "negative", 1), else_=0)))
    query: Select[*tuple[Any, ...]] = (
        select(Mention.id)
        .select_from(MentionEntity)
        .join(Mention, Mention.id == MentionEntity.mention_id)
        .outerjoin(Score, Score.mention_id == Mention.id)
        .where(counted())
    )
    query = _window(query, entity, since, until, source, lang).order_by(*order).limit(limit)
    return [int(i) for i in session.scalars(query)]
