"""Turning rule results into alert state: pending → firing → resolved, and rule edits.

Per (rule, labels) fingerprint an alert is pending while its condition holds for less than the
rule's `for`, firing after, and resolved once the condition has been false for
`keep_firing_for`. An open alert whose rule was edited is carried to its new fingerprint when
the edited rule still judges the same entity/source (no second ALERT), and resolved with the
reason "rule changed" (or "rule removed") otherwise; none is left open forever. What the
receivers are told is decided afterwards by `warden.alerts.pipeline`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.log import get_logger
from warden.rules.evaluate import RuleResult
from warden.store.models import Alert

log = get_logger(__name__)

OPEN_STATES = ("pending", "firing")
IDENTITY_LABELS = ("entity", "source", "lang")
"""Labels that come from the data judged (not from the rule's own `labels:`)."""

_LEVELS = {"critical": logging.ERROR, "warning": logging.WARNING, "info": logging.INFO}


@dataclass(frozen=True)
class Transition:
    """An alert changing state: what a backtest prints and what the log records."""

    rule: str
    labels: dict[str, str]
    state: str  # "firing" | "resolved"
    at: datetime
    alert_id: int


def fingerprint(rule: str, labels: dict[str, str]) -> str:
    blob = json.dumps({"rule": rule, "labels": labels}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


def _identity(labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((k, labels[k]) for k in IDENTITY_LABELS if k in labels)


def _open_alerts(session: Session) -> dict[str, Alert]:
    rows = session.scalars(select(Alert).where(Alert.state.in_(OPEN_STATES)))
    return {a.fingerprint: a for a in rows}


def _carry_edited(open_alerts: dict[str, Alert], results: Sequence[RuleResult]) -> None:
    """Move open alerts whose rule's labels were edited to the fingerprint they have now."""
    seen = {fingerprint(r.rule.name, r.labels): r for r in results}
    for fp, alert in list(open_alerts.items()):
        if fp in seen:
            continue
        matches = [
            (new_fp, r)
            for new_fp, r in seen.items()
            if r.rule.name == alert.rule
            and r.active
            and _identity(r.labels) == _identity(alert.labels)
            and new_fp not in open_alerts
        ]
        if len(matches) != 1:
            continue
        new_fp, result = matches[0]
        log.info(
            "alert.carried",
            rule=alert.rule,
            alert=alert.id,
            old_labels=alert.labels,
            labels=result.labels,
            reason="rule changed",
        )
        alert.fingerprint = new_fp
        alert.labels = result.labels
        del open_alerts[fp]
        open_alerts[new_fp] = alert


def _close_orphans(
    session: Session,
    open_alerts: dict[str, Alert],
    results: Sequence[RuleResult],
    rule_names: Collection[str] | None,
    now: datetime,
    transitions: list[Transition],
) -> None:
    """Resolve open alerts no result speaks for any more: their rule was edited or removed."""
    seen = {fingerprint(r.rule.name, r.labels) for r in results}
    judged = {r.rule.name for r in results}
    for fp, alert in open_alerts.items():
        if fp in seen:
            continue
        removed = rule_names is not None and alert.rule not in rule_names
        if not removed and alert.rule not in judged:
            continue  # the rule was not judged this cycle: nothing to conclude
        reason = "rule removed" if removed else "rule changed"
        if alert.state == "pending":
            session.delete(alert)
            continue
        alert.state = "resolved"
        alert.resolved_at = now
        alert.annotations = {
            **(alert.annotations or {}),
            "resolved_reason": reason,
            "resolved_why": json.dumps({"code": reason.replace(" ", "_"), "params": {}}),
        }
        transitions.append(Transition(alert.rule, alert.labels, "resolved", now, alert.id))
        log.info(
            "alert.resolved", rule=alert.rule, alert=alert.id, labels=alert.labels, reason=reason
        )


def apply_results(
    session: Session,
    results: Sequence[RuleResult],
    now: datetime,
    rule_names: Collection[str] | None = None,
) -> list[Transition]:
    """Advance every alert by one evaluation; returns the transitions.

    `rule_names` (the loaded rules) lets alerts of a removed rule be resolved.
    """
    open_alerts = _open_alerts(session)
    _carry_edited(open_alerts, results)
    transitions: list[Transition] = []
    touched: set[str] = set()
    for result in results:
        rule = result.rule
        fp = fingerprint(rule.name, result.labels)
        touched.add(fp)
        alert = open_alerts.get(fp)
        if result.active:
            if alert is None:
                alert = Alert(
                    rule=rule.name,
                    fingerprint=fp,
                    labels=result.labels,
                    severity=rule.severity,
                    state="pending",
                    active_since=now,
                    last_true_at=now,
                    last_eval_at=now,
                    values=result.values,
                    annotations={},
                    evidence=result.evidence,
                    escalation_level=0,
                )
                session.add(alert)
                session.flush()
                open_alerts[fp] = alert
                log.info("alert.pending", rule=rule.name, alert=alert.id, labels=result.labels)
            alert.last_true_at = now
            alert.values = _with_peak(result.values, alert.values)
            if result.evidence:
                alert.evidence = result.evidence
            alert.severity = rule.severity
        elif alert is None:
            continue
        alert.last_eval_at = now
        if alert.state == "pending":
            if not result.active:
                session.delete(alert)  # never fired: nobody was told, nothing to resolve
                del open_alerts[fp]
                continue
            if now - alert.active_since >= rule.for_:
                alert.state = "firing"
                alert.fired_at = now
                transitions.append(Transition(rule.name, alert.labels, "firing", now, alert.id))
                log.log(
                    _LEVELS.get(alert.severity, logging.WARNING),
                    "alert.firing",
                    rule=rule.name,
                    alert=alert.id,
                    labels=alert.labels,
                    severity=alert.severity,
                    values=alert.values,
                )
        elif (
            alert.state == "firing"
            and not result.active
            and now - alert.last_true_at >= rule.keep_firing_for
        ):
            alert.state = "resolved"
            alert.resolved_at = now
            # The figures stay those it fired with (a resolution says what happened, not
            # "0 mentions"); what the rule sees now is kept as the reason it resolved.
            now_reason = result.values.get("reason")
            if now_reason and not (alert.annotations or {}).get("resolved_reason"):
                alert.annotations = {
                    **(alert.annotations or {}),
                    "resolved_reason": str(now_reason),
                    **(
                        {"resolved_why": json.dumps(result.values["why"], ensure_ascii=False)}
                        if "why" in result.values
                        else {}
                    ),
                }
            transitions.append(Transition(rule.name, alert.labels, "resolved", now, alert.id))
            log.info("alert.resolved", rule=rule.name, alert=alert.id, labels=alert.labels)
    orphans = {fp: a for fp, a in open_alerts.items() if fp not in touched}
    _close_orphans(session, orphans, results, rule_names, now, transitions)
    session.flush()
    return transitions


def _with_peak(values: dict[str, Any], before: dict[str, Any] | None) -> dict[str, Any]:
    """`values` with `peak`: the highest `observed` (or `count`) seen while the condition held."""
    seen = values.get("observed", values.get("count"))
    if isinstance(seen, bool) or not isinstance(seen, int | float):
        return values
    earlier = (before or {}).get("peak")
    if isinstance(earlier, int | float) and not isinstance(earlier, bool) and earlier > seen:
        seen = earlier
    return {**values, "peak": seen}
