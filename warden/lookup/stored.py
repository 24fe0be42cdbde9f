"""The mentions Warden already stored that name the looked-up person or company, newest first,
with their stored sentiment.

A name that is a watched entity (its name or an alias, folded) is read from the entity index.
Any other name is matched, like an entity's name, with warden.phrases (case- and
accent-insensitive, on word boundaries, elisions understood) over the most recent stored
mentions, read in batches, at most `scan` of them. A place, when given, must occur too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from warden.config import EntitySettings
from warden.folding import fold
from warden.lookup.results import FoundItem, LookupQuery
from warden.phrases import PhraseMatcher
from warden.store.db import Database
from warden.store.models import Mention, MentionEntity, Score

DEFAULT_SCAN = 20_000
"""Most recent mentions read when the name is not a watched entity."""
_BATCH = 1_000


def watched_entity(entities: Sequence[EntitySettings], name: str) -> str | None:
    """The watched entity `name` is the name or an alias of (folded comparison), if any."""
    wanted = " ".join(fold(name).split())
    for entity in entities:
        if any(" ".join(fold(n).split()) == wanted for n in (entity.name, *entity.aliases)):
            return entity.name
    return None


def _columns() -> Select[Mention, Score]:
    return select(Mention, Score).outerjoin(Score, Score.mention_id == Mention.id)


def _item(mention: Mention, score: Score | None) -> FoundItem:
    return FoundItem(
        text=mention.text,
        title=mention.title,
        published_at=mention.published_at,
        url=mention.url,
        author=mention.author_handle or mention.author_name,
        followers=mention.author_followers,
        engagement=mention.engagement,
        lang=mention.lang,
        sentiment=score.label if score is not None else None,
        sentiment_score=score.score if score is not None else None,
        mention_id=mention.id,
    )


def _rows(session: Session, query: Select[Mention, Score], scan: int) -> Iterator[Any]:
    """Rows of `query` (ordered newest first), read `_BATCH` at a time, at most `scan`."""
    for offset in range(0, scan, _BATCH):
        rows = session.execute(query.limit(min(_BATCH, scan - offset)).offset(offset)).all()
        yield from rows
        if len(rows) < _BATCH:
            return


def stored_mentions(
    db: Database,
    entities: Sequence[EntitySettings],
    query: LookupQuery,
    limit: int,
    scan: int = DEFAULT_SCAN,
) -> list[FoundItem]:
    """At most `limit` stored mentions naming `query.name` (and its place), newest first."""
    name = PhraseMatcher([query.name])
    place = PhraseMatcher([query.place]) if query.place and query.place.strip() else None
    entity = watched_entity(entities, query.name)
    newest = (Mention.published_at.desc(), Mention.id.desc())
    if entity is not None:
        ordered = (
            _columns()
            .join(MentionEntity, MentionEntity.mention_id == Mention.id)
            .where(MentionEntity.entity == entity)
            .order_by(MentionEntity.published_at.desc(), Mention.id.desc())
        )
    else:
        ordered = _columns().order_by(*newest)
    found: list[FoundItem] = []
    with db.session() as session:
        for mention, score in _rows(session, ordered, scan):
            text = f"{mention.title or ''} \n {mention.text}"
            if entity is None and not name.find(text):
                continue
            if place is not None and not place.find(text):
                continue
            found.append(_item(mention, score))
            if len(found) >= limit:
                break
    return found
