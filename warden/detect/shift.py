"""Sentiment shift: recent mean sentiment against the baseline's, by effect size and evidence.

Scores are per mention (e.g. -1 negative .. +1 positive). The shift fires when the recent
mean moved by at least ``min_delta`` in the watched direction and a normal test of the
difference of means (variance from the baseline) has a tail probability at or below the
sensitivity's, with at least ``min_mentions`` recent mentions so that three posts cannot
make a trend.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from warden.detect.decision import Decision, Direction
from warden.detect.reason import Reason
from warden.detect.sensitivity import Sensitivity, tail_probability

NAME = "sentiment_shift"


@dataclass(frozen=True, slots=True)
class ShiftParams:
    """``every`` is how often the rule is evaluated (it turns a sensitivity into ``p``)."""

    sensitivity: Sensitivity = "medium"
    min_delta: float = 0.2
    min_mentions: int = 10
    min_baseline: int = 30
    direction: Direction = "down"
    every: timedelta = timedelta(hours=1)


def detect_sentiment_shift(
    baseline_scores: Sequence[float],
    recent_scores: Sequence[float],
    params: ShiftParams | None = None,
) -> Decision:
    """Compare the recent mentions' scores with the baseline period's."""
    p = params or ShiftParams()
    threshold = tail_probability(p.sensitivity, p.every)
    if len(baseline_scores) < p.min_baseline:
        return Decision(
            fired=False,
            reason=f"warming up: {len(baseline_scores)} baseline mentions, {p.min_baseline} needed",
            detector=NAME,
            warming_up=True,
            threshold=threshold,
            why=Reason("shift_warming", {"have": len(baseline_scores), "needed": p.min_baseline}),
        )
    base = statistics.fmean(baseline_scores)
    if len(recent_scores) < p.min_mentions:
        return Decision(
            fired=False,
            reason=f"only {len(recent_scores)} recent mentions ({p.min_mentions} needed)",
            detector=NAME,
            expected=base,
            threshold=threshold,
            why=Reason("shift_few", {"have": len(recent_scores), "needed": p.min_mentions}),
        )
    recent = statistics.fmean(recent_scores)
    sd = statistics.pstdev(baseline_scores)
    sd = max(sd, 0.1)  # scores that never varied still have some uncertainty
    se = sd * math.sqrt(1.0 / len(recent_scores) + 1.0 / len(baseline_scores))
    z = (recent - base) / se
    tail_down = 0.5 * math.erfc(-z / math.sqrt(2.0))
    tail_up = 0.5 * math.erfc(z / math.sqrt(2.0))
    delta = recent - base
    if p.direction == "down":
        prob, ok = tail_down, -delta >= p.min_delta
    elif p.direction == "up":
        prob, ok = tail_up, delta >= p.min_delta
    else:
        prob, ok = 2 * min(tail_down, tail_up), abs(delta) >= p.min_delta
    fired = ok and prob <= threshold
    reason = (
        f"mean sentiment {recent:+.2f} over {len(recent_scores)} mentions vs {base:+.2f} usual "
        f"(p={prob:.2g})"
    )
    return Decision(
        fired=fired,
        reason=reason,
        detector=NAME,
        value=recent,
        expected=base,
        probability=prob,
        threshold=threshold,
        why=Reason(
            "shift",
            {
                "mean_score": round(recent, 2),
                "mentions": len(recent_scores),
                "usual_score": round(base, 2),
            },
        ),
    )
