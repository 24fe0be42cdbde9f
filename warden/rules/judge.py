"""Judging one condition for one group at one instant: dispatch to the judge of its kind.

Series-based conditions (`judge_series`) read the in-memory rolled-up series (`SeriesCache`);
conditions that read posts (`judge_posts`: keywords, authors, virality, new terms, sentiment
shift) read only their recent window. Detection itself is the pure functions of
`warden.detect`. Statistical decisions on a bucket are memoised on the series' version
(`context.remembered`), so a cycle in which nothing changed costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from warden.detect.combine import all_of, any_of
from warden.detect.volume import history_span
from warden.rules.context import JudgeContext, Judgement
from warden.rules.judge_posts import (
    judge_influential_author,
    judge_keywords,
    judge_new_term,
    judge_sentiment_shift,
    judge_virality,
)
from warden.rules.judge_series import (
    judge_flatline,
    judge_negative_share,
    judge_negative_surge,
    judge_volume,
    judge_volume_spike,
    negative_params,
    volume_params,
)
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
from warden.store.rollup import BUCKET_SECONDS

__all__ = ["JudgeContext", "Judgement", "history_needed", "judge", "recent_window"]


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


def _combined(cond: AllCondition | AnyCondition, ctx: JudgeContext) -> Judgement:
    parts = [judge(c, ctx) for c in cond.conditions]
    decisions = [p.decision for p in parts]
    decision = all_of(decisions) if isinstance(cond, AllCondition) else any_of(decisions)
    values: dict[str, Any] = {}
    evidence: list[int] = []
    since: datetime | None = None
    explicit = False
    windows: dict[str, Any] = {}
    for part in sorted(parts, key=lambda p: not p.decision.fired):
        spans = part.values.get("windows") or {}
        for k, v in part.values.items():
            if k in values or k == "windows":
                continue
            values[k] = v
            if k in spans:
                windows[k] = spans[k]  # the span of the figure shown, not another part's
        if part.evidence is not None:
            explicit = True
            evidence += [i for i in part.evidence if i not in evidence]
    # Evidence comes from the span that made the combination fire: for `all`, where every
    # part's window overlaps (the latest start); for `any`, the windows of the parts that
    # fired. A part that did not fire says nothing about why the alert fired.
    if windows:
        values["windows"] = windows
    starts = [
        p.evidence_since
        for p in parts
        if p.evidence_since is not None and (p.decision.fired or not decision.fired)
    ]
    if starts:
        since = max(starts) if isinstance(cond, AllCondition) else min(starts)
    return Judgement(
        decision,
        values,
        evidence=evidence if explicit else None,
        evidence_since=since,
        prefer_negative=any(p.prefer_negative for p in parts),
    )


_JUDGES: dict[type[Any], Callable[[Any, JudgeContext], Judgement]] = {
    VolumeSpikeCondition: judge_volume_spike,
    NegativeSurgeCondition: judge_negative_surge,
    VolumeCondition: judge_volume,
    NegativeShareCondition: judge_negative_share,
    FlatlineCondition: judge_flatline,
    KeywordsCondition: judge_keywords,
    InfluentialAuthorCondition: judge_influential_author,
    ViralityCondition: judge_virality,
    NewTermCondition: judge_new_term,
    SentimentShiftCondition: judge_sentiment_shift,
}
"""The judge of each condition kind; `all` and `any` go to `_combined`."""


def judge(cond: AnyConditionModel, ctx: JudgeContext) -> Judgement:
    """The judgement of `cond` for `ctx.group` at `ctx.now`."""
    return _JUDGES.get(type(cond), _combined)(cond, ctx)
