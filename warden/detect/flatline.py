"""Flatline: a source that has been silent for longer than it is allowed to be."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from warden.detect.decision import Decision
from warden.detect.reason import Reason

NAME = "flatline"


@dataclass(frozen=True, slots=True)
class FlatlineParams:
    """Longest acceptable silence of a source."""

    max_silence: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if self.max_silence <= timedelta(0):
            raise ValueError("max_silence must be positive")


def detect_flatline(
    last_seen: datetime | None,
    now: datetime,
    params: FlatlineParams | None = None,
    watching_since: datetime | None = None,
) -> Decision:
    """Fire when nothing has arrived since ``last_seen`` for more than ``max_silence``.

    ``now`` is passed in (the detector reads no clock). With nothing seen yet, silence
    counts from ``watching_since``; without that either, the decision is warming up.
    """
    p = params or FlatlineParams()
    since = last_seen if last_seen is not None else watching_since
    if since is None:
        return Decision(
            fired=False,
            reason="nothing received yet and no start time to count from",
            detector=NAME,
            warming_up=True,
            why=Reason("flatline_no_start"),
        )
    silence = max(timedelta(0), now - since)
    fired = silence > p.max_silence
    what = "last item" if last_seen is not None else "start of watch, nothing received"
    reason = f"silent for {silence} since {what} (allowed {p.max_silence})"
    return Decision(
        fired=fired,
        reason=reason,
        detector=NAME,
        value=silence.total_seconds(),
        threshold=p.max_silence.total_seconds(),
        why=Reason(
            "flatline" if last_seen is not None else "flatline_never",
            {
                "silent_s": silence.total_seconds(),
                "allowed_s": p.max_silence.total_seconds(),
            },
        ),
    )
