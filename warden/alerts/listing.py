"""What `warden alerts` shows: open and recent alerts with their silences, inhibitions,
acknowledgements and, per receiver, where their messages stand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warden.alerts.pipeline import Muted, muted_alerts
from warden.config import Config
from warden.store.models import Alert, Notification


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
    delivery: dict[str, dict[str, Any]] = field(default_factory=dict)
    """receiver (`name`, `name[2]` for its 2nd URL) → its latest message: receiver, target,
    kind (firing, resolved, ...), status (sent, pending, dead, ...), at, error."""

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
                }
    order = {"firing": 0, "pending": 1, "resolved": 2}
    return sorted(rows.values(), key=lambda r: (order.get(r.state, 3), -r.id))
