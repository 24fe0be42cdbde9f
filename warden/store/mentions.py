"""Writing mentions: de-duplicated across polls, restarts and sources (same URL or external id)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from warden.sources.base import MentionDraft
from warden.sources.normalize import text_key, url_key
from warden.store.models import Mention, MentionEntity


@dataclass
class IngestResult:
    inserted: list[int]
    duplicates: int


def _row_values(draft: MentionDraft, fetched_at: datetime) -> dict[str, Any]:
    published = min(draft.published_at, fetched_at)  # a clock ahead of ours is not the future
    return {
        "source": draft.source,
        "external_id": draft.external_id[:512],
        "url": draft.url,
        "url_key": url_key(draft.url),
        "author_handle": (draft.author_handle or None) and draft.author_handle[:255],
        "author_name": (draft.author_name or None) and draft.author_name[:255],
        "author_followers": draft.author_followers,
        "title": draft.title,
        "text": draft.text,
        "text_key": text_key(draft.text),
        "lang": draft.lang,
        "published_at": published,
        "fetched_at": fetched_at,
        "likes": draft.likes,
        "reposts": draft.reposts,
        "replies": draft.replies,
        "raw": draft.raw,
        "scored": False,
    }


def _insert(session: Session, drafts: Sequence[MentionDraft], fetched_at: datetime) -> list[int]:
    """Insert mentions and their entity tags in two multi-row statements; return the new ids."""
    values = [_row_values(d, fetched_at) for d in drafts]
    statement = insert(Mention).returning(Mention.id, sort_by_parameter_order=True)
    ids = list(session.scalars(statement, values))
    tags = [
        {"mention_id": mention_id, "entity": name, "published_at": row["published_at"]}
        for mention_id, draft, row in zip(ids, drafts, values, strict=True)
        for name in dict.fromkeys(draft.entities)
    ]
    if tags:
        session.execute(insert(MentionEntity), tags)
    return ids


def store_mentions(
    session: Session, drafts: Sequence[MentionDraft], fetched_at: datetime
) -> IngestResult:
    """Insert the drafts not already stored; return the new ids and how many were duplicates."""
    if not drafts:
        return IngestResult([], 0)
    by_source_id = {(d.source, d.external_id[:512]) for d in drafts}
    keys = {k for k in (url_key(d.url) for d in drafts) if k}
    existing_ids: set[tuple[str, str]] = set()
    sources = {s for s, _ in by_source_id}
    for source in sources:
        ids = [e for s, e in by_source_id if s == source]
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            rows = session.execute(
                select(Mention.external_id).where(
                    Mention.source == source, Mention.external_id.in_(chunk)
                )
            )
            existing_ids.update((source, r[0]) for r in rows)
    existing_urls: set[str] = set()
    key_list = list(keys)
    for chunk_start in range(0, len(key_list), 500):
        chunk = key_list[chunk_start : chunk_start + 500]
        found = session.execute(select(Mention.url_key).where(Mention.url_key.in_(chunk)))
        existing_urls.update(key for (key,) in found if key is not None)
    duplicates = 0
    seen_ids: set[tuple[str, str]] = set()
    fresh: list[MentionDraft] = []
    for draft in drafts:
        ident = (draft.source, draft.external_id[:512])
        ukey = url_key(draft.url)
        if ident in existing_ids or ident in seen_ids or (ukey and ukey in existing_urls):
            duplicates += 1
            continue
        seen_ids.add(ident)
        if ukey:
            existing_urls.add(ukey)
        fresh.append(draft)
    if not fresh:
        return IngestResult([], duplicates)
    try:
        with session.begin_nested():  # the common case: one batch, two statements
            return IngestResult(_insert(session, fresh, fetched_at), duplicates)
    except IntegrityError:
        pass  # another instance stored some of them meanwhile: insert one by one
    inserted: list[int] = []
    for draft in fresh:
        try:
            with session.begin_nested():
                inserted.extend(_insert(session, [draft], fetched_at))
        except IntegrityError:
            duplicates += 1
    return IngestResult(inserted, duplicates)
