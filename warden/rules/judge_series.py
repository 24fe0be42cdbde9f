"""Judging the series-based conditions (volume spike, negative surge, volume, negative share,
flatline) on the in-memory rolled-up series; the decisions are `warden.detect`'s pure functions,
memoised on the series' version."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warden.detect.baseline import BaselineParams
from warden.detect.decision import Decision
from warden.detect.flatline import FlatlineParams, detect_flatline
from warden.detect.negative import NegativeParams, detect_negative_surge
from warden.detect.reason import Reason
from warden.detect.series import Series
from warden.detect.volume import VolumeParams, detect_volume_spike, history_span
from warden.durations import format_duration
from warden.rules.context import JudgeContext, Judgement, no_data, plain_number, remembered
from warden.rules.schema import (
    FlatlineCondition,
    NegativeShareCondition,
    NegativeSurgeCondition,
    VolumeCondition,
    VolumeSpikeCondition,
)
from warden.store.rollup import BUCKET_SECONDS, bucket_start
from warden.store.series import steps_of


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
    values = remembered(
        ctx,
        key,
        stop * b.n,
        lambda: ctx.cache.values(ctx.group, metric, lo, stop, b.n),
        ctx.histories,
    )
    return Series(b.start(lo), timedelta(seconds=b.n * BUCKET_SECONDS), values)


_METRIC_FIELD = {
    "count": "count",
    "negative": "negative",
    "reach": "reach",
    "engagement": "engagement",
}


_COUNTS = ("count", "negative", "scored", "observed", "expected", "baseline")


def counted_over(
    seconds: float, values: dict[str, Any], keys: tuple[str, ...] = _COUNTS
) -> dict[str, float]:
    """`{key: seconds}` for the counts among `keys` in `values`: the span each was counted
    over, stored with the values as `windows` so a reader is told "Mentions (5 min)"."""
    return {k: seconds for k in keys if k in values}


def _window_seconds(decision: Decision) -> float | None:
    """The width, in seconds, of the window test a volume decision is about, if it says."""
    params = decision.why.params if decision.why is not None else {}
    seconds = params.get("window_s")
    if isinstance(seconds, int | float) and not isinstance(seconds, bool) and seconds > 0:
        return float(seconds)
    return None


def _window_start(decision: Decision, end: datetime, cond: VolumeSpikeCondition) -> datetime:
    """Where the window of the test that decided starts, for a window ending at `end`.

    The evidence of a spike is the mentions of the span that made it fire: the window width
    the detector found most telling (`why.params["window_s"]`), not the widest it tests, so
    an earlier burst within the widest window is not quoted as the new one's cause.
    """
    seconds = _window_seconds(decision)
    if seconds is not None:
        return end - timedelta(seconds=seconds)
    return end - cond.step * max(cond.widths)


def judge_volume_spike(cond: VolumeSpikeCondition, ctx: JudgeContext) -> Judgement:
    params = volume_params(cond, ctx.timezone)
    b = _Buckets.at(ctx, cond.step)
    metric = _METRIC_FIELD[cond.metric]
    if b.first is None:
        return Judgement(no_data("volume"))
    span = int(history_span(params) / cond.step) + 1

    def judge(stop: int, current: float) -> Decision:
        key = ("spike", params, metric, ctx.group, b.n, stop, current)
        found = remembered(
            ctx,
            key,
            stop * b.n,
            lambda: detect_volume_spike(_history(ctx, b, metric, stop, span), current, params),
        )
        assert isinstance(found, Decision)
        return found

    complete_value = ctx.cache.values(ctx.group, metric, b.complete, b.complete + 1, b.n)[0]
    decision = judge(b.complete, complete_value)
    tested_from = _window_start(decision, b.start(b.complete + 1), cond)
    if cond.direction != "down" and b.partial_started and not decision.fired:
        current = ctx.cache.values(ctx.group, metric, b.partial, b.partial + 1, b.n)[0]
        # Worth testing only once the filling bucket holds more than a usual bucket.
        usual = (decision.expected or 0.0) / max(cond.widths)
        if current > usual and current >= cond.min_count and current > 0:
            early = judge(b.partial, current)
            if early.fired:
                decision = early
                tested_from = _window_start(decision, b.start(b.partial + 1), cond)
    values: dict[str, Any] = {
        "step": format_duration(cond.step),
        "threshold": decision.threshold,
        "probability": decision.probability,
    }
    if decision.value is not None:
        values["count"] = values["observed"] = plain_number(decision.value)
    if decision.expected is not None:
        values["baseline"] = values["expected"] = round(decision.expected, 1)
    width = _window_seconds(decision) or cond.step.total_seconds() * max(cond.widths)
    values["windows"] = counted_over(width, values)
    return Judgement(decision, values, evidence_since=tested_from)


def judge_negative_surge(cond: NegativeSurgeCondition, ctx: JudgeContext) -> Judgement:
    params = negative_params(cond, ctx.timezone)
    b = _Buckets.at(ctx, cond.step)
    if b.first is None:
        return Judgement(no_data("negative_surge"))
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
        found = remembered(
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
        "negative": plain_number(neg),
        "count": plain_number(tot),
        "observed": plain_number(neg),
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
    values["windows"] = counted_over(cond.step.total_seconds(), values)
    return Judgement(decision, values, evidence_since=tested_from, prefer_negative=True)


def judge_volume(cond: VolumeCondition, ctx: JudgeContext) -> Judgement:
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
    values: dict[str, Any] = {
        "count": plain_number(count),
        "observed": plain_number(count),
        "threshold": cond.above,
        "window": window,
    }
    values["windows"] = counted_over(cond.window.total_seconds(), values)
    return Judgement(decision, values, evidence_since=ctx.now - cond.window)


def judge_negative_share(cond: NegativeShareCondition, ctx: JudgeContext) -> Judgement:
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
    values: dict[str, Any] = {
        "count": plain_number(count),
        "scored": plain_number(scored),
        "negative": plain_number(negative),
        "share": round(share, 4),
        "observed": round(share, 4),
        "threshold": cond.above,
        "window": window,
    }
    values["windows"] = counted_over(
        cond.window.total_seconds(), values, ("count", "scored", "negative")
    )
    return Judgement(decision, values, evidence_since=since, prefer_negative=True)


def judge_flatline(cond: FlatlineCondition, ctx: JudgeContext) -> Judgement:
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
