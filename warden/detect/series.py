"""A regular time series of buckets: start time, bucket size and one value per bucket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Series:
    """Values of consecutive, equal-sized buckets; bucket ``i`` starts at ``start + i * step``.

    Missing buckets must be filled (with 0 for counts) by whoever builds the series, so that the
    position of a value tells its time. ``values`` is treated as immutable: detectors never
    modify it, and callers may pass a list to avoid a copy.
    """

    start: datetime
    step: timedelta
    values: Sequence[float]

    def __post_init__(self) -> None:
        if self.step <= timedelta(0):
            raise ValueError(f"bucket size must be positive, got {self.step}")

    def __len__(self) -> int:
        return len(self.values)

    @property
    def end(self) -> datetime:
        """Start of the bucket right after the last one (where a current bucket would start)."""
        return self.start + len(self.values) * self.step

    @property
    def span(self) -> timedelta:
        """Time covered by the series."""
        return len(self.values) * self.step

    def time_at(self, index: int) -> datetime:
        """Start time of bucket ``index`` (negative indexes count from the end)."""
        if index < 0:
            index += len(self.values)
        return self.start + index * self.step

    def tail(self, span: timedelta) -> Series:
        """The last buckets covering at most ``span``, as a series of its own."""
        keep = int(span / self.step)
        drop = max(0, len(self.values) - keep)
        if drop == 0:
            return self
        return Series(self.start + drop * self.step, self.step, self.values[drop:])

    def append(self, value: float) -> Series:
        """A new series with one more bucket (for replays and tests)."""
        return Series(self.start, self.step, [*self.values, value])

    @staticmethod
    def from_points(
        points: Sequence[tuple[datetime, float]], step: timedelta, start: datetime | None = None
    ) -> Series:
        """Bucket ``(time, value)`` points, summing values that fall in the same bucket.

        Buckets with no point get 0; ``start`` defaults to the first point's time.
        """
        if not points:
            if start is None:
                raise ValueError("an empty series needs an explicit start")
            return Series(start, step, [])
        origin = start if start is not None else min(t for t, _ in points)
        last = max(t for t, _ in points)
        size = int((last - origin) / step) + 1
        values = [0.0] * size
        for t, v in points:
            i = int((t - origin) / step)
            if 0 <= i < size:
                values[i] += v
        return Series(origin, step, values)
