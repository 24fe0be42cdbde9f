"""Which receivers get an alert: those its rule names, else those of the first route of the
rule's file whose labels match the alert, else every receiver taking its severity."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from warden.config import ReceiverSettings
from warden.rules.schema import Rule


def receivers_for(
    rule: Rule, receivers: Sequence[ReceiverSettings], labels: Mapping[str, str] | None = None
) -> list[ReceiverSettings]:
    """The receivers of an alert of `rule` with `labels` (the alert's labels)."""
    wanted: set[str] | None = set(rule.receivers) if rule.receivers is not None else None
    if wanted is None and rule.routes:
        seen = {**(labels or {}), "rule": rule.name, "severity": rule.severity}
        route = next((r for r in rule.routes if r.matches(seen)), None)
        if route is not None:
            wanted = set(route.receivers)
    if wanted is not None:
        return [r for r in receivers if r.name in wanted]
    return [r for r in receivers if rule.severity in r.severities]
