"""The `digests:` part of config.yaml: which report goes to whom, when, in which zone and
language, and the checks that need the rest of the file (receivers that exist and take e-mail).

Re-exported by `warden.config`, which validates the whole file.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warden.closest import unknown_hint
from warden.detect.localtime import check_zone
from warden.durations import PositiveDuration
from warden.notify.channels import scheme_of
from warden.notify.settings import ReceiverSettings
from warden.yamlfile import Loc, YamlDocument, format_loc

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = r"([01]\d|2[0-3]):[0-5]\d"
_DAILY = re.compile(rf"^{_CLOCK}$")
_WEEKLY = re.compile(rf"^({'|'.join(WEEKDAYS)}) {_CLOCK}$")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DigestSchedule(_Section):
    """When a digest goes out, on the digest's local clock: every day, every week, or both."""

    daily: str | None = Field(
        default=None,
        description="Send every day at this local time (HH:MM), covering the period before.",
        examples=["08:00"],
    )
    weekly: str | None = Field(
        default=None,
        description="Send every week on this weekday at this local time ('monday 08:30').",
        examples=["monday 08:30"],
    )

    @field_validator("daily")
    @classmethod
    def _time_of_day(cls, v: str | None) -> str | None:
        if v is not None and not _DAILY.match(v.strip()):
            raise ValueError(f"expected a time of day as HH:MM (08:00, 17:30), got {v!r}")
        return None if v is None else v.strip()

    @field_validator("weekly")
    @classmethod
    def _weekday_and_time(cls, v: str | None) -> str | None:
        if v is not None and not _WEEKLY.match(v.strip().lower()):
            raise ValueError(f"expected a weekday and a time such as 'monday 08:30', got {v!r}")
        return None if v is None else v.strip().lower()

    @model_validator(mode="after")
    def _at_least_one(self) -> DigestSchedule:
        if self.daily is None and self.weekly is None:
            raise ValueError("give daily: HH:MM, weekly: 'monday HH:MM', or both")
        return self


class DigestSettings(_Section):
    """One scheduled report, sent by e-mail to `receivers`."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="Name of the digest (logs).")
    receivers: list[str] = Field(
        min_length=1, description="Names of e-mail receivers (receivers: with mailto:// URLs)."
    )
    schedule: DigestSchedule = Field(description="daily: HH:MM and/or weekly: 'monday HH:MM'.")
    timezone: str | None = Field(
        default=None,
        description="IANA time zone of the schedule and of the dates in the digest. Default: "
        "the config's top-level timezone.",
        examples=["Europe/Paris"],
    )
    language: Literal["en", "fr"] = Field(default="en", description="Language of the digest.")
    entities: list[str] = Field(
        default_factory=list,
        description="Entities reported, each compared with its competitors. Default: every "
        "entity of kind brand.",
    )
    period: PositiveDuration | None = Field(
        default=None,
        description="Span each digest covers, ending when it is sent. Default: 1d for the "
        "daily digest, 7d for the weekly one.",
        examples=["7d"],
    )
    top_mentions: int = Field(
        default=3, ge=0, le=20, description="Most-engaged negative and positive mentions shown."
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str | None) -> str | None:
        return None if v is None else check_zone(v)

    def period_of(self, kind: Literal["daily", "weekly"]) -> timedelta:
        """The span a `kind` digest covers: `period`, else 1 day or 7 days."""
        if self.period is not None:
            return self.period
        return timedelta(days=1 if kind == "daily" else 7)


def _at(doc: YamlDocument, loc: Loc, message: str) -> str:
    return f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}: {message}"


def digest_problems(
    doc: YamlDocument,
    digests: list[DigestSettings],
    receivers: list[ReceiverSettings],
    entities: list[str],
) -> list[str]:
    """Unknown receivers or entities, and receivers that are not e-mail, each located at its
    key in config.yaml (`file:line: digests[0].receivers[1]: message`)."""
    by_name = {r.name: r for r in receivers}
    problems = []
    seen: set[str] = set()
    for i, digest in enumerate(digests):
        if digest.name in seen:
            problems.append(
                _at(doc, ("digests", i, "name"), f"two digests are named {digest.name!r}")
            )
        seen.add(digest.name)
        for j, name in enumerate(digest.receivers):
            loc: Loc = ("digests", i, "receivers", j)
            receiver = by_name.get(name)
            if receiver is None:
                hint = unknown_hint(name, by_name, "receivers")
                problems.append(_at(doc, loc, f"{name!r} is not a receiver{hint}"))
                continue
            schemes = {scheme_of(url) for url in receiver.urls}
            if not schemes <= {"mailto", "mailtos"}:
                problems.append(
                    _at(
                        doc,
                        loc,
                        f"receiver {name!r} is not e-mail ({', '.join(sorted(schemes))}://); "
                        "a digest has charts and tables, it goes to mailto:// receivers only",
                    )
                )
        for j, name in enumerate(digest.entities):
            if name not in entities:
                hint = unknown_hint(name, entities, "entities")
                problems.append(
                    _at(doc, ("digests", i, "entities", j), f"{name!r} is not an entity{hint}")
                )
    return problems
