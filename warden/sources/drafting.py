"""Building a `MentionDraft` from a platform's fields, once for every source.

Text and titles are read as the platform writes them (HTML, plain, or plain with entities
escaped: markup is stripped from HTML only), links are made absolute against the page or feed
they came from, times become UTC, counts become non-negative integers, the language is
detected when the platform does not give it, and an item without usable text or id is refused
with `UnusableItem` (the caller logs and skips it). An item whose date cannot be read is kept,
stamped with the time it was fetched, and the source says so once (`source.date_unreadable`);
so is an implausible date (before 1990, such as ``0`` read as 1970, or more than a day after
the fetch: see warden.sources.dates.plausible);
a link that is not an absolute http(s) URL even after resolution is dropped and said once
(`source.link_unusable`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from warden.log import get_logger
from warden.sources.base import MentionDraft
from warden.sources.dates import plausible
from warden.sources.language import detect_language
from warden.sources.normalize import (
    TextFormat,
    clean_text,
    normalise_lang,
    parse_time,
    resolve_url,
    to_count,
)

log = get_logger(__name__)

MAX_TEXT_CHARS = 20_000
"""Longer texts are cut: a mention is a post or an article's summary, not a book."""


class UnusableItem(ValueError):
    """An item that cannot become a mention (no text, no id, not a JSON object...)."""


_said: set[tuple[str, str]] = set()
_said_lock = threading.Lock()


def say_once(event: str, source: str, **context: Any) -> None:
    """Log `event` for `source` the first time only (per process): a feed whose dates are all
    unreadable says so once, not once per item and poll."""
    with _said_lock:
        if (event, source) in _said:
            return
        _said.add((event, source))
    log.warning(event, source=source, **context)


def _optional_text(value: Any, limit: int = 1000, fmt: TextFormat = "plain") -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    text = clean_text(str(value), fmt)
    return text[:limit] or None


def _published(source: str, published_at: Any, fetched_at: datetime, time_format: str) -> datetime:
    if published_at is None or published_at == "":
        return fetched_at
    try:
        when = parse_time(published_at, time_format)
        if reason := plausible(when, fetched_at):
            raise ValueError(f"implausible date: {reason}")
        return when
    except ValueError as exc:
        say_once(
            "source.date_unreadable",
            source,
            value=str(published_at)[:100],
            error=str(exc)[:300],
            action="items stamped with the time they were fetched",
        )
        return fetched_at


def _link(source: str, url: Any, base_url: str | None) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return None
    link = resolve_url(url, base_url)
    if link is None:
        say_once(
            "source.link_unusable",
            source,
            url=url.strip()[:300],
            base=base_url,
            action="stored without a link" + ("" if base_url else "; set a base URL"),
        )
    return link


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
    reply_to: Any = None,
    time_format: str = "auto",
    text_format: TextFormat = "plain",
    base_url: str | None = None,
) -> MentionDraft:
    """The normalised draft of one item; raises UnusableItem when it has no text or no id.

    `text_format` says how `text` and `title` are written ("html", "plain" or "escaped", see
    warden.sources.normalize.TextFormat); author fields are plain text. `url` is resolved
    against `base_url` (the feed or API URL the item came from) when it is relative.
    `reply_to` is the id of the post this item answers (kept when a non-empty string or number).
    """
    if external_id is None or isinstance(external_id, dict | list) or str(external_id) == "":
        raise UnusableItem("item has no id")
    body = clean_text(text if isinstance(text, str) else None, text_format)[:MAX_TEXT_CHARS]
    clean_title = _optional_text(title, fmt=text_format)
    if not body:
        if not clean_title:
            raise UnusableItem("item has no text")
        body = clean_title
    followers = None if author_followers is None else to_count(author_followers)
    return MentionDraft(
        source=source,
        external_id=str(external_id),
        text=body,
        title=clean_title,
        published_at=_published(source, published_at, fetched_at, time_format),
        url=_link(source, url, base_url),
        author_handle=_optional_text(author_handle, 255),
        author_name=_optional_text(author_name, 255),
        author_followers=followers,
        lang=normalise_lang(lang) or detect_language(body),
        likes=to_count(likes),
        reposts=to_count(reposts),
        replies=to_count(replies),
        raw=raw,
        reply_to=_reply_id(reply_to),
    )


def _reply_id(value: Any) -> str | None:
    """The parent post's id as stored (at most 512 characters), or None."""
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value) == "":
        return None
    return str(value)[:512]


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
