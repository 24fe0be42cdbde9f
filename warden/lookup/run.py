"""Running a look-up: every selected source asked at once, each within the timeout, the found
texts scored in one batch, duplicates (same URL) shown once.

A source that fails, times out or cannot search becomes an error line in its group; the
others are still shown. Nothing is written to the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from sqlalchemy.exc import DBAPIError

from warden.clock import Clock, SystemClock
from warden.config import Config
from warden.errors import SourceError
from warden.log import get_logger
from warden.lookup.results import STORED, FoundItem, LookupQuery, LookupResult, SourceGroup
from warden.lookup.searchers import Searcher, build_searchers
from warden.lookup.stored import stored_mentions
from warden.sentiment.scorer import SentimentScorer
from warden.sources.base import MentionDraft
from warden.sources.http import HttpFetcher
from warden.sources.normalize import normalise_url, text_key
from warden.store.db import Database, database_problem

log = get_logger(__name__)

Progress = Callable[[SourceGroup], None]
"""Called with each group as soon as its source has answered (or failed)."""

NO_MODEL = "no sentiment model was given: found items are not scored"


def _item(draft: MentionDraft) -> FoundItem:
    return FoundItem(
        text=draft.text,
        title=draft.title,
        published_at=draft.published_at,
        url=draft.url,
        author=draft.author_handle or draft.author_name,
        followers=draft.author_followers,
        engagement=draft.likes + draft.reposts + draft.replies,
        lang=draft.lang,
    )


def _failure(exc: BaseException) -> str:
    """One line saying why a source failed: its own message for a SourceError."""
    if isinstance(exc, SourceError):
        text = str(exc)
    elif isinstance(exc, DBAPIError):
        text = database_problem(exc, Database.last_opened or "(unknown)")
    else:
        text = f"{type(exc).__name__}: {exc}"
    return " ".join(text.split()) or type(exc).__name__


def _ask(searcher: Searcher, http: HttpFetcher, clock: Clock, limit: int) -> list[FoundItem]:
    drafts = searcher.search(http, clock)
    drafts.sort(key=lambda d: d.published_at, reverse=True)
    return [_item(d) for d in drafts[:limit]]


def _dedupe(groups: list[SourceGroup]) -> None:
    """Keep the first item of each URL (in group order), counting the others per group."""
    seen: set[str] = set()
    for group in groups:
        kept: list[FoundItem] = []
        for item in group.items:
            key = normalise_url(item.url)
            if key is not None and key in seen:
                group.duplicates += 1
                continue
            if key is not None:
                seen.add(key)
            kept.append(item)
        group.items = kept


def score_items(result: LookupResult, scorer: SentimentScorer | None) -> None:
    """Score every found item of `result` without a stored score, in one batch (one
    `score_texts` call); without a scorer, say so in `result.sentiment_note`."""
    waiting = [i for g in result.groups for i in g.items if i.sentiment is None]
    if scorer is None:
        result.sentiment_note = result.sentiment_note or NO_MODEL
        return
    result.sentiment_model, result.sentiment_note = scorer.model_name, None
    if not waiting:
        return
    texts = [
        i.text if not i.title or i.title in i.text else f"{i.title}. {i.text}" for i in waiting
    ]
    scores = scorer.score_texts(texts, keys=[text_key(t) for t in texts])
    for item, found in zip(waiting, scores, strict=True):
        item.sentiment, item.sentiment_score = found.label, found.score


def run_lookup(
    config: Config,
    db: Database | None,
    query: LookupQuery,
    scorer: SentimentScorer | None = None,
    clock: Clock | None = None,
    *,
    progress: Progress | None = None,
    http: HttpFetcher | None = None,
) -> LookupResult:
    """Look `query` up in every selected source and in the stored mentions (when `db` is
    given), and score what was found with `scorer` (stored mentions keep their stored score).

    Sources run concurrently, each for at most `lookup.timeout`; a failure is the group's
    `error`, never an exception. Groups: stored mentions first, then the configured sources
    in config order, then Google News. Raises WardenError only for a `query.sources` name
    that cannot be searched.
    """
    clock = clock or SystemClock()
    settings = config.lookup
    limit = query.limit or settings.max_items
    timeout = settings.timeout.total_seconds()
    searchers = build_searchers(config, query, limit, settings.timeout)
    result = LookupResult(query=query, searched_at=clock.now())
    own_http = http is None
    fetcher = http or HttpFetcher(timeout=timeout, retries=0, max_retry_wait=0.0)
    groups: dict[str, SourceGroup] = {}
    tasks: dict[Future[list[FoundItem]], SourceGroup] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, len(searchers) + 1), thread_name_prefix="lookup")
    started = time.monotonic()
    if db is not None and (not query.sources or STORED in query.sources):
        group = groups.setdefault(STORED, SourceGroup(STORED, STORED, query.phrase))
        future = pool.submit(stored_mentions, db, config.entities, query, limit)
        tasks[future] = group
    for searcher in searchers:
        group = SourceGroup(searcher.name, searcher.platform, searcher.query)
        groups[searcher.name] = group
        if searcher.problem is not None:
            group.error = searcher.problem
            if progress:
                progress(group)
            continue
        tasks[pool.submit(_ask, searcher, fetcher, clock, limit)] = group
    pending = set(tasks)
    try:
        while pending:
            left = timeout - (time.monotonic() - started)
            done, pending = wait(pending, timeout=max(0.0, left), return_when=FIRST_COMPLETED)
            for future in done:
                group = tasks[future]
                group.seconds = time.monotonic() - started
                try:
                    group.items = future.result()
                except Exception as exc:  # one source's failure is its group's error line
                    group.error = _failure(exc)
                    log.info("lookup.source_failed", source=group.source, error=group.error)
                if progress:
                    progress(group)
            if left <= 0:
                break
        for future in pending:
            group = tasks[future]
            group.error = f"no answer within {timeout:g}s"
            group.seconds = timeout
            log.info("lookup.source_failed", source=group.source, error=group.error)
            if progress:
                progress(group)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        if own_http and not pending:
            fetcher.close()
    result.groups = list(groups.values())
    _dedupe(result.groups)
    score_items(result, scorer)
    log.info(
        "lookup.done",
        name=query.name,
        sources=len(result.groups),
        failed=len(result.failed),
        items=result.total,
    )
    return result
