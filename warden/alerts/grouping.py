"""Grouping and the notification log: which alerts go in one message, and when it is due.

Alerts sharing the values of `group_by` form a group per receiver (`["..."]`: each alert alone).
A group's first message waits `group_wait`; after that a change (an alert joins, or one the
receiver was told about resolves) is sent at most every `group_interval`; an unchanged group
still firing is repeated every `repeat_interval` unless all its alerts are acknowledged. The
log (`alert_groups`) remembers per receiver and group what was last sent, which is also what
keeps a message from being sent twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from warden.alerts.silences import alert_labels
from warden.config import NotificationSettings
from warden.store.models import Alert, AlertGroup


@dataclass(frozen=True)
class Decision:
    """A message is due: its kind and the alerts it lists (firing first, then resolved)."""

    kind: str  # firing, repeat, resolved
    firing: list[Alert]
    resolved: list[Alert]

    @property
    def alerts(self) -> list[Alert]:
        return [*self.firing, *self.resolved]


def group_of(alert: Alert, group_by: Sequence[str]) -> tuple[str, dict[str, str]]:
    """(key, labels) of the alert's group: `alert:<id>` when grouping by every label."""
    if "..." in group_by:
        return f"alert:{alert.id}", {**alert.labels, "rule": alert.rule}
    labels = {k: alert_labels(alert).get(k, "") for k in group_by}
    blob = json.dumps(labels, sort_keys=True, ensure_ascii=False)
    return "group:" + hashlib.sha256(blob.encode()).hexdigest()[:32], labels


def log_key(receiver: str, group: str) -> str:
    return f"{receiver}|{group}"[:255]


def decide(
    entry: AlertGroup | None,
    firing: Sequence[Alert],
    resolved: Sequence[Alert],
    settings: NotificationSettings,
    now: datetime,
) -> Decision | None:
    """The message due now for a group at one receiver, or None.

    `firing`: the group's firing alerts that are not muted; `resolved`: alerts the receiver
    was told were firing and that have resolved since.
    """
    told = set(entry.firing_ids) if entry is not None else set()
    joined = [a for a in firing if a.id not in told]
    if entry is None or entry.last_sent_at is None:
        if not firing:
            return None
        first_seen = entry.first_seen_at if entry is not None else now
        if now - first_seen < settings.group_wait:
            return None
        return Decision("firing", list(firing), [])
    since_last = now - entry.last_sent_at
    if joined or resolved:
        if since_last < settings.group_interval:
            return None
        kind = "firing" if joined else ("resolved" if not firing else "repeat")
        return Decision(kind, list(firing), list(resolved))
    if firing and since_last >= settings.repeat_interval:
        if all(a.acked_at is not None for a in firing):
            return None
        return Decision("repeat", list(firing), [])
    return None
