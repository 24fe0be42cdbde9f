"""Judging the post-based conditions (keywords, influential author, virality, new terms,
sentiment shift) on the group's recent window of posts, with hourly-refreshed baselines."""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from warden.detect.authors import AuthorMention, AuthorParams, detect_influential_author
from warden.detect.decision import Decision
from warden.detect.keywords import KeywordMatcher, KeywordParams, detect_keywords
from warden.detect.newterm import NewTermParams, TermCounts, detect_new_terms, post_terms
from warden.detect.reason import Reason
from warden.detect.shift import ShiftParams, detect_sentiment_shift
from warden.detect.virality import ViralityParams, detect_virality
from warden.durations import format_duration
from warden.rules.context import (
    BASELINE_SAMPLE,
    HOUR_SECONDS,
    RECENT_LIMIT,
    JudgeContext,
    Judgement,
    plain_number,
)
from warden.rules.schema import (
    InfluentialAuthorCondition,
    KeywordsCondition,
    NewTermCondition,
    SentimentShiftCondition,
    ViralityCondition,
)
from warden.store.recent import RecentMention, recent_mentions, recent_scores

_T = TypeVar("_T")

# -- post-based conditions ---------------------------------------------------------------------


def _recent(
    ctx: JudgeContext,
    since: datetime,
    *,
    scored_only: bool = False,
    min_engagement: int | None = None,
) -> list[RecentMention]:
    """Posts of the group published in (since, now], newest first.

    The group's posts of the whole recent span are read once per cycle and shared by every
    condition that reads posts.
    """
    key = ("posts", ctx.group, ctx.recent_span)
    posts: list[RecentMention] | None = ctx.cycle.get(key)
    if posts is None:
        g = ctx.group
        posts = recent_mentions(
            ctx.session,
            g.entity,
            ctx.now - max(ctx.recent_span, ctx.now - since),
            ctx.now,
            source=g.source,
            lang=g.lang,
            limit=RECENT_LIMIT,
        )
        ctx.cycle[key] = posts
    return [
        p
        for p in posts
        if p.published_at > since
        and (not scored_only or p.score is not None)
        and (min_engagement is None or p.engagement >= min_engagement)
    ]


def _refresh_hour(ctx: JudgeContext, kind: str) -> int:
    """The hour a baseline of posts belongs to, offset per group so that the groups' hourly
    re-reads are spread over the hour instead of all landing on the same cycle."""
    offset = zlib.crc32(repr((ctx.group, kind)).encode()) % HOUR_SECONDS
    return (int(ctx.now.timestamp()) + offset) // HOUR_SECONDS


def _hourly(
    ctx: JudgeContext, kind: str, window: timedelta, span: timedelta, read: Callable[..., _T]
) -> _T:
    """What `read` (`recent_mentions` or `recent_scores`) returns for the group's baseline
    period before the recent window, re-read once an hour."""
    hour = _refresh_hour(ctx, kind)
    key = ("baseline", kind, ctx.group, window, span)
    kept = ctx.memo.get(key)
    if kept is not None and kept[0] == hour:
        found: _T = kept[1]
        return found
    until = ctx.now - window  # a new hour: re-read, replacing the previous hour's posts
    g = ctx.group
    found = read(
        ctx.session,
        g.entity,
        until - span,
        until,
        source=g.source,
        lang=g.lang,
        limit=BASELINE_SAMPLE,
    )
    ctx.memo[key] = (hour, found)
    return found


def _hourly_posts(ctx: JudgeContext, window: timedelta, span: timedelta) -> list[RecentMention]:
    """Posts of the baseline period before the recent window, re-read once an hour."""
    return _hourly(ctx, "texts", window, span, recent_mentions)


def _hourly_scores(ctx: JudgeContext, window: timedelta, span: timedelta) -> list[float]:
    """Scores of the scored posts of the baseline period, re-read once an hour."""
    return _hourly(ctx, "scores", window, span, recent_scores)


def judge_keywords(cond: KeywordsCondition, ctx: JudgeContext) -> Judgement:
    params = KeywordParams(tuple(cond.phrases), tuple(cond.exclude), cond.min_count)
    key = ("matcher", params)
    matcher = ctx.memo.get(key)
    if matcher is None:
        matcher = ctx.memo[key] = KeywordMatcher.compile(params)
    posts = _recent(ctx, ctx.now - cond.window)
    matching = [p for p in posts if matcher.match(p.text) is not None]
    decision = detect_keywords([p.text for p in matching], params)
    values = {
        "matches": len(matching),
        "count": len(matching),
        "observed": len(matching),
        "threshold": cond.min_count,
        "window": format_duration(cond.window),
    }
    return Judgement(decision, values, evidence=[p.id for p in matching])


def judge_influential_author(cond: InfluentialAuthorCondition, ctx: JudgeContext) -> Judgement:
    posts = _recent(ctx, ctx.now - cond.window)
    reach: dict[str, int] = defaultdict(int)
    for p in posts:
        reach[p.author] += p.followers or 0
    authors = [AuthorMention(p.author, p.followers, reach[p.author]) for p in posts]
    decision = detect_influential_author(authors, AuthorParams(cond.followers, cond.reach))
    evidence: list[int] = []
    top: str | None = None
    if decision.fired:
        big = [
            p
            for p in posts
            if (cond.followers is not None and (p.followers or 0) >= cond.followers)
            or (cond.reach is not None and reach[p.author] >= cond.reach)
        ]
        big.sort(key=lambda p: -(p.followers or 0))
        evidence = [p.id for p in big]
        top = big[0].author if big else None
    values = {
        "author": top or "?",
        "followers": plain_number(decision.value) if decision.value is not None else 0,
        "threshold": cond.followers if cond.followers is not None else cond.reach,
        "window": format_duration(cond.window),
    }
    return Judgement(decision, values, evidence=evidence)


def judge_virality(cond: ViralityCondition, ctx: JudgeContext) -> Judgement:
    posts = _recent(ctx, ctx.now - cond.within, min_engagement=cond.min_gain)
    params = ViralityParams(min_gain=cond.min_gain, min_ratio=1.0, within=cond.within)
    best: tuple[Decision, Any] | None = None
    for p in posts:
        d = detect_virality([(p.published_at, 0.0), (ctx.now, float(p.engagement))], params)
        if d.fired and (best is None or (d.value or 0) > (best[0].value or 0)):
            best = (d, p)
    if best is None:
        decision = Decision(
            fired=False,
            reason=f"no post gained {cond.min_gain:,} interactions within "
            f"{format_duration(cond.within)}",
            detector="virality",
            threshold=cond.min_gain,
            why=Reason(
                "no_viral_post",
                {"gain": cond.min_gain, "within_s": cond.within.total_seconds()},
            ),
        )
        return Judgement(decision, {"threshold": cond.min_gain}, evidence=[])
    decision, post = best
    who = f"@{post.author}" if post.author else "a post"
    decision = Decision(
        fired=True,
        reason=f"a post by {who} gained {post.engagement:,} interactions within "
        f"{format_duration(ctx.now - post.published_at)} of being published",
        detector="virality",
        value=decision.value,
        threshold=cond.min_gain,
        why=Reason(
            "viral_post",
            {
                "author": post.author or "",
                "interactions": post.engagement,
                "within_s": (ctx.now - post.published_at).total_seconds(),
            },
        ),
    )
    values = {
        "engagement": post.engagement,
        "observed": post.engagement,
        "threshold": cond.min_gain,
    }
    return Judgement(decision, values, evidence=[post.id])


def _term_counts(
    ctx: JudgeContext, posts: list[RecentMention], params: NewTermParams
) -> TermCounts:
    """`count_terms` of the posts, each post's terms worked out once and remembered."""
    counts: Counter[str] = Counter()
    for post in posts:
        key = (params.min_length, params.ignore, post.id)
        terms = ctx.term_sets.get(key)
        if terms is None:
            terms = post_terms(post.text, params)
            ctx.term_sets[key] = terms
        counts.update(terms)
    return TermCounts(len(posts), counts)


def judge_new_term(cond: NewTermCondition, ctx: JudgeContext) -> Judgement:
    params = NewTermParams(
        sensitivity=cond.sensitivity,
        min_count=cond.min_count,
        min_ratio=cond.min_ratio,
        ignore=(ctx.group.entity, *cond.ignore),
        every=cond.window,
    )
    hour = _refresh_hour(ctx, "texts")
    key = ("terms", params, ctx.group, cond.window, cond.baseline)
    kept = ctx.memo.get(key)
    if kept is not None and kept[0] == hour:
        baseline: TermCounts = kept[1]
    else:
        posts = _hourly_posts(ctx, cond.window, cond.baseline)
        baseline = _term_counts(ctx, posts, params)
        ctx.memo[key] = (hour, baseline)
    recent = _recent(ctx, ctx.now - cond.window)
    counts = _term_counts(ctx, recent, params)
    decision = detect_new_terms(baseline, counts, params)
    values = {
        "terms": _terms(decision),
        "count": len(recent),
        "observed": plain_number(decision.value) if decision.value is not None else 0,
        "threshold": decision.threshold,
        "window": format_duration(cond.window),
    }
    if decision.expected is not None:
        values["baseline"] = values["expected"] = round(decision.expected, 1)
    return Judgement(decision, values, evidence_since=ctx.now - cond.window)


def _terms(decision: Decision) -> str:
    """The new terms a decision found, quoted and comma-separated (no words of any language:
    the message's reason says how often each was seen)."""
    if not decision.fired or decision.why is None:
        return ""
    return ", ".join(f"“{t['term']}”" for t in decision.why.params.get("terms", []))


def judge_sentiment_shift(cond: SentimentShiftCondition, ctx: JudgeContext) -> Judgement:
    params = ShiftParams(
        sensitivity=cond.sensitivity,
        min_delta=cond.min_delta,
        min_mentions=cond.min_count,
        direction=cond.direction,
        every=cond.window,
    )
    baseline = _hourly_scores(ctx, cond.window, cond.baseline)
    recent = _recent(ctx, ctx.now - cond.window, scored_only=True)
    decision = detect_sentiment_shift(
        baseline,
        [float(p.score) for p in recent if p.score is not None],
        params,
    )
    values: dict[str, Any] = {
        "count": len(recent),
        "threshold": decision.threshold,
        "probability": decision.probability,
        "window": format_duration(cond.window),
    }
    if decision.value is not None:
        values["mean"] = values["observed"] = round(decision.value, 2)
    if decision.expected is not None:
        values["baseline"] = values["expected"] = round(decision.expected, 2)
    return Judgement(
        decision,
        values,
        evidence_since=ctx.now - cond.window,
        prefer_negative=cond.direction != "up",
    )
