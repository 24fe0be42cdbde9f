"""The outcome of one detector evaluation: fired or not, the figures behind it, and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from warden.detect.reason import Reason

Direction = Literal["up", "down", "both"]


@dataclass(frozen=True, slots=True)
class Decision:
    """What a detector concluded for the current bucket.

    ``value`` is what was observed and ``expected`` what the baseline predicted (both in the
    detector's unit, e.g. mentions in the tested window). ``probability`` is the tail
    probability of seeing ``value`` or more extreme under the baseline, compared with
    ``threshold``; detectors that are not statistical leave both as None. ``warming_up`` is
    True while the detector has too little history to judge; it never fires then.
    ``reason`` is an English sentence for logs and command output; ``why`` is the same as
    data (a code and its figures) that messages write in each reader's language.
    """

    fired: bool
    reason: str
    detector: str
    value: float | None = None
    expected: float | None = None
    probability: float | None = None
    threshold: float | None = None
    warming_up: bool = False
    why: Reason | None = None
