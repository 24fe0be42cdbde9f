"""Virality: one mention whose engagement (likes, shares, replies) grows fast."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from warden.detect.decision import Decision
from warden.detect.reason import Reason

NAME = "virality"


@dataclass(frozen=True, slots=True)
class ViralityParams:
    """Fire when engagement grew by ``min_gain`` within ``within`` and at least ``min_ratio`` x.

    The absolute gain keeps a post going from 1 to 5 likes quiet; the ratio keeps a
    long-famous post that steadily gains a little from firing.
    """

    min_gain: float = 500.0
    min_ratio: float = 2.0
    within: timedelta = timedelta(hours=1)


def detect_virality(
    snapshots: Sequence[tuple[datetime, float]], params: ViralityParams | None = None
) -> Decision:
    """Judge one mention from its engagement snapshots ``(observed at, engagement)``."""
    p = params or ViralityParams()
    if len(snapshots) < 2:
        return Decision(
            fired=False,
            reason="not enough engagement snapshots yet",
            detector=NAME,
            warming_up=True,
            why=Reason("virality_warming"),
        )
    ordered = sorted(snapshots)
    now, latest = ordered[-1]
    earlier = [v for t, v in ordered if now - t <= p.within]
    base = min(earlier) if earlier else ordered[-2][1]
    gain = latest - base
    ratio = latest / base if base > 0 else float("inf")
    fired = gain >= p.min_gain and ratio >= p.min_ratio
    reason = (
        f"engagement {base:.0f} -> {latest:.0f} within {p.within} "
        f"({'viral' if fired else 'below the virality threshold'})"
    )
    return Decision(
        fired=fired,
        reason=reason,
        detector=NAME,
        value=gain,
        expected=base,
        threshold=p.min_gain,
        why=Reason(
            "virality" if fired else "virality_below",
            {"before": base, "after": latest, "within_s": p.within.total_seconds()},
        ),
    )
