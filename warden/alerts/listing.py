"""What `warden alerts` shows: open and recent alerts with their silences, inhibitions,
acknowledgements and, per receiver, where their messages stand, including messages that
no row of the outbox holds yet because the receiver's quiet hours, or the wait for the
sentiment of the mentions they quote, hold them back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warden.alerts import grouping, quiet
from warden.alerts.pipeline import Muted, muted_alerts, waiting_for_scores
from warden.config import Config, ReceiverSettings
from warden.notify.message import reason_text
from warden.notify.words import Words
from warden.store.models import Alert, AlertGroup, Notification

_RANK = {"info": 0, "warning": 1, "critical": 2}


@dataclass
class AlertRow:
    id: int
    fingerprint: str
    rule: str
    severity: str
    state: str
    labels: dict[str, str]
    since: datetime
    fired_at: datetime | None
    resolved_at: datetime | None
    muted: Muted | None
    acked_by: str | None
    acked_at: datetime | None
    escalation_level: int
    reason: str | None = None
    """What the rule saw, in English (the detector's reason, as the messages' "Why" line)."""
    held_since: datetime | None = None
    """For a firing alert whose condition did not hold at the latest evaluation (its rule's
    `keep_firing_for` keeps it firing): when the condition last held."""
    delivery: dict[str, dict[str, Any]] = field(default_factory=dict)
    """receiver (`name`, `name[2]` for its 2nd URL) → its latest message: receiver, target,
    kind (firing, resolved, ...), status (sent, pending, dead, ..., or held: kept back by the
    receiver's quiet hours or by the wait for scores), at, error, until (when a held message
    goes out, else None), held_by (quiet_hours, scores or None)."""

    @property
    def errors(self) -> dict[str, str]:
        """receiver → the error of its latest message when that one is not sent."""
        return {k: d["error"] for k, d in self.delivery.items() if d["error"]}

    def as_json(self) -> dict[str, Any]:
        def iso(value: datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "fingerprint": self.fingerprint,
            "rule": self.rule,
            "severity": self.severity,
            "state": self.state,
            "labels": self.labels,
            "since": iso(self.since),
            "fired_at": iso(self.fired_at),
            "resolved_at": iso(self.resolved_at),
            "muted": self.muted.as_json() if self.muted else None,
            "acked_by": self.acked_by,
            "acked_at": iso(self.acked_at),
            "escalation_level": self.escalation_level,
            "reason": self.reason,
            "condition_last_held": iso(self.held_since),
            "delivery": list(self.delivery.values()),
        }


def list_alerts(
    session: Session, config: Config, now: datetime, recent: timedelta
) -> list[AlertRow]:
    """Firing and pending alerts, then those resolved within `recent`, newest first."""
    alerts = list(
        session.scalars(
            select(Alert)
            .where(
                or_(
                    Alert.state.in_(("firing", "pending")),
                    Alert.resolved_at >= now - recent,
                )
            )
            .order_by(Alert.id.desc())
        )
    )
    firing = [a for a in alerts if a.state == "firing"]
    muted = muted_alerts(session, firing, config, now)
    rows = {
        a.id: AlertRow(
            id=a.id,
            fingerprint=a.fingerprint,
            rule=a.rule,
            severity=a.severity,
            state=a.state,
            labels=a.labels,
            since=a.active_since,
            fired_at=a.fired_at,
            resolved_at=a.resolved_at,
            muted=muted.get(a.id),
            acked_by=a.acked_by,
            acked_at=a.acked_at,
            escalation_level=a.escalation_level or 0,
            reason=reason_text(a, Words()),
            held_since=a.last_true_at if a.state == "firing" and a.condition_lapsed else None,
        )
        for a in alerts
    }
    if rows:
        oldest = min(r.since for r in rows.values())
        messages = session.scalars(
            select(Notification).where(Notification.created_at >= oldest).order_by(Notification.id)
        )
        for message in messages:
            for alert_id in message.alert_ids or ([message.alert_id] if message.alert_id else []):
                row = rows.get(alert_id)
                if row is None:
                    continue
                name = message.receiver + (f"[{message.target + 1}]" if message.target else "")
                row.delivery[name] = {
                    "receiver": message.receiver,
                    "target": message.target,
                    "kind": message.kind,
                    "status": message.status,
                    "at": (message.sent_at or message.created_at).isoformat(),
                    "error": message.last_error if message.status != "sent" else None,
                    "until": None,
                    "held_by": None,
                }
        _add_holds(session, list(rows.values()), config, now)
    order = {"firing": 0, "pending": 1, "resolved": 2}
    return sorted(rows.values(), key=lambda r: (order.get(r.state, 3), -r.id))


def _add_holds(session: Session, rows: list[AlertRow], config: Config, now: datetime) -> None:
    """Mark, per receiver, news that is due but held back: a firing alert it was not told
    about yet, or the resolution of one it was told about, held by its quiet hours (unless
    the group's worst severity pierces them) or, for a first message, by the wait for the
    sentiment of the mentions it quotes (`wait_for_scores`).

    The notification log (`alert_groups`) knows each receiver's groups and what it was told.
    """
    if not rows:
        return
    receivers = {r.name: r for r in config.receivers}
    by_key = {e.key: e for e in session.scalars(select(AlertGroup)) if e.receiver in receivers}
    group_by = config.notifications.group_by
    news: dict[str, list[tuple[AlertRow, Alert]]] = {}
    listed: dict[str, list[Alert]] = {}  # every alert the group's next message lists
    for row in rows:
        alert = session.get(Alert, row.id)
        if alert is None:
            continue
        key, _ = grouping.group_of(alert, group_by)
        for name in receivers:
            entry = by_key.get(grouping.log_key(name, key))
            if entry is None:
                continue
            told = row.id in entry.firing_ids and entry.last_sent_at is not None
            if (row.state == "firing" and row.muted is None) or (row.state == "resolved" and told):
                listed.setdefault(entry.key, []).append(alert)
                if row.state == "resolved" or not told:
                    news.setdefault(entry.key, []).append((row, alert))
    for key, items in news.items():
        receiver = receivers[by_key[key].receiver]
        hold = _hold(session, receiver, listed[key], config, now)
        if hold is None:
            continue
        by, until = hold
        for row, _ in items:
            for target in range(len(receiver.urls)):
                name = receiver.name + (f"[{target + 1}]" if target else "")
                row.delivery[name] = {
                    "receiver": receiver.name,
                    "target": target,
                    "kind": row.state,
                    "status": "held",
                    "at": now.isoformat(),
                    "error": None,
                    "until": until.isoformat(),
                    "held_by": by,
                }


def _hold(
    session: Session,
    receiver: ReceiverSettings,
    alerts: list[Alert],
    config: Config,
    now: datetime,
) -> tuple[str, datetime] | None:
    """(`quiet_hours` or `scores`, until when) if the group's next message to `receiver` is
    held, the later of the two when both hold it; None when it would go out."""
    holds: list[tuple[datetime, str]] = []
    worst = max((a.severity for a in alerts), key=lambda s: _RANK.get(s, 1))
    until = quiet.quiet_until(receiver, now)
    if until is not None and quiet.held(receiver, worst, now):
        holds.append((until, "quiet_hours"))
    firing = [a for a in alerts if a.state == "firing"]
    if firing and waiting_for_scores(session, firing, config, now):
        wait = config.notifications.wait_for_scores
        ends = max(a.fired_at + wait for a in firing if a.fired_at is not None)
        holds.append((ends, "scores"))
    if not holds:
        return None
    until, by = max(holds)
    return by, until
