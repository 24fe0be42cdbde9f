"""What `warden alerts` shows: open and recent alerts with their silences, inhibitions,
acknowledgements and, per receiver, where their messages stand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from warden.alerts.pipeline import muted_alerts
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
    muted: str | None
    acked_by: str | None
    acked_at: datetime | None
    escalation_level: int
    delivery: dict[str, str] = field(default_factory=dict)  # receiver → status (latest message)
    errors: dict[str, str] = field(default_factory=dict)

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
            "muted": self.muted,
            "acked_by": self.acked_by,
            "acked_at": iso(self.acked_at),
            "escalation_level": self.escalation_level,
            "delivery": self.delivery,
            "errors": self.errors,
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
                row.delivery[name] = f"{message.kind} {message.status}"
                if message.last_error and message.status != "sent":
                    row.errors[name] = message.last_error
                else:
                    row.errors.pop(name, None)
    order = {"firing": 0, "pending": 1, "resolved": 2}
    return sorted(rows.values(), key=lambda r: (order.get(r.state, 3), -r.id))
