"""How fast a brand answers the mentions addressed to its own accounts.

A mention is *addressed* to a brand when its text names one of the brand's `accounts`
(`@AcmeHelp`) or when it replies to a post by one of them; it is *answered* when a post by
one of the accounts replies to it (its `reply_to` is the mention's id) by the end of the
period. Only sources that record replies (Mastodon, X, Bluesky, Reddit: `reply_to`) can show an
answer, so only their mentions count; when none of the period's mentions carries reply data the
result is None: "no reply data".
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from warden.store.models import Mention, counted

OWN_POSTS_BEFORE = timedelta(days=30)
"""How far before the period the brand's own posts are looked up (replies to them are
addressed to the brand)."""


@dataclass(frozen=True)
class ResponseTime:
    """Answers to the mentions addressed to a brand's accounts in one period.

    `addressed`: mentions addressed to the accounts (from sources with reply data);
    `answered`: those a brand account replied to by the period's end; `share`: answered /
    addressed in 0..1 (None when nothing was addressed); `median` and `p90`: the delay from
    the mention to the first answer (None when nothing was answered); `sources`: the sources
    whose replies were read."""

    addressed: int
    answered: int
    share: float | None
    median: timedelta | None
    p90: timedelta | None
    sources: tuple[str, ...]


def normalise_account(account: str) -> str:
    """'@AcmeHelp' → 'acmehelp'; '@acme@mastodon.social' → 'acme@mastodon.social'."""
    return account.strip().lstrip("@").lower()


def is_account(handle: str | None, accounts: Iterable[str]) -> bool:
    """Whether an author handle (as a source stores it) is one of `accounts` (normalised):
    the same name, or a Mastodon account seen from its own instance (`acme` for
    `acme@mastodon.social`)."""
    if not handle:
        return False
    own = handle.strip().lstrip("@").lower()
    return any(own == a or own == a.split("@", 1)[0] for a in accounts)


def _keys(mention: Mention) -> set[tuple[str, str]]:
    """The ids a reply may give for `mention`: its external id and, for a Mastodon status
    (external id = its `uri`), the status id on the polled instance."""
    keys = {(mention.source, mention.external_id)}
    raw = mention.raw if isinstance(mention.raw, dict) else {}
    if raw.get("uri") == mention.external_id and raw.get("id") is not None:
        keys.add((mention.source, str(raw["id"])))
    return keys


def percentile(values: Sequence[float], q: float) -> float:
    """The `q` quantile (0..1) of `values` by linear interpolation between closest ranks."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def response_time(
    session: Session, accounts: Sequence[str], start: datetime, end: datetime
) -> ResponseTime | None:
    """Response time of `accounts` to the mentions addressed to them published in
    [start, end); None when no source gave reply data for the period (or no accounts)."""
    names = sorted({normalise_account(a) for a in accounts if normalise_account(a)})
    if not names:
        return None
    in_period = (Mention.published_at >= start, Mention.published_at < end)
    sources = tuple(
        sorted(
            session.scalars(
                select(Mention.source)
                .where(Mention.reply_to.is_not(None), Mention.published_at >= start - (end - start))
                .where(Mention.published_at <= end)
                .distinct()
            )
        )
    )
    if not sources:
        return None
    handles = set(names) | {n.split("@", 1)[0] for n in names}
    own_posts = session.scalars(
        select(Mention).where(
            Mention.source.in_(sources),
            func.lower(Mention.author_handle).in_(sorted(handles)),
            Mention.published_at >= start - OWN_POSTS_BEFORE,
            Mention.published_at < end,
        )
    ).all()
    own_key_pairs = {k for m in own_posts if is_account(m.author_handle, names) for k in _keys(m)}
    own_keys = sorted({key for _source, key in own_key_pairs})
    named = [func.lower(Mention.text).contains("@" + n, autoescape=True) for n in names]
    candidates = session.scalars(
        select(Mention).where(
            counted(),
            *in_period,
            Mention.source.in_(sources),
            or_(*named, Mention.reply_to.in_(own_keys)) if own_keys else or_(*named),
        )
    ).all()
    named_exactly = re.compile(
        "|".join(rf"@{re.escape(n)}(?![\w@-]|\.\w)" for n in names), re.IGNORECASE
    )
    addressed = [
        m
        for m in candidates
        if not is_account(m.author_handle, names)
        and (named_exactly.search(m.text) or (m.source, m.reply_to or "") in own_key_pairs)
    ]
    by_key: dict[tuple[str, str], Mention] = {}
    for mention in addressed:
        for key in _keys(mention):
            by_key[key] = mention
    first_answer: dict[int, datetime] = {}
    if by_key:
        replies = session.scalars(
            select(Mention).where(
                Mention.reply_to.in_(sorted({k[1] for k in by_key})),
                Mention.published_at <= end,
            )
        ).all()
        for reply in replies:
            parent = by_key.get((reply.source, reply.reply_to or ""))
            if parent is None or not is_account(reply.author_handle, names):
                continue
            if reply.published_at < parent.published_at:
                continue
            seen = first_answer.get(parent.id)
            if seen is None or reply.published_at < seen:
                first_answer[parent.id] = reply.published_at
    parents = {m.id: m for m in addressed}
    delays = [(at - parents[mid].published_at).total_seconds() for mid, at in first_answer.items()]
    return ResponseTime(
        addressed=len(addressed),
        answered=len(delays),
        share=len(delays) / len(addressed) if addressed else None,
        median=timedelta(seconds=statistics.median(delays)) if delays else None,
        p90=timedelta(seconds=percentile(delays, 0.9)) if delays else None,
        sources=sources,
    )
