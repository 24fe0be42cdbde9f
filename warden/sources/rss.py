"""RSS 0.9x/1.0/2.0 and Atom feeds (Google Alerts, news sites): each new entry becomes a mention."""

from __future__ import annotations

import calendar
import hashlib
from datetime import UTC, datetime
from typing import Any

import feedparser

from warden.clock import Clock
from warden.errors import SourceError
from warden.log import get_logger
from warden.sources.base import MentionDraft, PollResult, PollState
from warden.sources.http import HttpFetcher
from warden.sources.language import detect_language
from warden.sources.normalize import clean_text
from warden.sources.settings import RssSource

log = get_logger(__name__)
_RAW_KEYS = ("id", "link", "title", "published", "updated", "author")


def _entry_time(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), UTC)
    return None


def _entry_text(entry: Any) -> str:
    contents = entry.get("content") or []
    for content in contents:
        text = clean_text(content.get("value"))
        if text:
            return text
    return clean_text(entry.get("summary") or entry.get("description"))


def _entry_id(entry: Any, title: str, text: str) -> str:
    ident = entry.get("id") or entry.get("guid") or entry.get("link")
    if ident:
        return str(ident)
    return "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def parse_feed(content: bytes, source: str, now: datetime) -> tuple[list[MentionDraft], int]:
    """Drafts from a feed document, and how many entries were skipped (no text, no id)."""
    parsed = feedparser.parse(content)
    if parsed.get("bozo") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise SourceError(f"malformed feed ({type(reason).__name__}: {reason})")
    if not parsed.get("version") and not parsed.entries:
        raise SourceError("not an RSS or Atom feed")
    drafts: list[MentionDraft] = []
    skipped = 0
    for entry in parsed.entries:
        title = clean_text(entry.get("title"))
        body = _entry_text(entry)
        text = body if body else title
        if title and body and not body.startswith(title):
            text = f"{title}. {body}" if not title.endswith((".", "!", "?")) else f"{title} {body}"
        if not text:
            skipped += 1
            log.info("source.item_skipped", source=source, reason="entry has no title or text")
            continue
        author = entry.get("author_detail") or {}
        drafts.append(
            MentionDraft(
                source=source,
                external_id=_entry_id(entry, title, text),
                text=text,
                title=title or None,
                url=entry.get("link"),
                published_at=_entry_time(entry) or now,
                author_name=clean_text(author.get("name") or entry.get("author")) or None,
                author_handle=author.get("email") or None,
                lang=(entry.get("language") or parsed.feed.get("language") or "")[:2].lower()
                or detect_language(text),
                raw={k: str(v) for k, v in entry.items() if k in _RAW_KEYS},
            )
        )
    return drafts, skipped


class RssFeed:
    """Polls one feed with conditional GETs; entries already seen are dropped by the store."""

    def __init__(self, settings: RssSource) -> None:
        self.settings = settings
        self.name = settings.name

    def poll(self, state: PollState, http: HttpFetcher, clock: Clock) -> PollResult:
        response = http.get(
            str(self.settings.url),
            headers=self.settings.headers,
            etag=state.etag,
            last_modified=state.last_modified,
            timeout=self.settings.timeout.total_seconds(),
        )
        if response.not_modified:
            return PollResult([], state, not_modified=True)
        try:
            drafts, skipped = parse_feed(response.content, self.name, clock.now())
        except SourceError as exc:
            raise SourceError(f"{self.settings.url}: {exc}") from None
        new_state = PollState(
            cursor=state.cursor,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )
        return PollResult(drafts, new_state, skipped=skipped)
