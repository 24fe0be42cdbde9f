"""RSS 0.9x/1.0/2.0 and Atom feeds (Google Alerts, news sites): each new entry becomes a mention.

Requests are conditional (ETag / Last-Modified), so an unchanged feed costs a 304. Google Alerts
wraps every link in a google.com/url redirect: the real article URL is unwrapped so the same
article found through another source is recognised as a duplicate. A relative link is resolved
against the entry's `xml:base`, else the channel's own link, else the feed's URL, so it is
clickable in an alert and never mistaken for another feed's article with the same path.
Titles and bodies are read as the feed declares them: HTML loses its markup, plain text (even
`a &lt; b`, which the feed escaped) keeps every character.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import feedparser

from warden.clock import Clock
from warden.errors import SourceError
from warden.log import get_logger
from warden.sources.base import MentionDraft, PollResult, PollState
from warden.sources.drafting import UnusableItem, make_draft, skip_item
from warden.sources.http import HttpFetcher
from warden.sources.normalize import html_to_text, plain_text, resolve_url
from warden.sources.settings import RssSource

log = get_logger(__name__)

_REDIRECT_HOSTS = ("www.google.com", "google.com", "news.google.com")


def unwrap_redirect(url: str | None) -> str | None:
    """The target of a Google redirect link (`https://www.google.com/url?...&url=<target>`)."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.netloc.lower() in _REDIRECT_HOSTS and parts.path == "/url":
        target = parse_qs(parts.query).get("url") or parse_qs(parts.query).get("q")
        if target and target[0].startswith(("http://", "https://")):
            return target[0]
    return url


def _entry_time(entry: Any) -> str | None:
    """The entry's date as the feed wrote it (published, else updated, else created), for
    make_draft to read with warden.sources.dates like every source's dates: feedparser's own
    reading is not used, as it takes an unknown zone name for UTC and ``04/05/2026`` month
    first. None when the entry has no date (make_draft then stamps the fetch time)."""
    for key in ("published", "updated", "created"):
        text = entry.get(key)
        if isinstance(text, str) and text.strip():
            return text
    return None


_MARKUP_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")


def _as_text(value: Any, content_type: Any) -> str:
    """A feed text construct as a reader sees it: markup stripped only when it is HTML."""
    if not isinstance(value, str):
        return ""
    if isinstance(content_type, str) and content_type.lower() in _MARKUP_TYPES:
        return html_to_text(value)
    return plain_text(value)


def _entry_title(entry: Any) -> str:
    detail = entry.get("title_detail") or {}
    return _as_text(entry.get("title"), detail.get("type"))


def _entry_body(entry: Any) -> str:
    for content in entry.get("content") or []:
        text = _as_text(content.get("value"), content.get("type", "text/html"))
        if text:
            return text
    detail = entry.get("summary_detail") or {}
    return _as_text(entry.get("summary") or entry.get("description"), detail.get("type"))


def feed_base(parsed: Any, feed_url: str | None) -> str | None:
    """What a relative entry link is relative to: the channel's link (made absolute against
    the feed's URL), else the feed's URL. feedparser applies `xml:base` itself."""
    channel = parsed.feed.get("link")
    if isinstance(channel, str) and channel.strip():
        resolved = resolve_url(channel, feed_url)
        if resolved:
            return resolved
    return feed_url


def entry_link(entry: Any, atom: bool) -> str | None:
    """The link the feed gives the entry: its `<link>` (Atom: the ``alternate`` one, not an
    enclosure or a ``self`` link), else in RSS a `<guid>` that is a permalink. feedparser also
    fills `link` from an Atom `<id>` (``tag:...``), which is a name, not a link: never used."""
    for link in entry.get("links") or []:
        href = link.get("href") if isinstance(link, dict) else None
        if isinstance(href, str) and href.strip() and link.get("rel", "alternate") == "alternate":
            return href
    guid = entry.get("id")
    if not atom and entry.get("guidislink") and isinstance(guid, str):
        return guid if guid.strip().lower().startswith(("http://", "https://")) else None
    return None


def _entry_id(entry: Any, title: str, text: str, link: str | None) -> str:
    """The entry's id: its guid / Atom id, else its (resolved) link, else a hash of its text."""
    ident = entry.get("id") or entry.get("guid") or link
    if ident:
        return str(ident)
    return "sha256:" + hashlib.sha256(f"{title}\n{text}".encode()).hexdigest()


def _entry_text(title: str, body: str) -> str:
    if not body or body == title:
        return title
    if not title or body.startswith(title):
        return body
    return f"{title} {body}" if title.endswith((".", "!", "?", ":")) else f"{title}. {body}"


def parse_feed(
    content: bytes, source: str, now: datetime, feed_url: str | None = None
) -> tuple[list[MentionDraft], int]:
    """Drafts from a feed document fetched from `feed_url`, and how many entries were skipped
    (no text, no id)."""
    parsed = feedparser.parse(content)
    if parsed.get("bozo") and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise SourceError(f"malformed feed ({type(reason).__name__}: {reason})")
    if not parsed.get("version") and not parsed.entries:
        raise SourceError("not an RSS or Atom feed")
    feed_lang = parsed.feed.get("language")
    atom = str(parsed.get("version") or "").startswith("atom")
    base = feed_base(parsed, feed_url)
    drafts: list[MentionDraft] = []
    skipped = 0
    for entry in parsed.entries:
        title = _entry_title(entry)
        text = _entry_text(title, _entry_body(entry))
        author = entry.get("author_detail") or {}
        raw_link = entry_link(entry, atom)
        link = unwrap_redirect(resolve_url(raw_link, base)) or raw_link
        try:
            draft = make_draft(
                source=source,
                external_id=_entry_id(entry, title, text, link),
                text=text,
                title=title or None,
                url=link,
                published_at=_entry_time(entry),
                fetched_at=now,
                base_url=base,
                author_name=author.get("name") or entry.get("author"),
                author_handle=author.get("email"),
                lang=entry.get("language") or feed_lang,
                raw={
                    k: str(v)
                    for k, v in entry.items()
                    if k in ("id", "link", "title", "published", "updated", "author")
                },
            )
        except UnusableItem as exc:
            skipped += 1
            skip_item(
                source, "entry has no title or text" if not text else str(exc), entry.get("id")
            )
            continue
        drafts.append(draft)
    if parsed.get("bozo"):
        reason = parsed.get("bozo_exception")
        if not drafts:
            raise SourceError(f"malformed feed ({type(reason).__name__}: {reason})")
        log.warning("source.feed_malformed", source=source, error=str(reason), kept=len(drafts))
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
            drafts, skipped = parse_feed(
                response.content, self.name, clock.now(), str(self.settings.url)
            )
        except SourceError as exc:
            raise SourceError(f"{self.settings.url}: {exc}") from None
        new_state = PollState(
            cursor=state.cursor,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
        )
        return PollResult(drafts, new_state, skipped=skipped)
