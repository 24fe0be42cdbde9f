"""The NAB scoring rule, reimplemented: scaled sigmoid, probation, cost profiles, normalisation.

Follows NAB's sweeper: a file's first ``min(floor(0.15 n), 750)`` rows are probationary and
their detections ignored; inside a window only the earliest detection counts, worth
``tpWeight * sigma(p) / sigma(-1)`` with ``sigma(x) = 2 / (1 + exp(5 x)) - 1`` and
``p = -(right - i + 1) / width``; a window without detection costs ``fnWeight``; a detection
outside any window adds ``fpWeight * u`` with ``u = -1`` before the first window, else
``u = sigma(|prev_right - i| / (prev_width - 1))`` (``-1`` beyond three widths). Corpus
scores are ``100 * (raw - null) / (perfect - null)`` over the summed files.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def scaled_sigmoid(position: float) -> float:
    """NAB's ``2 * sigmoid(-5 x) - 1``, pinned to -1 beyond three window widths."""
    if position > 3.0:
        return -1.0
    return 2.0 / (1.0 + math.exp(5.0 * position)) - 1.0


def probation_rows(length: int) -> int:
    """Rows at the start of a file whose detections NAB ignores."""
    return min(math.floor(0.15 * length), 750)


@dataclass(frozen=True)
class FileOutcome:
    """How one detector did on one file under one profile."""

    raw: float
    null: float
    perfect: float
    caught: int
    windows: int
    false_alarms: int
    first_detections: list[int | None]


def score_file(
    length: int,
    windows: Sequence[tuple[int, int]],
    detections: Sequence[int],
    tp_weight: float,
    fp_weight: float,
    fn_weight: float,
) -> FileOutcome:
    """Score detection rows (alert onsets) against labelled windows (inclusive row ranges)."""
    probation = probation_rows(length)
    max_tp = scaled_sigmoid(-1.0)
    ordered = sorted(windows)
    firsts: list[int | None] = [None] * len(ordered)
    raw = 0.0
    false_alarms = 0
    for i in sorted(set(detections)):
        if i < probation:
            continue
        inside = next((w for w, (lo, hi) in enumerate(ordered) if lo <= i <= hi), None)
        if inside is not None:
            if firsts[inside] is None:
                firsts[inside] = i
                lo, hi = ordered[inside]
                width = hi - lo + 1
                position = -(hi - i + 1) / width
                raw += tp_weight * scaled_sigmoid(position) / max_tp
            continue
        false_alarms += 1
        previous = [w for w in ordered if w[1] < i]
        if not previous:
            u = -1.0
        else:
            lo, hi = previous[-1]
            width = hi - lo + 1
            u = scaled_sigmoid(abs(hi - i) / (width - 1))
        raw += fp_weight * u
    missed = sum(1 for f in firsts if f is None)
    raw -= fn_weight * missed
    return FileOutcome(
        raw=raw,
        null=-fn_weight * len(ordered),
        perfect=tp_weight * len(ordered),
        caught=len(ordered) - missed,
        windows=len(ordered),
        false_alarms=false_alarms,
        first_detections=firsts,
    )


def normalised(outcomes: Sequence[FileOutcome]) -> float:
    """NAB's corpus score: 100 for perfect, 0 for a detector that never fires."""
    raw = sum(o.raw for o in outcomes)
    null = sum(o.null for o in outcomes)
    perfect = sum(o.perfect for o in outcomes)
    return 100.0 * (raw - null) / (perfect - null)
