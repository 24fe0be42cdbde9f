"""Judging one condition for one group at one instant: read what it needs, call its detector.

Series-based conditions read the in-memory rolled-up series (`SeriesCache`); conditions that
read posts (keywords, authors, virality, new terms, sentiment shift) read only their recent
window. Detection itself is the pure functions of `warden.detect`. Statistical decisions on a
bucket are memoised on the series' version, so a cycle in which nothing changed costs nothing.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from warden.detect.authors import AuthorMention, AuthorParams, detect_influential_author
from warden.detect.baseline import BaselineParams
from warden.detect.combine import all_of, any_of
from warden.detect.decision import Decision
from warden.detect.flatline import FlatlineParams, detect_flatline
from warden.detect.keywords import KeywordMatcher, KeywordParams, detect_keywords
from warden.detect.negative import NegativeParams, detect_negative_surge
from warden.detect.newterm import NewTermParams, TermCounts, detect_new_terms, post_terms
from warden.detect.reason import Reason
from warden.detect.series import Series
from warden.detect.shift import ShiftParams, detect_sentiment_shift
from warden.detect.virality import ViralityParams, detect_virality
from warden.detect.volume import VolumeParams, detect_volume_spike, history_span
from warden.durations import format_duration
from warden.rules.schema import (
    AllCondition,
    AnyCondition,
    AnyConditionModel,
    FlatlineCondition,
    InfluentialAuthorCondition,
    KeywordsCondition,
    NegativeShareCondition,
    NegativeSurgeCondition,
    NewTermCondition,
    SentimentShiftCondition,
    ViralityCondition,
    VolumeCondition,
    VolumeSpikeCondition,
)
from warden.store.recent import RecentMention, recent_mentions, recent_scores
from warden.store.rollup import BUCKET_SECONDS, bucket_start
from warden.store.series import Group, SeriesCache, steps_of

BASELINE_SAMPLE = 2_000
"""Most posts read for a baseline of posts (sentiment shift, new terms); refreshed hourly."""
RECENT_LIMIT = 10_000
"""Most posts of one group read for the recent window in one cycle."""
_HOUR = 3_600
_T = TypeVar("_T")


@dataclass
class Judgement:
    """A condition's decision, the figures a message shows, and where its evidence is."""

    decision: Decision
    values: dict[str, Any] = field(default_factory=dict)
    evidence: list[int] | None = None
    evidence_since: datetime | None = None
    prefer_negative: bool = False


@dataclass
class JudgeContext:
    """Everything a condition may read: the store, the series, the time and the memo."""

    session: Session
    cache: SeriesCache
    now: datetime
    group: Group
    started_at: datetime
    memo: dict[Any, Any]
    recent_span: timedelta = timedelta(hours=1)
    """The longest recent window of the rule set's post-based conditions."""
    term_sets: dict[Any, frozenset[str]] = field(default_factory=dict)
    """Terms of each post already counted (new-term detection), kept across cycles."""
    histories: dict[Any, Any] = field(default_factory=dict)
    """Series read for the detectors (large lists: the evaluator bounds how many are kept)."""
    cycle: dict[Any, Any] = field(default_factory=dict)
    """What is shared within one cycle only (the recent posts of each group)."""
    timezone: str = "UTC"
    """IANA time zone of the group's entity: the local clock of its volume profiles."""


def _remembered(
    ctx: JudgeContext, key: Any, stop: int, compute: Any, memo: dict[Any, Any] | None = None
) -> Any:
    """`compute()`, memoised while no bucket of the group before index `stop` changes."""
    store = ctx.memo if memo is None else memo
    version = ctx.cache.version(ctx.group)
    key = (ctx.cache.generation, key)
    found = store.get(key)
    if found is not None and (
        found[0] == version or ctx.cache.unchanged_before(ctx.group, found[0], stop)
    ):
        store[key] = (version, found[1])
        return found[1]
    value = compute()
    store[key] = (version, value)
    return value


def volume_params(cond: VolumeSpikeCondition, timezone: str = "UTC") -> VolumeParams:
    return VolumeParams(
        sensitivity=cond.sensitivity,
        min_count=cond.min_count,
        direction=cond.direction,
        windows=cond.widths,
        warm_up=cond.warm_up,
        baseline=BaselineParams(timezone=timezone),
    )


def negative_params(cond: NegativeSurgeCondition, timezone: str = "UTC") -> NegativeParams:
    return NegativeParams(
        volume=VolumeParams(
            sensitivity=cond.sensitivity,
            min_count=cond.min_count,
            warm_up=cond.warm_up,
            baseline=BaselineParams(timezone=timezone),
        ),
        share_days=cond.share_days,
        min_share_increase=cond.min_share_increase,
    )


def history_needed(cond: AnyConditionModel) -> timedelta:
    """How far back the series of this condition (and its nested ones) must be kept."""
    if isinstance(cond, AllCondition | AnyCondition):
        return max(history_needed(c) for c in cond.conditions)
    if isinstance(cond, VolumeSpikeCondition):
        return history_span(volume_params(cond)) + cond.step * (max(cond.widths) + 2)
    if isinstance(cond, NegativeSurgeCondition):
        extra = timedelta(days=cond.share_days)
        return max(history_span(negative_params(cond).volume), extra) + cond.step * 4
    if isinstance(cond, VolumeCondition | NegativeShareCondition):
        return cond.window + timedelta(seconds=BUCKET_SECONDS)
    return timedelta(0)


def recent_window(cond: AnyConditionModel) -> timedelta:
    """The longest window of posts this condition (and its nested ones) reads each cycle."""
    if isinstance(cond, AllCondition | AnyCondition):
        return max(recent_window(c) for c in cond.conditions)
    if isinstance(cond, ViralityCondition):
        return cond.within
    if isinstance(
        cond,
        KeywordsCondition | InfluentialAuthorCondition | NewTermCondition | SentimentShiftCondition,
    ):
        return cond.window
    return timedelta(0)


def _fmt(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 3)


# -- series-based conditions -------------------------------------------------------------------


@dataclass(frozen=True)
class _Buckets:
    """Bucket indexes (in units of the condition's step) around now."""

    n: int
    complete: int
    partial: int
    partial_started: bool
    first: int | None

    @staticmethod
    def at(ctx: JudgeContext, step: timedelta) -> _Buckets:
        n = steps_of(step)
        size = n * BUCKET_SECONDS
        now = ctx.now.timestamp()
        partial = int(now // size)
        first = ctx.cache.first_index(ctx.group)
        return _Buckets(
            n, partial - 1, partial, now > partial * size, None if first is None else first // n
        )

    def start(self, index: int) -> datetime:
        return bucket_start(index * self.n)


def _history(ctx: JudgeContext, b: _Buckets, metric: str, stop: int, span: int) -> Series:
    """The buckets of `metric` before bucket `stop`, from the group's first data, at most `span`."""
    first = b.first if b.first is not None else stop
    lo = min(stop, max(first, stop - span))
    key = ("history", ctx.group, metric, b.n, lo, stop)
    values = _remembered(
        ctx,
        key,
        stop * b.n,
        lambda: ctx.cache.values(ctx.group, metric, lo, stop, b.n),
        ctx.histories,
    )
    return Series(b.start(lo), timedelta(seconds=b.n * BUCKET_SECONDS), values)


def _no_data(detector: str) -> Decision:
    return Decision(
        fired=False,
        reason="warming up: no mention seen yet",
        detector=detector,
        warming_up=True,
        why=Reason("no_data"),
    )


_METRIC_FIELD = {
    "count": "count",
    "negative": "negative",
    "reach": "reach",
    "engagement": "engagement",
}


def _volume_spike(cond: VolumeSpikeCondition, ctx: JudgeContext) -> Judgement:
    params = volume_params(cond, ctx.timezone)
    b = _Buckets.at(ctx, cond.step)
    metric = _METRIC_FIELD[cond.metric]
    if b.first is None:
        return Judgement(_no_data("volume"))
    span = int(history_span(params) / cond.step) + 1

    def judge(stop: int, current: float) -> Decision:
        key = ("spike", params, metric, ctx.group, b.n, stop, current)
        found = _remembered(
            ctx,
            key,
            stop * b.n,
            lambda: detect_volume_spike(_history(ctx, b, metric, stop, span), current, params),
        )
        assert isinstance(found, Decision)
        return found

    complete_value = ctx.cache.values(ctx.group, metric, b.complete, b.complete + 1, b.n)[0]
    decision = judge(b.complete, complete_value)
    tested_from = b.start(b.complete - max(cond.widths) + 1)
    if cond.direction != "down" and b.partial_started and not decision.fired:
        current = ctx.cache.values(ctx.group, metric, b.partial, b.partial + 1, b.n)[0]
        # Worth testing only once the filling bucket holds more than a usual bucket.
        usual = (decision.expected or 0.0) / max(cond.widths)
        if current > usual and current >= cond.min_count and current > 0:
            early = judge(b.partial, current)
            if early.fired:
                decision = early
                tested_from = b.start(b.partial - max(cond.widths) + 1)
    values: dict[str, Any] = {
        "step": format_duration(cond.step),
        "threshold": decision.threshold,
        "probability": decision.probability,
    }
    if decision.value is not None:
        values["count"] = values["observed"] = _fmt(decision.value)
    if decision.expected is not None:
        values["baseline"] = values["expected"] = round(decision.expected, 1)
    return Judgement(decision, values, evidence_since=tested_from)


def _negative_surge(cond: NegativeSurgeCondition, ctx: JudgeContext) -> Judgement:
    params = negative_params(cond, ctx.timezone)
    b = _Buckets.at(ctx, cond.step)
    if b.first is None:
        return Judgement(_no_data("negative_surge"))
    span = (
        max(
            int(history_span(params.volume) / cond.step),
            cond.share_days * 86_400 // (b.n * BUCKET_SECONDS),
        )
        + 1
    )

    def judge(stop: int) -> tuple[Decision, float, float]:
        neg = ctx.cache.values(ctx.group, "negative", stop, stop + 1, b.n)[0]
        tot = ctx.cache.values(ctx.group, "scored", stop, stop + 1, b.n)[0]
        key = ("negative", params, ctx.group, b.n, stop, neg, tot)
        found = _remembered(
            ctx,
            key,
            stop * b.n,
            lambda: detect_negative_surge(
                _history(ctx, b, "negative", stop, span),
                _history(ctx, b, "scored", stop, span),
                neg,
                tot,
                params,
            ),
        )
        assert isinstance(found, Decision)
        return found, neg, tot

    decision, neg, tot = judge(b.complete)
    tested_from = b.start(b.complete)
    filling = ctx.cache.values(ctx.group, "negative", b.partial, b.partial + 1, b.n)[0]
    # The filling bucket is tested early once it holds more negatives than the last one.
    if b.partial_started and not decision.fired and filling >= max(cond.min_count, neg + 1):
        early, p_neg, p_tot = judge(b.partial)
        if early.fired:
            decision, neg, tot, tested_from = early, p_neg, p_tot, b.start(b.partial)
    values: dict[str, Any] = {
        "negative": _fmt(neg),
        "count": _fmt(tot),
        "observed": _fmt(neg),
        "step": format_duration(cond.step),
        "threshold": decision.threshold,
        "probability": decision.probability,
    }
    if decision.value is not None and not decision.warming_up:
        values["share"] = round(decision.value, 4)
    if decision.expected is not None:
        # What the usual share predicts for this bucket's scored mentions, in negatives (what
        # "seen" counts); the usual share itself is `usual_share`.
        values["baseline"] = values["expected"] = round(decision.expected * tot, 1)
        values["usual_share"] = round(decision.expected, 4)
    return Judgement(decision, values, evidence_since=tested_from, prefer_negative=True)


def _volume(cond: VolumeCondition, ctx: JudgeContext) -> Judgement:
    count = ctx.cache.total(ctx.group, "count", ctx.now - cond.window, ctx.now)
    fired = count > cond.above
    window = format_duration(cond.window)
    decision = Decision(
        fired=fired,
        reason=f"{count:.0f} mentions in the last {window} (fires above {cond.above})",
        detector="volume",
        value=count,
        threshold=cond.above,
        why=Reason(
            "volume_above",
            {"mentions": count, "window_s": cond.window.total_seconds(), "above": cond.above},
        ),
    )
    values = {
        "count": _fmt(count),
        "observed": _fmt(count),
        "threshold": cond.above,
        "window": window,
    }
    return Judgement(decision, values, evidence_since=ctx.now - cond.window)


def _negative_share(cond: NegativeShareCondition, ctx: JudgeContext) -> Judgement:
    since = ctx.now - cond.window
    count = ctx.cache.total(ctx.group, "count", since, ctx.now)
    scored = ctx.cache.total(ctx.group, "scored", since, ctx.now)
    negative = ctx.cache.total(ctx.group, "negative", since, ctx.now)
    share = negative / scored if scored else 0.0
    fired = scored >= cond.min_count and share > cond.above
    window = format_duration(cond.window)
    reason = (
        f"{negative:.0f} of {scored:.0f} scored mentions negative ({share:.0%}, "
        f"fires above {cond.above:.0%}) in the last {window}"
    )
    if scored < cond.min_count:
        reason += f"; {cond.min_count} scored mentions needed"
    why = Reason(
        "negative_share",
        {
            "negative": negative,
            "scored": scored,
            "now_share": share,
            "above_share": cond.above,
            "window_s": cond.window.total_seconds(),
            "needed": cond.min_count if scored < cond.min_count else 0,
        },
    )
    decision = Decision(fired, reason, "negative_share", value=share, threshold=cond.above, why=why)
    values = {
        "count": _fmt(count),
        "scored": _fmt(scored),
        "negative": _fmt(negative),
        "share": round(share, 4),
        "observed": round(share, 4),
        "threshold": cond.above,
        "window": window,
    }
    return Judgement(decision, values, evidence_since=since, prefer_negative=True)


def _flatline(cond: FlatlineCondition, ctx: JudgeContext) -> Judgement:
    source = ctx.group.source if cond.source == "*" else cond.source
    last = ctx.cache.last_seen(source) if source else None
    decision = detect_flatline(
        last, ctx.now, FlatlineParams(max_silence=cond.silent_for), watching_since=ctx.started_at
    )
    silent = ctx.now - (last or ctx.started_at)
    values = {
        "source": source or "?",
        "silent_for": format_duration(max(silent, timedelta(0))),
        "threshold": format_duration(cond.silent_for),
    }
    return Judgement(decision, values, evidence=[])


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
    offset = zlib.crc32(repr((ctx.group, kind)).encode()) % _HOUR
    return (int(ctx.now.timestamp()) + offset) // _HOUR


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


def _keywords(cond: KeywordsCondition, ctx: JudgeContext) -> Judgement:
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


def _influential_author(cond: InfluentialAuthorCondition, ctx: JudgeContext) -> Judgement:
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
        "followers": _fmt(decision.value) if decision.value is not None else 0,
        "threshold": cond.followers if cond.followers is not None else cond.reach,
        "window": format_duration(cond.window),
    }
    return Judgement(decision, values, evidence=evidence)


def _virality(cond: ViralityCondition, ctx: JudgeContext) -> Judgement:
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


def _new_term(cond: NewTermCondition, ctx: JudgeContext) -> Judgement:
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
        "observed": _fmt(decision.value) if decision.value is not None else 0,
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


def _sentiment_shift(cond: SentimentShiftCondition, ctx: JudgeContext) -> Judgement:
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


def _combined(cond: AllCondition | AnyCondition, ctx: JudgeContext) -> Judgement:
    parts = [judge(c, ctx) for c in cond.conditions]
    decisions = [p.decision for p in parts]
    decision = all_of(decisions) if isinstance(cond, AllCondition) else any_of(decisions)
    values: dict[str, Any] = {}
    evidence: list[int] = []
    since: datetime | None = None
    explicit = False
    for part in sorted(parts, key=lambda p: not p.decision.fired):
        for k, v in part.values.items():
            values.setdefault(k, v)
        if part.evidence is not None:
            explicit = True
            evidence += [i for i in part.evidence if i not in evidence]
        if part.evidence_since is not None:
            since = part.evidence_since if since is None else min(since, part.evidence_since)
    return Judgement(
        decision,
        values,
        evidence=evidence if explicit else None,
        evidence_since=since,
        prefer_negative=any(p.prefer_negative for p in parts),
    )


_JUDGES: dict[type[Any], Callable[[Any, JudgeContext], Judgement]] = {
    VolumeSpikeCondition: _volume_spike,
    NegativeSurgeCondition: _negative_surge,
    VolumeCondition: _volume,
    NegativeShareCondition: _negative_share,
    FlatlineCondition: _flatline,
    KeywordsCondition: _keywords,
    InfluentialAuthorCondition: _influential_author,
    ViralityCondition: _virality,
    NewTermCondition: _new_term,
    SentimentShiftCondition: _sentiment_shift,
}
"""The judge of each condition kind; `all` and `any` go to `_combined`."""


def judge(cond: AnyConditionModel, ctx: JudgeContext) -> Judgement:
    """The judgement of `cond` for `ctx.group` at `ctx.now`."""
    return _JUDGES.get(type(cond), _combined)(cond, ctx)
