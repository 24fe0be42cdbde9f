"""Each entity's last hour against what is usual for it, read with the rules' own code.

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
class EntityFigures:
    """One entity's last complete hour (`hour_start`), with what is usual for it.

    `expected` is None while the detector warms up (`reason` says why); shares are 0..1 and
    None without scored mentions.
    """

    entity: str
    hour_start: datetime
    count: float
    expected: float | None
    unusual: bool
    reason: str
    negative_share: float | None
    usual_share: float | None


class Overview:
    """Keeps the series cache between page views (refreshed incrementally); thread-safe."""

    def __init__(self) -> None:
        self.cache = SeriesCache()
        self.lock = threading.Lock()

    def figures(self, session: Session, config: Config, now: datetime) -> list[EntityFigures]:
        """Figures of every configured entity, in config order."""
        n = steps_of(STEP)
        size = n * BUCKET_SECONDS
        complete = int(now.timestamp() // size) - 1
        out = []
        with self.lock:
            widest = max(history_span(VolumeParams()), timedelta(days=SHARE_DAYS))
            self.cache.refresh(session, now - widest - 2 * STEP)
            for entity in config.entities:
                out.append(self._entity(entity.name, config, complete, n))
        return out

    def _history(self, group: Group, metric: str, stop: int, span: int, n: int) -> Series:
        first = self.cache.first_index(group)
        lo = stop if first is None else min(stop, max(first // n, stop - span))
        values = self.cache.values(group, metric, lo, stop, n)
        start = bucket_start(lo * n)
        return Series(start, STEP, values)

    def _entity(self, name: str, config: Config, complete: int, n: int) -> EntityFigures:
        group = Group(name)
        params = VolumeParams(
            windows=(1,), baseline=BaselineParams(timezone=config.timezone_of(name))
        )
        span = int(history_span(params) / STEP) + 1
        count = self.cache.values(group, "count", complete, complete + 1, n)[0]
        hour_start = bucket_start(complete * n)
        if self.cache.first_index(group) is None:
            expected, unusual, reason = None, False, "no mention seen yet"
        else:
            decision = detect_volume_spike(
                self._history(group, "count", complete, span, n), count, params
            )
            expected = None if decision.warming_up else decision.expected
            unusual, reason = decision.fired, decision.reason
        negative = self.cache.values(group, "negative", complete, complete + 1, n)[0]
        scored = self.cache.values(group, "scored", complete, complete + 1, n)[0]
        share_span = SHARE_DAYS * 24
        usual = baseline_share(
            self._history(group, "negative", complete, share_span, n),
            self._history(group, "scored", complete, share_span, n),
            SHARE_DAYS,
        )
        return EntityFigures(
            entity=name,
            hour_start=hour_start,
            count=count,
            expected=expected,
            unusual=unusual,
            reason=reason,
            negative_share=negative / scored if scored else None,
            usual_share=usual,
        )
