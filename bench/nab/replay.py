"""Replay a detector over a series as the daemon would, and turn its firing into alert onsets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from warden.detect.series import Series
from warden.detect.volume import VolumeParams, detect_volume_spike, history_span

from .data import STEP


def warden_conditions(
    times: Sequence[datetime], values: Sequence[float], params: VolumeParams
) -> list[bool]:
    """Call the volume detector once per bucket with only the buckets before it, as live."""
    span = int(history_span(params) / STEP)
    out = [False] * len(values)
    for i in range(1, len(values)):
        lo = max(0, i - span)
        decision = detect_volume_spike(Series(times[lo], STEP, values[lo:i]), values[i], params)
        out[i] = decision.fired
    return out


def onsets(conditions: Sequence[bool], hold: int = 0) -> list[int]:
    """Rows where an alert starts firing, as the daemon's alert lifecycle starts them.

    An alert fires when its condition becomes true and stays firing while it holds. It
    resolves on the first evaluation where the condition does not hold and was last true
    ``hold`` buckets ago or more (a rule's ``keep_firing_for``; with ``hold=0``, the first
    bucket where it does not hold). Only a resolved alert can fire again.
    """
    out = []
    last_true: int | None = None
    for i, c in enumerate(conditions):
        if c:
            if last_true is None or i - last_true > max(hold, 1):
                out.append(i)
            last_true = i
    return out
