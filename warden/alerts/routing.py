"""Which receivers get an alert: those the rule names, or every receiver taking its severity."""

from __future__ import annotations

from collections.abc import Sequence

from warden.config import ReceiverSettings
from warden.rules.schema import Rule


def receivers_for(rule: Rule, receivers: Sequence[ReceiverSettings]) -> list[ReceiverSettings]:
    if rule.receivers is not None:
        wanted = set(rule.receivers)
        return [r for r in receivers if r.name in wanted]
    return [r for r in receivers if rule.severity in r.severities]
