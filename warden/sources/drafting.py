"""Building a `MentionDraft` from a platform's fields, once for every source.

Text and titles lose their HTML and their extra whitespace, times become UTC, counts become
non-negative integers, the language is detected when the platform does not give it, and an item
without usable text or id is refused with `UnusableItem` (the caller logs and skips it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from warden.log import get_logger
from warden.sources.base import MentionDraft
from warden.sources.language import detect_language
from warden.sources.normalize import clean_text, normalise_lang, parse_time, to_count

log = get_logger(__name__)

MAX_TEXT_CHARS = 20_000
"""Longer texts are cut: a mention is a post or an article's summary, not a book."""


class UnusableItem(ValueError):
    """An item that cannot become a mention (no text, no id, unreadable time...)."""


def _optional_text(value: Any, limit: int = 1000) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = clean_text(str(value))
    return text[:limit] or None


def make_draft(
    *,
    source: str,
    external_id: Any,
    text: Any,
    published_at: Any,
    fetched_at: datetime,
    url: Any = None,
    title: Any = None,
    author_handle: Any = None,
    author_name: Any = None,
    author_followers: Any = None,
    lang: Any = None,
    likes: Any = 0,
    reposts: Any = 0,
    replies: Any = 0,
    raw: dict[str, Any] | None = None,
    time_format: str = "auto",
) -> MentionDraft:
    """The normalised draft of one item; raises UnusableItem when it has no text or no id."""
    if external_id is None or isinstance(external_id, dict | list) or str(external_id) == "":
        raise UnusableItem("item has no id")
    body = clean_text(text if isinstance(text, str) else None)[:MAX_TEXT_CHARS]
    clean_title = _optional_text(title)
    if not body:
        if not clean_title:
            raise UnusableItem("item has no text")
        body = clean_title
    if published_at is None or published_at == "":
        when = fetched_at
    else:
        try:
            when = parse_time(published_at, time_format)
        except ValueError as exc:
            raise UnusableItem(f"unreadable time: {exc}") from None
    followers = None if author_followers is None else to_count(author_followers)
    link = url.strip() if isinstance(url, str) and url.strip() else None
    return MentionDraft(
        source=source,
        external_id=str(external_id),
        text=body,
        title=clean_title,
        published_at=when,
        url=link,
        author_handle=_optional_text(author_handle, 255),
        author_name=_optional_text(author_name, 255),
        author_followers=followers,
        lang=normalise_lang(lang) or detect_language(body),
        likes=to_count(likes),
        reposts=to_count(reposts),
        replies=to_count(replies),
        raw=raw,
    )


def skip_item(source: str, reason: str, item_id: Any = None, **context: Any) -> None:
    """Log an item that was skipped, with the source's name and why."""
    log.info(
        "source.item_skipped",
        source=source,
        reason=reason,
        item=None if item_id is None else str(item_id)[:200],
        **context,
    )


def drafts_of_objects(
    items: Sequence[Any],
    source: str,
    what: str,
    id_key: str,
    make: Callable[[dict[str, Any]], MentionDraft],
) -> tuple[list[tuple[dict[str, Any], MentionDraft]], int]:
    """The JSON objects of a platform's page made into drafts, each with its object, and how
    many items were skipped: non-objects (``"<what> is not a JSON object"``) and objects
    ``make`` refused, each logged with its ``id_key``."""
    out: list[tuple[dict[str, Any], MentionDraft]] = []
    skipped = 0
    for item in items:
        try:
            if not isinstance(item, dict):
                raise UnusableItem(f"{what} is not a JSON object")
            out.append((item, make(item)))
        except UnusableItem as exc:
            skipped += 1
            skip_item(source, str(exc), item.get(id_key) if isinstance(item, dict) else None)
    return out, skipped
