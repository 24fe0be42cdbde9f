"""Escalation: a firing alert nobody acknowledged goes, after a delay, to the next receiver.

Each receiver may name an `escalate_to` receiver and an `escalate_after` delay, counted from
when the alert fired (the steps of a chain add up). An alert once escalated keeps its extra
receivers until it resolves, so they also hear that it is over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from warden.config import ReceiverSettings
from warden.log import get_logger
from warden.store.models import Alert

log = get_logger(__name__)


def escalated(
    alert: Alert,
    first: Sequence[ReceiverSettings],
    receivers: Mapping[str, ReceiverSettings],
    now: datetime,
) -> list[ReceiverSettings]:
    """`first` plus the escalation receivers the alert has reached (recorded on the alert)."""
    chosen = list(first)
    names = {r.name for r in chosen}
    level = 0
    frontier = list(first)
    delay = timedelta(0)
    while frontier:
        step = [(r, receivers.get(r.escalate_to or "")) for r in frontier]
        step_delay = min((r.escalate_after for r, nxt in step if nxt is not None), default=None)
        if step_delay is None:
            break
        delay += step_delay
        level += 1
        reached = level <= (alert.escalation_level or 0) or (
            alert.state == "firing"
            and alert.acked_at is None
            and alert.fired_at is not None
            and now - alert.fired_at >= delay
        )
        if not reached:
            break
        frontier = [n for _, n in step if n is not None and n.name not in names]
        for nxt in frontier:
            names.add(nxt.name)
            chosen.append(nxt)
        if level > (alert.escalation_level or 0):
            alert.escalation_level = level
            alert.escalated_at = now
            log.warning(
                "alert.escalated",
                alert=alert.id,
                rule=alert.rule,
                level=level,
                receivers=[n.name for n in frontier],
            )
    return chosen
