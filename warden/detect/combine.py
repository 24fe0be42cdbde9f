"""All/any combinations of detector decisions, with a reason that says which parts fired."""

from __future__ import annotations

from collections.abc import Sequence

from warden.detect.decision import Decision
from warden.detect.reason import Reason


def _parts(decisions: Sequence[Decision], fired: bool) -> str:
    return "; ".join(d.reason for d in decisions if d.fired == fired)


def _whys(decisions: Sequence[Decision], fired: bool) -> list[Reason]:
    return [d.why or Reason("text", {"text": d.reason}) for d in decisions if d.fired == fired]


def all_of(decisions: Sequence[Decision]) -> Decision:
    """Fire when every decision fired; warming up when any part is and not all fired."""
    if not decisions:
        raise ValueError("all_of needs at least one decision")
    fired = all(d.fired for d in decisions)
    if fired:
        reason = "all conditions hold: " + _parts(decisions, True)
        why = Reason("all_hold", {"parts": _whys(decisions, True)})
    else:
        missing = [d for d in decisions if not d.fired]
        reason = f"{len(missing)} of {len(decisions)} conditions do not hold: " + _parts(
            decisions, False
        )
        why = Reason(
            "some_fail",
            {"missing": len(missing), "total": len(decisions), "parts": _whys(decisions, False)},
        )
    return Decision(
        fired=fired,
        reason=reason,
        detector="all",
        warming_up=not fired and any(d.warming_up for d in decisions),
        why=why,
    )


def any_of(decisions: Sequence[Decision]) -> Decision:
    """Fire when at least one decision fired; warming up when none fired and any part is."""
    if not decisions:
        raise ValueError("any_of needs at least one decision")
    fired = any(d.fired for d in decisions)
    reason = "condition holds: " + _parts(decisions, True) if fired else "no condition holds"
    why = Reason("any_holds", {"parts": _whys(decisions, True)}) if fired else Reason("none_hold")
    return Decision(
        fired=fired,
        reason=reason,
        detector="any",
        warming_up=not fired and any(d.warming_up for d in decisions),
        why=why,
    )
