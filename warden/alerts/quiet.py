"""Quiet hours: a daily span, in the receiver's time zone, when only piercing severities go.

A held message is not lost: the group stays due and is sent when quiet hours end.
"""

from __future__ import annotations

from datetime import datetime, time
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
