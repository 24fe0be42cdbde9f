"""One searcher per source that can search: the configured X, Bluesky, Mastodon, Reddit and
Hacker News sources, and Google News RSS search (`lookup.google_news`, read by the RSS
source's parser).

A searcher reuses its source's own adapter (warden.sources.*) with the look-up's query in
place of the configured one: same base URL, credentials, User-Agent and item normaliser, one
page of at most `limit` items, newest first. Reddit is searched site-wide (a configured
`subreddit` is left out), Bluesky in every language, Mastodon through /api/v2/search (which
returns statuses only to an authenticated client: a source without `token` says so instead of
asking). Several sources of one platform and host are asked once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import feedparser
from pydantic import BaseModel

from warden.clock import Clock
from warden.config import Config
from warden.errors import SourceError, WardenError
from warden.lookup.results import STORED, LookupQuery
from warden.lookup.settings import GoogleNewsSettings
from warden.sources.base import MentionDraft, PollState
from warden.sources.http import HttpFetcher
from warden.sources.registry import build_source
from warden.sources.rss import parse_feed

SEARCHABLE = ("x", "bluesky", "mastodon", "reddit", "hackernews")
"""Source types whose platform has a search API."""

GOOGLE_NEWS = "google-news"
"""Name of the Google News group (and of `--source google-news`)."""

Search = Callable[[HttpFetcher, Clock], list[MentionDraft]]


@dataclass(frozen=True)
class Searcher:
    """How to ask one source. `problem` is set when it cannot be asked (then `search` is not
    called and the group shows the problem)."""

    name: str
    platform: str
    query: str
    search: Search
    problem: str | None = None


def _adapter_search(settings: BaseModel) -> Search:
    """Search with `settings`' adapter: a first poll, which fetches one page, newest first."""

    def search(http: HttpFetcher, clock: Clock) -> list[MentionDraft]:
        return build_source(settings).poll(PollState(), http, clock).drafts  # type: ignore[arg-type]

    return search


def _platform_query(kind: str, query: LookupQuery) -> str:
    if kind == "x":
        return f"{query.phrase} -is:retweet"  # reposts repeat what the originals say
    return query.phrase


def _search_update(
    source: Any, query: LookupQuery, limit: int, timeout: timedelta
) -> dict[str, Any]:
    """The settings that change when `source` is searched for `query`."""
    update: dict[str, Any] = {
        "query": _platform_query(source.type, query),
        "max_pages": 1,
        "timeout": timeout,
    }
    if source.type == "x":
        update["page_size"] = max(10, min(limit, 100))  # the API takes 10 to 100
    elif source.type == "mastodon":
        update.update(hashtag=None, page_size=min(limit, 40))
    elif source.type == "reddit":
        update.update(subreddit=None, page_size=min(limit, 100))
    elif source.type == "bluesky":
        update.update(lang=None, page_size=min(limit, 100))
    else:  # hackernews
        update.update(tags="(story,comment)", page_size=min(limit, 1000))
    return update


def _host(source: Any) -> str:
    if source.type == "bluesky" and source.identifier is not None:
        return str(source.pds_url)
    return str(source.base_url)


def source_searchers(
    config: Config, query: LookupQuery, limit: int, timeout: timedelta
) -> list[Searcher]:
    """A searcher for each enabled configured source that can search, in config order."""
    out: list[Searcher] = []
    seen: set[tuple[str, str]] = set()
    for source in config.sources:
        if source.type not in SEARCHABLE or not source.enabled:
            continue
        key = (source.type, _host(source))
        if key in seen:
            continue
        seen.add(key)
        update = _search_update(source, query, limit, timeout)
        problem = None
        if source.type == "mastodon" and not source.token:
            problem = (
                f"searching statuses on {source.base_url} needs an access token: set `token:` "
                f"on source {source.name!r}"
            )
        copy = source.model_copy(update=update)
        out.append(
            Searcher(source.name, source.type, update["query"], _adapter_search(copy), problem)
        )
    return out


def google_news_url(settings: GoogleNewsSettings, text: str) -> str:
    """The RSS search URL of `text`: /rss/search?q=&hl=&gl=&ceid=<country>:<language>."""
    language = settings.language
    params = {
        "q": text,
        "hl": language,
        "gl": settings.country,
        "ceid": f"{settings.country}:{language.split('-')[0]}",
    }
    return str(settings.base_url).rstrip("/") + "/rss/search?" + urlencode(params)


def _publishers(content: bytes) -> dict[str, str]:
    """Link → publisher name (each item's `<source>`) of a Google News feed."""
    parsed = feedparser.parse(content)
    out: dict[str, str] = {}
    for entry in parsed.entries:
        source = entry.get("source") or {}
        title = source.get("title") if isinstance(source, dict) else None
        link = entry.get("link")
        if isinstance(link, str) and isinstance(title, str) and title.strip():
            out[link] = title.strip()
    return out


def _credit(draft: MentionDraft, publisher: str | None) -> MentionDraft:
    """The publisher as the author, and its name cut off the headline ("Titre - Le Monde")."""
    if not publisher:
        return draft
    suffix = f" - {publisher}"
    draft.author_name = draft.author_name or publisher
    if draft.title and draft.title.endswith(suffix):
        draft.title = draft.title.removesuffix(suffix)
    if draft.text.endswith(suffix):
        draft.text = draft.text.removesuffix(suffix)
    return draft


def google_news_searcher(
    settings: GoogleNewsSettings, query: LookupQuery, limit: int, timeout: timedelta
) -> Searcher:
    """Google News RSS search for the query's phrase, read by the RSS source's parser; each
    article's publisher (its `<source>`) is its author."""
    url = google_news_url(settings, query.phrase)

    def search(http: HttpFetcher, clock: Clock) -> list[MentionDraft]:
        response = http.get(url, timeout=timeout.total_seconds())
        try:
            drafts, _ = parse_feed(response.content, GOOGLE_NEWS, clock.now(), url)
        except SourceError as exc:
            raise SourceError(f"{response.where}: {exc}") from None
        publishers = _publishers(response.content)
        drafts = [_credit(d, publishers.get(d.url or "")) for d in drafts]
        drafts.sort(key=lambda d: d.published_at, reverse=True)
        return drafts[:limit]

    return Searcher(GOOGLE_NEWS, "google_news", query.phrase, search)


def build_searchers(
    config: Config, query: LookupQuery, limit: int, timeout: timedelta
) -> list[Searcher]:
    """Every searcher the query selects (all when `query.sources` is empty).

    Raises WardenError naming the choices when a selected name is neither a searchable
    configured source, "google-news" nor "stored".
    """
    searchers = source_searchers(config, query, limit, timeout)
    if config.lookup.google_news.enabled:
        searchers.append(google_news_searcher(config.lookup.google_news, query, limit, timeout))
    if not query.sources:
        return searchers
    known = [s.name for s in searchers] + [STORED]
    unknown = [name for name in query.sources if name not in known]
    if unknown:
        raise WardenError(
            f"cannot search {', '.join(map(repr, unknown))}: the sources that can search are "
            + ", ".join(known)
        )
    return [s for s in searchers if s.name in query.sources]
