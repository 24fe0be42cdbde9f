"""Writing mentions once: the database's unique keys decide what is new, across polls, sources,
restarts and instances.

`mentions` has two unique keys, (`source`, `external_id`) and `url_key` (see
warden.sources.identity for what makes two items the same). Drafts are written with
``INSERT ... ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL alike), so two sources or two
instances storing the same post at the same moment store it once: there is no read-then-write
window. What the database refused is then looked up to say why, and an item whose id is already
stored with another link is a different item: it is written again under its qualified id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, insert, select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from warden.sources.base import MentionDraft
from warden.sources.identity import Identity, identify, item_key, link_key, same_content
from warden.store.models import Mention, MentionEntity

_CHUNK = 400
"""Keys per look-up query."""


@dataclass(frozen=True)
class Duplicate:
    """A draft not stored, why, and the stored mention it repeats (None: repeated in its poll)."""

    draft: MentionDraft
    reason: str
    """"same id": already stored from this source under this id (perhaps edited since);
    "same link": stored from `kept_source` with the same link; "repeated": listed twice in one
    poll."""
    kept_id: int | None = None
    kept_source: str | None = None


@dataclass
class IngestResult:
    inserted: list[int]
    duplicates: int
    dropped: list[Duplicate] = field(default_factory=list)


def _row_values(
    draft: MentionDraft, ident: Identity, fetched_at: datetime, backfill: bool
) -> dict[str, Any]:
    published = min(draft.published_at, fetched_at)  # a clock ahead of ours is not the future
    return {
        "source": ident.source,
        "external_id": ident.external_id,
        "url": draft.url,
        "url_key": ident.url_key,
        "author_handle": (draft.author_handle or None) and draft.author_handle[:255],
        "author_name": (draft.author_name or None) and draft.author_name[:255],
        "author_followers": draft.author_followers,
        "title": draft.title,
        "text": draft.text,
        "text_key": ident.text_key,
        "lang": draft.lang,
        "published_at": published,
        "fetched_at": fetched_at,
        "likes": draft.likes,
        "reposts": draft.reposts,
        "replies": draft.replies,
        "raw": draft.raw,
        "reply_to": draft.reply_to,
        "scored": False,
        "backfill": backfill or draft.backfill,
    }


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Insert `rows`, skipping any a unique key refuses; the new ids by (source, external_id).

    Rows go in `url_key` order, so two transactions inserting overlapping links take the
    index's locks in the same order and cannot deadlock (PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert
    ordered = sorted(rows, key=lambda r: (r["url_key"] or "~", r["source"], r["external_id"]))
    table = cast(Table, Mention.__table__)
    # One cached statement run over the rows (SQLAlchemy batches them into multi-row INSERTs
    # itself); a statement built with .values(rows) would be compiled anew for every poll.
    statement = (
        make(table)
        .on_conflict_do_nothing()
        .returning(table.c.id, table.c.source, table.c.external_id)
    )
    out: dict[tuple[str, str], int] = {}
    if ordered:
        for mention_id, source, external_id in session.execute(statement, ordered):
            out[(source, external_id)] = int(mention_id)
    return out


def _stored_with(
    session: Session, idents: Sequence[Identity]
) -> tuple[dict[tuple[str, str], tuple[int, str | None, str]], dict[str, tuple[int, str]]]:
    """The stored mentions holding these ids (id, url, text_key) and these links (id,
    source)."""
    by_id: dict[tuple[str, str], tuple[int, str | None, str]] = {}
    by_link: dict[str, tuple[int, str]] = {}
    pairs = list({(i.source, i.external_id) for i in idents})
    links = list({i.url_key for i in idents if i.url_key})
    for start in range(0, len(pairs), _CHUNK):
        held = select(
            Mention.id, Mention.source, Mention.external_id, Mention.url, Mention.text_key
        ).where(tuple_(Mention.source, Mention.external_id).in_(pairs[start : start + _CHUNK]))
        for mention_id, source, external_id, key, text in session.execute(held):
            by_id[(source, external_id)] = (int(mention_id), key, text)
    for start in range(0, len(links), _CHUNK):
        linked = select(Mention.id, Mention.source, Mention.url_key).where(
            Mention.url_key.in_(links[start : start + _CHUNK])
        )
        for mention_id, source, link in session.execute(linked):
            if link is not None:
                by_link[link] = (int(mention_id), source)
    return by_id, by_link


def _another_item(
    ident: Identity, url: str | None, text: str, shared_ids: set[tuple[str, str]]
) -> bool:
    """Whether a draft whose id is stored (with link `url` and text key `text`) is another
    item than the stored one: its content differs (its link, `#fragment` included, when both
    have one, else its text) and either the poll gave that id to several items or both have
    links."""
    stored = item_key(url)
    if same_content(stored, text, ident.item_key, ident.text_key):
        return False
    return (ident.source, ident.external_id) in shared_ids or bool(stored and ident.item_key)


def store_mentions(
    session: Session,
    drafts: Sequence[MentionDraft],
    fetched_at: datetime,
    backfill: bool = False,
) -> IngestResult:
    """Insert the drafts not already stored, with their entity tags; return the new ids and
    every draft set aside with its reason. `backfill` marks mentions a source had before its
    first poll (stored, tagged and scored, but not counted in series; see warden.store.rollup).
    """
    if not drafts:
        return IngestResult([], 0)
    batch = identify(drafts)
    dropped = [Duplicate(drafts[i], "repeated") for i in batch.repeats]
    skip = set(batch.repeats)
    todo = [
        (d, i) for n, (d, i) in enumerate(zip(drafts, batch.idents, strict=True)) if n not in skip
    ]
    stored: list[tuple[int, MentionDraft, dict[str, Any]]] = []
    for attempt in range(2):
        # One draft per id goes in (the poll's first); the others are then weighed against it.
        firsts: dict[tuple[str, str], tuple[MentionDraft, Identity]] = {}
        later = []
        for draft, ident in todo:
            if (ident.source, ident.external_id) in firsts:
                later.append((draft, ident))
            else:
                firsts[(ident.source, ident.external_id)] = (draft, ident)
        rows = {key: _row_values(d, i, fetched_at, backfill) for key, (d, i) in firsts.items()}
        new = _insert_new(session, list(rows.values()))
        stored.extend((new[key], firsts[key][0], rows[key]) for key in firsts if key in new)
        refused = [pair for key, pair in firsts.items() if key not in new] + later
        if not refused:
            break
        by_id, by_link = _stored_with(session, [i for _, i in refused])
        todo = []
        for draft, ident in refused:
            held = by_id.get((ident.source, ident.external_id))
            if held is not None:
                kept_id, kept_url, kept_text = held
                if attempt == 0 and _another_item(ident, kept_url, kept_text, batch.shared_ids):
                    # Posts of one thread: links equal but for their #fragment identify none.
                    same_page = ident.url_key is not None and link_key(kept_url) == ident.url_key
                    todo.append((draft, ident.qualified(keep_link=not same_page)))
                else:
                    dropped.append(Duplicate(draft, "same id", kept_id, ident.source))
                continue
            linked = by_link.get(ident.url_key or "")
            if linked is not None:
                dropped.append(Duplicate(draft, "same link", linked[0], linked[1]))
            else:  # the row that refused it was deleted meanwhile (retention): rare, say so
                dropped.append(Duplicate(draft, "same id"))
        if not todo:
            break
    tags = [
        {"mention_id": mention_id, "entity": name, "published_at": row["published_at"]}
        for mention_id, draft, row in stored
        for name in dict.fromkeys(draft.entities)
    ]
    for start in range(0, len(tags), 2_000):
        session.execute(insert(MentionEntity), tags[start : start + 2_000])
    order = {id(d): n for n, d in enumerate(drafts)}
    stored.sort(key=lambda s: order[id(s[1])])
    return IngestResult([s[0] for s in stored], len(dropped), dropped)
