"""Each entity's last hour, and the hour under way, against what is usual for it, read with
the rules' own code.

Volume: the hourly series from the rolled-up buckets (`warden.store.series.SeriesCache`) is
judged by the volume detector (`warden.detect.volume.detect_volume_spike`) exactly as a
`volume_spike` rule with a one-hour step does, so "usual" here is the seasonal, level-adjusted
expectation the rules compare against, on the entity's local clock. Negative share: the last
hour's share against `warden.detect.negative.baseline_share` (the rules' usual share over 7
days). Its sparkline is an image drawn by `warden.charts` (see `charts`).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from warden.config import Config
from warden.detect.baseline import BaselineParams
from warden.detect.negative import baseline_share
from warden.detect.series import Series
from warden.detect.volume import VolumeParams, detect_volume_spike, history_span
from warden.store.rollup import BUCKET_SECONDS, bucket_start
from warden.store.series import Group, SeriesCache, steps_of

STEP = timedelta(hours=1)
SHARE_DAYS = 7


@dataclass(frozen=True)
class HourFigures:
    """One hour bucket of an entity: mentions, what the baseline expected for the whole hour
    (None while the detector warms up; `reason` says why), whether the volume detector calls
    it unusual, and its negative share (0..1, None without scored mentions). `why` is the
    detector's reason as data (written in the page's language by `Words.reason`), `reason`
    its English sentence; both empty when no mention was ever seen."""

    start: datetime
    count: float
    expected: float | None
    unusual: bool
    reason: str
    negative_share: float | None
    why: dict[str, Any] | None = None


@dataclass(frozen=True)
class EntityFigures:
    """One entity's last complete hour and the hour under way (judged early, as the rules
    judge a filling bucket), with its usual negative share (0..1, None without data)."""

    entity: str
    last: HourFigures
    current: HourFigures
    usual_share: float | None


class Overview:
    """Keeps the series cache between page views (refreshed incrementally); thread-safe."""

    def __init__(self) -> None:
        self.cache = SeriesCache()
        self.lock = threading.Lock()

    def figures(self, session: Session, config: Config, now: datetime) -> list[EntityFigures]:
        """Figures of every configured entity, in config order."""
        n = steps_of(STEP)
        current = int(now.timestamp() // (n * BUCKET_SECONDS))
        out = []
        with self.lock:
            widest = max(history_span(VolumeParams()), timedelta(days=SHARE_DAYS))
            self.cache.refresh(session, now - widest - 2 * STEP)
            for entity in config.entities:
                out.append(self._entity(entity.name, config, current, n))
        return out

    def _history(self, group: Group, metric: str, stop: int, span: int, n: int) -> Series:
        first = self.cache.first_index(group)
        lo = stop if first is None else min(stop, max(first // n, stop - span))
        values = self.cache.values(group, metric, lo, stop, n)
        return Series(bucket_start(lo * n), STEP, values)

    def _hour(self, group: Group, index: int, n: int, params: VolumeParams) -> HourFigures:
        count = self.cache.values(group, "count", index, index + 1, n)[0]
        negative = self.cache.values(group, "negative", index, index + 1, n)[0]
        scored = self.cache.values(group, "scored", index, index + 1, n)[0]
        expected, unusual, reason = None, False, ""
        why: dict[str, Any] | None = None
        if self.cache.first_index(group) is not None:
            span = int(history_span(params) / STEP) + 1
            history = self._history(group, "count", index, span, n)
            decision = detect_volume_spike(history, count, params)
            expected = None if decision.warming_up else decision.expected
            unusual, reason = decision.fired, decision.reason
            why = decision.why.as_json() if decision.why is not None else None
        share = negative / scored if scored else None
        return HourFigures(bucket_start(index * n), count, expected, unusual, reason, share, why)

    def _entity(self, name: str, config: Config, current: int, n: int) -> EntityFigures:
        group = Group(name)
        params = VolumeParams(
            windows=(1,), baseline=BaselineParams(timezone=config.timezone_of(name))
        )
        share_span = SHARE_DAYS * 24
        usual = baseline_share(
            self._history(group, "negative", current - 1, share_span, n),
            self._history(group, "scored", current - 1, share_span, n),
            SHARE_DAYS,
        )
        return EntityFigures(
            entity=name,
            last=self._hour(group, current - 1, n, params),
            current=self._hour(group, current, n, params),
            usual_share=usual,
        )
