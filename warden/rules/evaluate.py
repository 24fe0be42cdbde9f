"""One evaluation cycle: every rule, for every group it watches, gives an active/inactive result.

Evaluation only reads the store; turning results into alerts (and alerts into messages) is the
job of `warden.alerts`. The clock is passed in, and an `Evaluator` keeps only caches between
cycles (series, memoised decisions), so a backtest and a rule test run this same code.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from warden.log import get_logger
from warden.rules.judge import JudgeContext, Judgement, history_needed, judge, recent_window
from warden.rules.loader import RuleSet
from warden.rules.schema import FlatlineCondition, Rule
from warden.store.recent import top_mentions
from warden.store.series import Group, SeriesCache

log = get_logger(__name__)

MEMO_LIMIT = 50_000
TERM_SETS_LIMIT = 500_000
HISTORIES_LIMIT = 256  # series of up to 8,064 buckets each: about 65 MB at most
MIN_HISTORY = timedelta(days=1)


@dataclass(frozen=True)
class RuleResult:
    """The verdict of one rule on one group at one instant, with the numbers behind it."""

    rule: Rule
    labels: dict[str, str]
    active: bool
    values: dict[str, Any]
    evidence: list[int] = field(default_factory=list)
    warming_up: bool = False
    reason: str = ""


@dataclass(frozen=True)
class WarmUpNotice:
    """A rule starting to warm up for a group (not judging yet), or becoming ready."""

    rule: str
    labels: dict[str, str]
    warming_up: bool
    reason: str
    at: datetime


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _groups(rule: Rule, entities: Sequence[str], cache: SeriesCache) -> list[Group]:
    if isinstance(rule.condition, FlatlineCondition):
        sources = cache.sources() if rule.condition.source == "*" else [rule.condition.source]
        return [Group("", source=s) for s in sources]
    targets = rule.entities or list(entities)
    by_source = "source" in rule.group_by
    by_lang = "lang" in rule.group_by
    return [g for e in targets for g in cache.groups(e, by_source, by_lang)]


class Evaluator:
    """Judges a rule set against the store; keeps series and decisions between cycles."""

    def __init__(self) -> None:
        self.cache = SeriesCache()
        self.memo: dict[Any, Any] = {}
        self.term_sets: dict[Any, frozenset[str]] = {}
        self.histories: dict[Any, Any] = {}
        self.started_at: datetime | None = None
        self.sources: list[str] = []
        self._warming: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        self._ready: set[tuple[str, tuple[tuple[str, str], ...]]] = set()
        self.notices: list[WarmUpNotice] = []
        """Warm-up starts and ends, in order, for backtests to show."""

    def history(self, ruleset: RuleSet) -> timedelta:
        """How much rolled-up history the rules need in memory."""
        needs = [history_needed(r.rule.condition) for r in ruleset.rules]
        return max([MIN_HISTORY, *needs])

    def evaluate(
        self,
        session: Session,
        ruleset: RuleSet,
        entities: Sequence[str],
        now: datetime,
        evidence_limit: int = 5,
        sources: Sequence[str] = (),
        timezones: Mapping[str, str] | None = None,
    ) -> list[RuleResult]:
        """Evaluate every rule at `now`; one result per (rule, group), active or not.

        `timezones` maps entity names to the IANA time zone their volume profiles are read
        in (UTC for an entity not listed).
        """
        if self.started_at is None:
            self.started_at = now
        self.cache.refresh(session, now - self.history(ruleset))
        if len(self.memo) > MEMO_LIMIT:
            self.memo.clear()
        if len(self.term_sets) > TERM_SETS_LIMIT:
            self.term_sets.clear()
        if len(self.histories) > HISTORIES_LIMIT:
            self.histories.clear()
        cycle: dict[Any, Any] = {}
        recent_span = max([timedelta(0), *(recent_window(r.rule.condition) for r in ruleset.rules)])
        results: list[RuleResult] = []
        for loaded in ruleset.rules:
            rule = loaded.rule
            groups = _groups(rule, entities, self.cache)
            if isinstance(rule.condition, FlatlineCondition) and rule.condition.source == "*":
                known = {g.source for g in groups}
                groups += [Group("", source=s) for s in sources if s not in known]
            for group in groups:
                ctx = JudgeContext(
                    session,
                    self.cache,
                    now,
                    group,
                    self.started_at,
                    self.memo,
                    recent_span,
                    self.term_sets,
                    self.histories,
                    cycle,
                    timezone=(timezones or {}).get(group.entity, "UTC"),
                )
                verdict = judge(rule.condition, ctx)
                results.append(self._result(rule, group, verdict, ctx, evidence_limit))
        return results

    def _result(
        self, rule: Rule, group: Group, verdict: Judgement, ctx: JudgeContext, limit: int
    ) -> RuleResult:
        decision = verdict.decision
        if group.entity:
            labels = {**group.labels(), **rule.labels}
        else:
            labels = {"source": group.source or "", **rule.labels}
        key = (rule.name, tuple(sorted(labels.items())))
        if decision.warming_up and key not in self._warming:
            self._warming.add(key)
            self.notices.append(WarmUpNotice(rule.name, labels, True, decision.reason, ctx.now))
            log.info("rule.warming_up", rule=rule.name, labels=labels, reason=decision.reason)
        elif not decision.warming_up and key in self._warming and key not in self._ready:
            self._ready.add(key)
            self.notices.append(WarmUpNotice(rule.name, labels, False, "", ctx.now))
            log.info("rule.warmed_up", rule=rule.name, labels=labels)
        values = {k: _json_safe(v) for k, v in verdict.values.items()}
        values["reason"] = decision.reason  # English, for logs and `{{ reason }}` of old alerts
        if decision.why is not None:
            values["why"] = decision.why.as_json()  # written in each receiver's language
        if decision.warming_up:
            values["warming_up"] = True
        evidence: list[int] = []
        if decision.fired:
            evidence = list(verdict.evidence or [])[:limit]
            if len(evidence) < limit and verdict.evidence_since is not None and group.entity:
                more = top_mentions(
                    ctx.session,
                    group.entity,
                    verdict.evidence_since,
                    ctx.now,
                    limit,
                    verdict.prefer_negative,
                    source=group.source,
                    lang=group.lang,
                )
                evidence += [i for i in more if i not in evidence][: limit - len(evidence)]
        return RuleResult(
            rule,
            labels,
            decision.fired,
            values,
            evidence,
            warming_up=decision.warming_up,
            reason=decision.reason,
        )
