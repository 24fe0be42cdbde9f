"""The period of a report: [start, end) in UTC cut into calendar days or clock hours of the
audience's time zone (DST-aware), and the comparison span one period earlier."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC, cut into buckets of `step` on the audience's clock `timezone`.

    With a day step, buckets are calendar days of `timezone` (local midnight to midnight: 23,
    24 or 25 hours around a daylight-saving change) and `start` is a local midnight; with an
    hour step, buckets are clock hours. The last bucket ends at `end` and is `partial` when
    `end` is not on a bucket boundary (today, still counting). Build one with `period_ending`.
    """

    start: datetime
    end: datetime
    step: timedelta | None = None
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        if self.step is None:  # a day for periods of 3 days or more, else an hour
            object.__setattr__(self, "step", DAY if self.end - self.start >= 3 * DAY else HOUR)

    @property
    def unit(self) -> timedelta:
        """The bucket: DAY or HOUR."""
        return self.step or HOUR

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _shift(self, moment: datetime, steps: int) -> datetime:
        """`moment` moved `steps` buckets (calendar days keep their local clock time)."""
        if self.unit != DAY:
            return moment + steps * self.unit
        local = moment.astimezone(self.zone).replace(tzinfo=None) + steps * DAY
        return local.replace(tzinfo=self.zone).astimezone(UTC)

    @property
    def shift(self) -> int:
        """How many buckets back the comparison period lies: its calendar days (the partial
        last one included, as `period_ending` counts it), or its whole clock hours (the hour
        `period_ending` floors the start to is not counted). So a week from Tuesday 00:00 to
        Monday 14:30 is compared with the seven days before up to 14:30, and a 24 h period
        from 14:00 to 14:14 the next day with the same span 24 hours earlier (at least 1)."""
        buckets = self.buckets()
        if self.unit == DAY:
            return len(buckets)
        return max(1, len(buckets) - (1 if self.partial else 0))

    @property
    def previous(self) -> Period:
        """The same span `shift` buckets earlier: calendar days are moved on the local clock
        (a week earlier is the same weekdays at the same local times, across a daylight-saving
        change), hours by the hour. When the period ends mid-day (mid-hour) the comparison
        covers the same partial last day, up to the same time."""
        n = self.shift
        return Period(
            self._shift(self.start, -n), self._shift(self.end, -n), self.unit, self.timezone
        )

    def buckets(self) -> list[tuple[datetime, datetime]]:
        """[(start, end), ...] in UTC, oldest first; the last one ends at `end`."""
        out: list[tuple[datetime, datetime]] = []
        at = self.start
        while at < self.end:
            nxt = self._next(at)
            out.append((at, min(nxt, self.end)))
            at = nxt
        return out

    def _next(self, at: datetime) -> datetime:
        if self.unit != DAY:
            return at + self.unit
        day = at.astimezone(self.zone).date() + DAY
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)

    @property
    def partial(self) -> bool:
        """Whether the last bucket is cut short by `end` (a day or hour still counting)."""
        buckets = self.buckets()
        return bool(buckets) and self._next(buckets[-1][0]) > self.end

    def steps(self) -> list[datetime]:
        """Start of each bucket."""
        return [start for start, _end in self.buckets()]


def period_ending(end: datetime, length: timedelta, timezone: str = "UTC") -> Period:
    """The period of about `length` ending at `end` (aware), on `timezone`'s clock.

    3 days or more: the ceil(length / 1 day) calendar days up to `end`'s (the last one partial
    unless `end` is a local midnight). Less: the clock hours from `end - length` (its hour
    started at the hour), the last one partial unless `end` is on the hour. Raises ValueError
    for a naive `end` or a length that is not positive."""
    if end.tzinfo is None:
        raise ValueError("a report period ends at an aware time")
    if length <= timedelta(0):
        raise ValueError(f"a report period has a positive length, got {length}")
    zone = ZoneInfo(timezone)
    end = end.astimezone(UTC)
    if length >= 3 * DAY:
        local_end = end.astimezone(zone)
        last = local_end.date()
        if local_end.replace(tzinfo=None) == datetime.combine(last, time(0)):
            last -= DAY  # ends at midnight: that day is whole, nothing of the next one
        days = -(-length // DAY)
        first = last - (days - 1) * DAY
        start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
        return Period(start, end, DAY, timezone)
    begin = end - length
    offset = begin.astimezone(zone).utcoffset() or timedelta(0)
    local = begin + offset
    floored = local.replace(minute=0, second=0, microsecond=0) - offset
    return Period(floored, end, HOUR, timezone)
