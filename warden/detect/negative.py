"""Negative surge: more negative mentions than usual *and* a larger negative share than usual.

Both conditions are needed. A launch that doubles the volume doubles the negative count too
without being a crisis (the share is unchanged); one angry post on a quiet night is a 100 %
negative share without being a surge (the count is tiny). The count is judged by the volume
detector on the negative-count series; the share by a binomial tail of the current negative
count given the current total and the baseline share (the interquartile mean of the last
``share_days`` daily shares, so a past crisis does not make the next one look normal).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from warden.detect.counts import beta_i
from warden.detect.decision import Decision
from warden.detect.reason import Reason
from warden.detect.robust import trimmed_mean
from warden.detect.sensitivity import tail_probability
from warden.detect.series import Series
from warden.detect.volume import VolumeParams, detect_volume_spike

NAME = "negative_surge"
_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class NegativeParams:
    """Count settings (``volume``), the share's history and the smallest share rise that counts."""

    volume: VolumeParams = field(default_factory=VolumeParams)
    share_days: int = 7
    min_share_increase: float = 0.10


def binomial_sf(k: float, n: float, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p)."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    return beta_i(float(k), float(n - k + 1), p)


def baseline_share(negatives: Series, totals: Series, days: int) -> float | None:
    """Robust usual negative share: interquartile mean of daily shares; None without data."""
    per_day = max(1, int(_DAY / negatives.step))
    neg = negatives.values[-days * per_day :]
    tot = totals.values[-days * per_day :]
    shares = []
    for i in range(0, len(tot), per_day):
        t = sum(tot[i : i + per_day])
        if t > 0:
            shares.append(sum(neg[i : i + per_day]) / t)
    if not shares:
        return None
    mean, _ = trimmed_mean(shares, 0.25)
    return mean


def detect_negative_surge(
    negatives: Series,
    totals: Series,
    current_negative: float,
    current_total: float,
    params: NegativeParams | None = None,
) -> Decision:
    """Judge the current bucket's negative count and share against their baselines.

    ``negatives`` and ``totals`` are aligned series of the buckets before the current one.
    """
    p = params or NegativeParams()
    if len(negatives) != len(totals) or negatives.start != totals.start:
        raise ValueError("negative and total series must cover the same buckets")
    count = detect_volume_spike(negatives, current_negative, p.volume)
    if count.warming_up:
        return Decision(
            fired=False,
            reason="warming up: " + count.reason.removeprefix("warming up: "),
            detector=NAME,
            value=current_negative,
            warming_up=True,
            why=count.why,
        )
    usual = baseline_share(negatives, totals, p.share_days)
    share = current_negative / current_total if current_total > 0 else 0.0
    if usual is None:
        usual = 0.0
    p_share = binomial_sf(current_negative, current_total, max(usual, 1e-6))
    # The share is a binomial count: the nominal tail probability suits it (the volume
    # detector's own levels are set for the heavier tails of mention volumes).
    threshold = tail_probability(p.volume.sensitivity, negatives.step)
    share_up = p_share <= threshold and share - usual >= p.min_share_increase
    fired = count.fired and share_up
    p_count = count.probability if count.probability is not None else 1.0
    reason = (
        f"{current_negative:.0f} negative of {current_total:.0f} mentions "
        f"({share:.0%} vs usual {usual:.0%}); count: {count.reason}"
    )
    return Decision(
        fired=fired,
        reason=reason,
        detector=NAME,
        value=share,
        expected=usual,
        probability=max(p_count, p_share),
        threshold=threshold,
        why=Reason(
            "negative_surge",
            {
                "negative": current_negative,
                "total": current_total,
                "now_share": share,
                "usual_share": usual,
                "part": count.why or Reason("text", {"text": count.reason}),
            },
        ),
    )
