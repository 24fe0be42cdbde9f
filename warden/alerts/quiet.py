"""Quiet hours: a daily span, in the receiver's time zone, when only piercing severities go.

A held message is not lost: the group stays due and is sent when quiet hours end.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from warden.config import ReceiverSettings


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def in_quiet_hours(receiver: ReceiverSettings, now: datetime) -> bool:
    """Whether `now` falls in the receiver's quiet hours (a span may cross midnight)."""
    quiet = receiver.quiet_hours
    if quiet is None:
        return False
    local = now.astimezone(ZoneInfo(receiver.timezone)).time()
    start, end = _clock(quiet.start), _clock(quiet.end)
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def held(receiver: ReceiverSettings, severity: str, now: datetime) -> bool:
    """Whether a message of `severity` waits because of the receiver's quiet hours."""
    quiet = receiver.quiet_hours
    return quiet is not None and severity not in quiet.pierce and in_quiet_hours(receiver, now)


def quiet_until(receiver: ReceiverSettings, now: datetime) -> datetime | None:
    """When the quiet hours `now` falls in end (UTC), or None outside quiet hours.

    The end is the next `end` o'clock of the receiver's zone after `now`; on a day whose
    clocks change, a wall time that does not exist is read as the zone's folding rules say.
    """
    quiet = receiver.quiet_hours
    if quiet is None or not in_quiet_hours(receiver, now):
        return None
    zone = ZoneInfo(receiver.timezone)
    local = now.astimezone(zone)
    end = _clock(quiet.end)
    day = local.date()
    if local.time() >= end:
        day += timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
