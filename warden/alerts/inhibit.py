"""Inhibition: while a more severe alert fires on an entity, its lesser alerts are muted.

Muted alerts are still recorded and shown (`warden alerts`); they are only not sent.
"""

from __future__ import annotations

from collections.abc import Sequence

from warden.config import InhibitRule
from warden.store.models import Alert


def inhibited(alerts: Sequence[Alert], rules: Sequence[InhibitRule]) -> dict[int, int]:
    """{muted alert id: id of the firing alert that mutes it} among the firing `alerts`."""
    muted: dict[int, int] = {}
    for rule in rules:
        sources = [a for a in alerts if a.state == "firing" and a.severity == rule.source_severity]
        if not sources:
            continue
        for target in alerts:
            if target.state != "firing" or target.severity not in rule.target_severities:
                continue
            for source in sources:
                if source.id != target.id and all(
                    k in target.labels and source.labels.get(k) == target.labels[k]
                    for k in rule.equal
                ):
                    muted.setdefault(target.id, source.id)
                    break
    return muted
