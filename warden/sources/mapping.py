"""Declarative JSON item → mention: a `FieldMapping` says where each field is in the item."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warden.sources.base import MentionDraft
from warden.sources.drafting import UnusableItem, make_draft
from warden.sources.jsonpath import lookup
from warden.sources.settings import FieldMapping


def draft_from_item(
    item: Any,
    fields: FieldMapping,
    source: str,
    fetched_at: datetime,
    base_url: str | None = None,
) -> MentionDraft:
    """The draft of one JSON item read through `fields`; raises UnusableItem if it cannot be one.

    A relative link is resolved against `fields.url_base`, else `base_url` (the URL the item was
    fetched from, for http_json)."""
    if not isinstance(item, dict):
        raise UnusableItem(f"expected a JSON object, got {type(item).__name__}")
    author = item.get("author")
    handle = lookup(item, fields.author_handle)
    if handle is None and isinstance(author, str) and fields.author_handle == "author.handle":
        handle = author  # the short form {"author": "someone"}
    return make_draft(
        source=source,
        external_id=lookup(item, fields.id),
        text=lookup(item, fields.text),
        title=lookup(item, fields.title),
        url=lookup(item, fields.url),
        published_at=lookup(item, fields.published_at),
        fetched_at=fetched_at,
        author_handle=handle,
        author_name=lookup(item, fields.author_name),
        author_followers=lookup(item, fields.author_followers),
        lang=lookup(item, fields.lang),
        likes=lookup(item, fields.likes),
        reposts=lookup(item, fields.reposts),
        replies=lookup(item, fields.replies),
        raw=item,
        reply_to=lookup(item, fields.reply_to),
        time_format=fields.time_format,
        text_format=fields.text_format,
        base_url=str(fields.url_base) if fields.url_base else base_url,
    )
