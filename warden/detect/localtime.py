"""The local wall clock of a series' buckets: seconds since the local epoch, day and weekday.

An audience wakes at 07:00 local time, summer and winter alike, so daily and weekly
profiles are learnt and read on the local clock of the entity's time zone (an IANA name
such as ``Europe/Paris``), not in UTC: on the night of a daylight-saving change the
profile shifts by an hour with the people it describes.

A bucket's local time is its UTC start plus the zone's offset at that instant. The offset
is constant between changes, and changes are rare (at most a few a year), so the offsets
of a range of buckets are found by bisection: two zone look-ups when no change falls in
the range, a few dozen when one does. A naive start time is read as UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from warden.detect.series import Series

DAY = 86_400
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The time zone called ``name`` (IANA); ValueError naming it when it does not exist."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}: use an IANA name such as Europe/Paris or UTC"
        ) from None


def check_zone(name: str) -> str:
    """``name`` if it is a known IANA time zone; ValueError otherwise (for config checks)."""
    zone(name)
    return name


def _utc_seconds(t: datetime) -> int:
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return int((t - _EPOCH).total_seconds())


def _offsetter(name: str) -> Callable[[int], int]:
    """Seconds to add to a UTC instant (seconds since the epoch) to read the local clock."""
    if name in ("UTC", "Etc/UTC"):
        return lambda _s: 0
    tz = zone(name)

    def offset(s: int) -> int:
        delta = datetime.fromtimestamp(s, tz).utcoffset()
        return int(delta.total_seconds()) if delta is not None else 0

    return offset


def local_seconds(series: Series, first: int, stop: int, timezone: str = "UTC") -> list[int]:
    """Local seconds since 1970-01-01 00:00 (local) of the starts of buckets ``first..stop-1``.

    The index may run past the series (buckets still to come). O(stop - first) arithmetic
    plus O(changes x log(stop - first)) zone look-ups.
    """
    if stop <= first:
        return []
    step = int(series.step.total_seconds())
    origin = _utc_seconds(series.start)
    offset = _offsetter(timezone)
    out = [0] * (stop - first)

    def fill(lo: int, hi: int, off_lo: int, off_hi: int) -> None:
        # Buckets lo..hi inclusive, whose end offsets are known.
        if off_lo == off_hi:
            base = origin + off_lo
            out[lo - first : hi - first + 1] = range(base + lo * step, base + (hi + 1) * step, step)
            return
        if hi - lo <= 1:
            out[lo - first] = origin + lo * step + off_lo
            out[hi - first] = origin + hi * step + off_hi
            return
        mid = (lo + hi) // 2
        off_mid = offset(origin + mid * step)
        fill(lo, mid, off_lo, off_mid)
        fill(mid, hi, off_mid, off_hi)

    last = stop - 1
    fill(first, last, offset(origin + first * step), offset(origin + last * step))
    return out


def weekday(local: int) -> int:
    """Weekday (Monday 0) of a local time given as local seconds since the epoch."""
    return (local // DAY + 3) % 7
