"""The alerting part of config.yaml: `notifications:` (grouping, inhibition, retries, templates)
and `receivers:` (where messages go, how they are written for each, and their on-call policy).

Re-exported by `warden.config`, which validates the whole file.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from warden.durations import Duration, PositiveDuration
from warden.yamlfile import PathError

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "critical")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InhibitRule(_Section):
    """While an alert of `source_severity` fires, alerts of `target_severities` that share
    its `equal` labels are muted (recorded and shown, not sent)."""

    source_severity: Severity = "critical"
    target_severities: list[Severity] = Field(
        default_factory=lambda: list[Severity](["warning", "info"])
    )
    equal: list[str] = Field(
        default_factory=lambda: ["entity"], description="Labels both alerts must share."
    )


class QuietHours(_Section):
    """A daily span, in the receiver's time zone, when it is sent nothing but `pierce`."""

    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["22:00"])
    end: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$", examples=["07:00"])
    pierce: list[Severity] = Field(
        default_factory=lambda: list[Severity](["critical"]),
        description="Severities sent even during quiet hours.",
    )

    @model_validator(mode="after")
    def _a_span(self) -> QuietHours:
        if self.start == self.end:
            raise PathError(
                ("end",),
                f"start and end are both {self.start}: an empty span; give two different "
                "times (22:00 to 07:00 crosses midnight) or remove quiet_hours",
            )
        return self


class NotificationSettings(_Section):
    dispatch_every: PositiveDuration = Field(
        default=timedelta(seconds=10), description="How often the outbox is drained."
    )
    repeat_interval: PositiveDuration = Field(
        default=timedelta(hours=4),
        description="A group that keeps firing unchanged (and not acknowledged) is "
        "re-notified this often.",
    )
    group_by: list[str] = Field(
        default_factory=lambda: ["..."],
        description="Labels whose values make a group (one message lists the group's "
        'alerts), e.g. [entity] or [rule, entity]. ["..."]: every alert is its own group.',
        examples=[["entity"]],
    )
    group_wait: Duration = Field(
        default=timedelta(0),
        description="How long a new group waits for more alerts before its first message.",
    )
    group_interval: PositiveDuration = Field(
        default=timedelta(minutes=1),
        description="Shortest time between two messages about one group when it changes "
        "(an alert joins or resolves).",
    )
    inhibit_rules: list[InhibitRule] = Field(
        default_factory=lambda: [InhibitRule()],
        description="Mutes: by default a critical alert on an entity mutes its warnings "
        "and infos while it fires. [] to mute nothing.",
    )
    retry_initial: PositiveDuration = Field(
        default=timedelta(seconds=30), description="First retry delay of an undelivered message."
    )
    retry_max: PositiveDuration = Field(
        default=timedelta(minutes=15), description="Longest delay between two retries."
    )
    top_mentions: int = Field(
        default=5, ge=0, le=50, description="Mentions quoted as evidence in each alert."
    )
    wait_for_scores: Duration = Field(
        default=timedelta(minutes=2),
        description="A firing alert waits up to this long for the sentiment of the mentions "
        "it quotes; after that it is sent and says which are not scored yet. 0s: never wait.",
    )
    templates_dir: Path | None = Field(
        default=None,
        description="Folder of Jinja2 templates replacing the built-in ones of the same name "
        "(text.j2, email.html.j2, slack.j2, markdown.j2, telegram.j2, sms.j2), relative to "
        "config.yaml. Every {{ value }} is escaped for the channel by Warden itself.",
        examples=["templates"],
    )
    details_url: str | None = Field(
        default=None,
        description="Where a short message (SMS) points for more: a URL in which {id} is "
        "replaced by the alert's number. Unset: the first quoted mention's link.",
        examples=["https://warden.example.com/alerts/{id}"],
    )


class ReceiverSettings(_Section):
    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="Name rules route to.")
    urls: list[str] = Field(
        min_length=1,
        description="apprise URLs (mailtos://, slack://, json://, ...). Put secrets in "
        "${ENV_VAR} references, never inline.",
    )
    severities: list[Severity] = Field(
        default_factory=lambda: list(SEVERITIES),
        description="Severities this receiver gets when a rule routes by severity.",
    )
    kind: Literal[
        "auto", "email", "slack", "sms", "discord", "telegram", "markdown", "html", "text"
    ] = Field(
        default="auto",
        description="How messages are written for this receiver (escaping, template, "
        "length). auto: from the URL scheme (mailto:// e-mail, slack:// Slack, twilio:// "
        "SMS, ...; json://, form:// and console:// plain text).",
    )
    language: Literal["en", "fr"] = Field(default="en", description="Language of messages.")
    timezone: str = Field(
        default="UTC",
        description="IANA time zone the receiver reads times in (Europe/Paris).",
        examples=["Europe/Paris"],
    )
    max_length: int | None = Field(
        default=None,
        ge=70,
        description="Longest body in characters; unset: the channel's own (SMS 1600 and one "
        "160-character segment when it fits, Slack 3000, Discord 2000, Telegram 4096).",
    )
    timeout: PositiveDuration = Field(
        default=timedelta(seconds=10),
        description="How long one delivery attempt may take (connect and answer).",
    )

    uncertain_retries: int = Field(
        default=1,
        ge=0,
        le=5,
        description="How many times a message that may have arrived (no answer within "
        "timeout, or Warden stopped mid-send) is sent again, with the same idempotency key. "
        "Past this it is marked unconfirmed, not re-sent.",
    )
    dead_after: PositiveDuration | None = Field(
        default=timedelta(hours=6),
        description="A message still undelivered this long after it was written is marked "
        "dead (shown in `warden alerts`, logged as notify.dead) and copied to `fallback`.",
    )
    fallback: str | None = Field(
        default=None,
        description="Receiver that gets a copy of this receiver's dead messages.",
        examples=["oncall-email"],
    )

    escalate_to: str | None = Field(
        default=None,
        description="Receiver that also gets an alert still unacknowledged `escalate_after` "
        "after it fired (for example SMS to the on-call, then the comms lead).",
        examples=["comms-lead"],
    )
    escalate_after: PositiveDuration = Field(
        default=timedelta(minutes=15), description="Delay before escalating to escalate_to."
    )
    quiet_hours: QuietHours | None = Field(
        default=None,
        description="Daily span, in `timezone`, when this receiver gets only the severities "
        "in `pierce` (critical by default); the rest waits for the end of quiet hours.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {v!r} (expected an IANA name such as Europe/Paris)"
            ) from None
        return v
