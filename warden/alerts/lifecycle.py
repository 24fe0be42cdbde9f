"""Turning rule results into alert state, and alert transitions into outbox messages.

Per (rule, labels) fingerprint an alert is pending while its condition holds for less than the
rule's `for`, firing after, and resolved once the condition has been false for
`keep_firing_for`. A firing alert is notified once, then again only every `repeat_interval`;
resolution is notified too. State and messages are written in the caller's transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.alerts.routing import receivers_for
from warden.config import NotificationSettings, ReceiverSettings
from warden.log import get_logger
from warden.notify.outbox import enqueue
from warden.notify.render import render_alert
from warden.rules.evaluate import RuleResult
from warden.rules.schema import Rule
from warden.store.models import Alert, Mention

log = get_logger(__name__)

OPEN_STATES = ("pending", "firing")


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


def _open_alerts(session: Session) -> dict[str, Alert]:
    rows = session.scalars(select(Alert).where(Alert.state.in_(OPEN_STATES)))
    return {a.fingerprint: a for a in rows}


def apply_results(
    session: Session,
    results: Sequence[RuleResult],
    now: datetime,
    receivers: Sequence[ReceiverSettings],
    settings: NotificationSettings,
) -> list[Transition]:
    """Advance every alert by one evaluation; enqueue the messages its transitions call for."""
    open_alerts = _open_alerts(session)
    transitions: list[Transition] = []
    for result in results:
        rule = result.rule
        fp = fingerprint(rule.name, result.labels)
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
                )
                session.add(alert)
                session.flush()
                open_alerts[fp] = alert
                log.info("alert.pending", rule=rule.name, alert=alert.id, labels=result.labels)
            alert.last_true_at = now
            alert.values = result.values
            if result.evidence:
                alert.evidence = result.evidence
            alert.severity = rule.severity
        elif alert is None:
            continue
        alert.last_eval_at = now
        targets = receivers_for(rule, receivers, alert.labels)
        if alert.state == "pending":
            if not result.active:
                session.delete(alert)  # never fired: nobody was told, nothing to resolve
                continue
            if now - alert.active_since >= rule.for_:
                alert.state = "firing"
                alert.fired_at = now
                _notify(session, alert, rule, "firing", targets, now, settings)
                transitions.append(Transition(rule.name, alert.labels, "firing", now, alert.id))
                log.warning(
                    "alert.firing",
                    rule=rule.name,
                    alert=alert.id,
                    labels=alert.labels,
                    severity=alert.severity,
                    values=alert.values,
                )
        elif alert.state == "firing":
            if not result.active and now - alert.last_true_at >= rule.keep_firing_for:
                alert.state = "resolved"
                alert.resolved_at = now
                alert.values = {**alert.values, **result.values}
                _notify(session, alert, rule, "resolved", targets, now, settings)
                transitions.append(Transition(rule.name, alert.labels, "resolved", now, alert.id))
                log.info("alert.resolved", rule=rule.name, alert=alert.id, labels=alert.labels)
            elif (
                alert.last_notified_at is not None
                and now - alert.last_notified_at >= settings.repeat_interval
            ):
                _notify(session, alert, rule, "repeat", targets, now, settings)
    return transitions


def _notify(
    session: Session,
    alert: Alert,
    rule: Rule,
    kind: str,
    receivers: Sequence[ReceiverSettings],
    now: datetime,
    settings: NotificationSettings,
) -> None:
    mentions = [m for i in alert.evidence if (m := session.get(Mention, i)) is not None]
    title, body = render_alert(alert, rule, kind, mentions[: settings.top_mentions])
    alert.annotations = {"title": title}
    enqueue(session, alert, kind, receivers, title, body, now)
    alert.last_notified_at = now
