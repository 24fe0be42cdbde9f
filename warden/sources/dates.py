"""Reading the dates platforms write: ISO 8601, RFC 2822, epochs, and what feeds write in the wild.

ISO 8601 and epoch seconds or milliseconds are read directly. Anything else goes through
python-dateutil with the common time-zone abbreviations (``CEST`` is UTC+2, not UTC) and IANA
zone names (``Europe/Paris``, read with zoneinfo, summer time included), and then again with
French day and month names written in English (``lun., 04 mai 2026 10:00:00 +0200``). A date
written in numbers only is read day first, the French and European convention: ``04/05/2026``
and ``04.05.2026`` are 4 May (``05/13/2026``, which can only be 13 May, is read so), unless
the source says its dates are month first (``month_first``, US style). A date
missing its day, month or year, or carrying a time-zone name not listed here, is refused rather
than guessed. Every result is an aware UTC datetime. `plausible` says whether a date can be a
post's: not before 1990, not more than a day after it was fetched.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import parser as dateutil_parser

_HOUR = 3600
TZ_ABBREVIATIONS: dict[str, int] = {
    "UT": 0,
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "WEST": _HOUR,
    "BST": _HOUR,
    "CET": _HOUR,
    "MET": _HOUR,
    "CEST": 2 * _HOUR,
    "MEST": 2 * _HOUR,
    "MEZ": _HOUR,  # mitteleuropäische Zeit
    "MESZ": 2 * _HOUR,  # mitteleuropäische Sommerzeit
    "HNEC": _HOUR,  # heure normale d'Europe centrale
    "HAEC": 2 * _HOUR,  # heure avancée d'Europe centrale
    "EET": 2 * _HOUR,
    "EEST": 3 * _HOUR,
    "MSK": 3 * _HOUR,
    "IST": 5 * _HOUR + 1800,  # India; Irish feeds write +0100
    "HKT": 8 * _HOUR,
    "SGT": 8 * _HOUR,
    "AWST": 8 * _HOUR,
    "JST": 9 * _HOUR,
    "KST": 9 * _HOUR,
    "ACST": 9 * _HOUR + 1800,
    "ACDT": 10 * _HOUR + 1800,
    "AEST": 10 * _HOUR,
    "AEDT": 11 * _HOUR,
    "NZST": 12 * _HOUR,
    "NZDT": 13 * _HOUR,
    "BRT": -3 * _HOUR,
    "ART": -3 * _HOUR,
    "NST": -3 * _HOUR - 1800,
    "NDT": -2 * _HOUR - 1800,
    "AST": -4 * _HOUR,
    "ADT": -3 * _HOUR,
    "EST": -5 * _HOUR,
    "EDT": -4 * _HOUR,
    "CST": -6 * _HOUR,  # North America, as in RFC 2822
    "CDT": -5 * _HOUR,
    "MST": -7 * _HOUR,
    "MDT": -6 * _HOUR,
    "PST": -8 * _HOUR,
    "PDT": -7 * _HOUR,
    "AKST": -9 * _HOUR,
    "AKDT": -8 * _HOUR,
    "HST": -10 * _HOUR,
}
"""Time-zone abbreviations read in dates, with their offset from UTC in seconds."""

_FRENCH = {
    **dict.fromkeys(("janvier", "janv", "jan"), "Jan"),
    **dict.fromkeys(("fevrier", "fevr", "fev"), "Feb"),
    "mars": "Mar",
    **dict.fromkeys(("avril", "avr"), "Apr"),
    "mai": "May",
    "juin": "Jun",
    **dict.fromkeys(("juillet", "juil"), "Jul"),
    "aout": "Aug",
    **dict.fromkeys(("septembre", "sept", "sep"), "Sep"),
    **dict.fromkeys(("octobre", "oct"), "Oct"),
    **dict.fromkeys(("novembre", "nov"), "Nov"),
    **dict.fromkeys(("decembre", "dec"), "Dec"),
    **dict.fromkeys(
        (
            *("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
            *("lun", "mar", "mer", "jeu", "ven", "sam", "dim"),
            *("le", "a", "h", "er"),
        ),
        "",
    ),
}
"""French date words in English; day names and filler words (``le``, ``à``) dropped."""
_FRENCH_WORD = re.compile(r"[^\W\d_]+")
_FRENCH_HOUR = re.compile(r"\b(\d{1,2})\s*h\s*(\d{2})\b", re.IGNORECASE)  # 10h30
_FIRST = re.compile(r"\b1er\b", re.IGNORECASE)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_EARLY = datetime(1, 1, 1)
_LATE = datetime(2, 2, 2)
_DAY_FIRST = re.compile(r"(?<![\d./-])\d{1,2}[./-]\d{1,2}[./-]\d{2,4}(?![\d./-])")
"""A date in numbers with the day or month first (``04/05/2026``, ``4.5.26``), not year first."""
_DOTTED = re.compile(r"(?<![\d./-])\d{1,2}\.\d{1,2}\.\d{2,4}(?![\d./-])")
"""A dotted date (``4.5.26``): day first, the European way, even for a month-first source."""
_IANA = re.compile(r"(?<![\w/])([A-Za-z][A-Za-z_+-]*(?:/[A-Za-z0-9_+-]+)+)(?![\w/])")
"""An IANA zone name (``Europe/Paris``, ``America/Argentina/Buenos_Aires``)."""

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
"""No post is older: an earlier date (``0``, read as 1970) is a placeholder, not a date."""
FUTURE_SLACK = timedelta(days=1)
"""How far after its fetch a post's date may lie (clocks and zones off by hours, not years)."""


def plausible(when: datetime, fetched_at: datetime) -> str | None:
    """None when `when` can be the date of a post fetched at `fetched_at`, else why not."""
    if when < EARLIEST:
        return f"{when.isoformat()} is before {EARLIEST.date().isoformat()}"
    if when > fetched_at + FUTURE_SLACK:
        return f"{when.isoformat()} is more than a day after the fetch ({fetched_at.isoformat()})"
    return None


def _zone(name: str | None, offset: int | None) -> tzinfo | None:
    """dateutil's `tzinfos` callback: a named zone from the table, or an error."""
    if name is None:
        return None if offset is None else timezone(timedelta(seconds=offset))
    seconds = TZ_ABBREVIATIONS.get(name.upper())
    if seconds is None:
        if offset is not None:  # "+0200 (XYZ)": the numeric offset says it all
            return timezone(timedelta(seconds=offset))
        raise ValueError(f"unknown time zone {name!r}")
    return timezone(timedelta(seconds=seconds))


def _dateutil(text: str, day_first: bool = True) -> datetime:
    """`text` read by dateutil (numeric dates day first, unless not `day_first`; an IANA zone
    name applied); ValueError when it lacks a year, month or day, names an unknown zone, or is
    no date."""
    named: tzinfo | None = None
    if found := _IANA.search(text):
        try:
            named = ZoneInfo(found.group(1))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {found.group(1)!r}") from None
        text = (text[: found.start()] + " " + text[found.end() :]).strip()
    # Dotted dates are European whatever the source says (4.5.2026 is 4 May).
    dayfirst = bool((_DAY_FIRST if day_first else _DOTTED).search(text))
    try:
        early = dateutil_parser.parse(text, default=_EARLY, tzinfos=_zone, dayfirst=dayfirst)
        late = dateutil_parser.parse(text, default=_LATE, tzinfos=_zone, dayfirst=dayfirst)
    except (ValueError, OverflowError, TypeError) as exc:
        raise ValueError(str(exc)) from None
    if (early.year, early.month, early.day) != (late.year, late.month, late.day):
        raise ValueError(f"incomplete date: {text!r}")
    if named is not None:
        if early.tzinfo is not None:
            raise ValueError(f"two time zones: {text!r} and {named}")
        return early.replace(tzinfo=named)
    return early


def _in_english(text: str) -> str:
    """French day and month names of `text` in English (``lun., 4 mai`` → ``, 4 May``)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    plain = _FIRST.sub("1", _FRENCH_HOUR.sub(r"\1:\2", plain))
    return _FRENCH_WORD.sub(lambda m: _english_word(m.group(0)), plain)


def _english_word(word: str) -> str:
    lower = word.lower()
    if lower in _FRENCH:
        return _FRENCH[lower]
    return word.upper() if word.upper() in TZ_ABBREVIATIONS else word  # "cest" is CEST


def _read_text(text: str, day_first: bool = True) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        pass
    try:
        return _dateutil(text, day_first)
    except ValueError as first:
        english = _in_english(text)
        if english == text:
            raise ValueError(f"not a time: {text!r} ({first})") from None
        try:
            return _dateutil(english, day_first)
        except ValueError:
            raise ValueError(f"not a time: {text!r} ({first})") from None


def parse_time(value: Any, fmt: str = "auto") -> datetime:
    """An aware UTC datetime from ISO 8601, RFC 2822 and other written dates, or epoch seconds /
    milliseconds.

    `fmt` forces one reading ("iso": a written date, "epoch", "epoch_ms"); "auto" recognises
    each form (numbers above 10^11 are taken as milliseconds). A written date without a zone is
    UTC; one in numbers only is read day first (``04/05/2026`` is 4 May), or month first with
    "month_first" (``04/05/2026`` is 5 April, a dotted ``04.05.2026`` still 4 May; otherwise as
    "auto"). Raises ValueError
    when `value` is not a time, lacks a day, month or year, or names a time zone neither in
    TZ_ABBREVIATIONS nor in the IANA database.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a time: {value!r}")
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _NUMBER.match(value.strip()):
        number = float(value.strip())
    if number is not None and fmt != "iso":
        if fmt == "epoch_ms" or (fmt == "auto" and abs(number) > 1e11):
            number /= 1000.0
        try:
            return datetime.fromtimestamp(number, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch out of range: {value!r}") from None
    if not isinstance(value, str) or fmt in ("epoch", "epoch_ms") or not value.strip():
        raise ValueError(f"not a time: {value!r}")
    parsed = _read_text(value.strip()[:200], day_first=fmt != "month_first")
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError(f"time out of range: {value!r}") from None
