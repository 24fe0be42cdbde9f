"""One evaluation cycle: every rule, for every entity it watches, gives an active/inactive result.

Evaluation only reads the store; turning results into alerts (and alerts into messages) is the
job of `warden.alerts`. The clock is passed in, so a backtest runs this same code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from warden.durations import format_duration
from warden.rules.loader import RuleSet
from warden.rules.schema import NegativeShareCondition, Rule, VolumeCondition
from warden.store.series import WindowStats, top_mentions, window_stats


@dataclass(frozen=True)
class RuleResult:
    """The verdict of one rule on one entity at one instant, with the numbers behind it."""

    rule: Rule
    labels: dict[str, str]
    active: bool
    values: dict[str, Any]
    evidence: list[int] = field(default_factory=list)


def _judge(rule: Rule, stats: WindowStats) -> tuple[bool, dict[str, Any]]:
    cond = rule.condition
    values: dict[str, Any] = {"count": stats.count, "window": format_duration(cond.window)}
    if isinstance(cond, VolumeCondition):
        values["threshold"] = cond.above
        return stats.count >= cond.above, values
    if isinstance(cond, NegativeShareCondition):
        share = stats.negative_share
        values.update(
            negative=stats.negative,
            scored=stats.scored,
            share=round(share, 4),
            threshold=cond.above,
        )
        return stats.scored >= cond.min_count and share > cond.above, values
    raise TypeError(f"no evaluator for condition {type(cond).__name__}")


def evaluate_rules(
    session: Session,
    ruleset: RuleSet,
    entities: list[str],
    now: datetime,
    evidence_limit: int = 5,
) -> list[RuleResult]:
    """Evaluate every rule at `now`; one result per (rule, entity), active or not."""
    results: list[RuleResult] = []
    stats_cache: dict[Any, dict[str, WindowStats]] = {}
    for loaded in ruleset.rules:
        rule = loaded.rule
        targets = entities if rule.entity == "*" else [rule.entity]
        window = rule.condition.window
        since = now - window
        if window not in stats_cache:
            stats_cache[window] = window_stats(session, since, now)
        per_entity = stats_cache[window]
        for entity in targets:
            active, values = _judge(rule, per_entity.get(entity, WindowStats()))
            evidence: list[int] = []
            if active:
                prefer_negative = isinstance(rule.condition, NegativeShareCondition)
                evidence = [
                    m.id
                    for m in top_mentions(
                        session, entity, since, now, evidence_limit, prefer_negative
                    )
                ]
            labels = {"entity": entity, **rule.labels}
            results.append(RuleResult(rule, labels, active, values, evidence))
    return results
