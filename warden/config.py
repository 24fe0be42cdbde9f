"""config.yaml → a typed, validated, immutable snapshot (`Config`), with located error messages.

Strings may reference the environment as `${NAME}` or `${NAME:-default}`; that is how secrets
(SMTP passwords, Slack tokens) reach the config without being written in it.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from warden.durations import Duration
from warden.errors import ConfigError
from warden.sentiment.settings import SentimentSettings
from warden.sources.settings import SourceSettings
from warden.yamlfile import Loc, YamlDocument, format_loc, read_yaml, validate_document

Severity = Literal["info", "warning", "critical"]
SEVERITIES: tuple[Severity, ...] = ("info", "warning", "critical")

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_INLINE_PASSWORD = re.compile(r"^[a-z0-9+.-]+://[^/@:\s]+:([^@/\s]+)@", re.IGNORECASE)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


MIN_KEEP_MENTIONS = timedelta(days=35)
"""Shortest retention: the 28 days the detectors learn from, and a week of margin."""


class DatabaseSettings(_Section):
    url: str = Field(
        default="sqlite:///var/warden.db",
        description="SQLAlchemy URL. sqlite:///relative/path.db (relative to config.yaml) "
        "or postgresql+psycopg://user@host/db.",
    )
    echo: bool = Field(default=False, description="Log every SQL statement (debugging only).")
    keep_mentions: Duration | None = Field(
        default=None,
        description="Delete mentions published longer ago than this (hourly, with their "
        "scores and rolled-up buckets; mentions labelled by an operator are kept), e.g. 180d. "
        "At least 35d: the detectors learn from the last 28 days. Unset: keep everything.",
        examples=["180d"],
    )

    @field_validator("keep_mentions")
    @classmethod
    def _long_enough(cls, v: timedelta | None) -> timedelta | None:
        if v is not None and v < MIN_KEEP_MENTIONS:
            raise ValueError(
                f"expected at least {MIN_KEEP_MENTIONS.days}d: the detectors learn from the "
                "last 28 days of mentions"
            )
        return v


class LoggingSettings(_Section):
    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["auto", "json", "console"] = Field(
        default="auto",
        description="auto: key=value on a terminal, JSON otherwise (journald, files, pipes).",
    )


class EntitySettings(_Section):
    name: str = Field(description="Display name of the watched brand, competitor or person.")
    aliases: list[str] = Field(
        default_factory=list, description="Other names that count as a mention (case-insensitive)."
    )
    exclude: list[str] = Field(
        default_factory=list,
        description="Phrases that disqualify a match (a homonym, an unrelated product).",
    )
    exact: list[str] = Field(
        default_factory=list,
        description="Names that count only when written with this exact case and accents "
        "(acronyms such as SG, common words such as Orange).",
    )
    kind: Literal["brand", "competitor", "person", "topic"] = "brand"


class RulesSettings(_Section):
    dir: Path = Field(default=Path("rules"), description="Folder of rule files (*.yaml).")
    evaluate_every: Duration = Field(
        default=timedelta(minutes=1), description="How often every rule is evaluated."
    )


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


class NotificationSettings(_Section):
    dispatch_every: Duration = Field(
        default=timedelta(seconds=10), description="How often the outbox is drained."
    )
    repeat_interval: Duration = Field(
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
    group_interval: Duration = Field(
        default=timedelta(minutes=1),
        description="Shortest time between two messages about one group when it changes "
        "(an alert joins or resolves).",
    )
    inhibit_rules: list[InhibitRule] = Field(
        default_factory=lambda: [InhibitRule()],
        description="Mutes: by default a critical alert on an entity mutes its warnings "
        "and infos while it fires. [] to mute nothing.",
    )
    retry_initial: Duration = Field(
        default=timedelta(seconds=30), description="First retry delay of an undelivered message."
    )
    retry_max: Duration = Field(
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
    timeout: Duration = Field(
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
    dead_after: Duration | None = Field(
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
    escalate_after: Duration = Field(
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


class DaemonSettings(_Section):
    workers: int = Field(default=4, ge=1, le=64, description="Threads that run the jobs.")


class Config(_Section):
    """The whole of config.yaml, validated."""

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    entities: list[EntitySettings] = Field(default_factory=list)
    sources: list[SourceSettings] = Field(default_factory=list)
    sentiment: SentimentSettings = Field(default_factory=SentimentSettings)
    rules: RulesSettings = Field(default_factory=RulesSettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    receivers: list[ReceiverSettings] = Field(default_factory=list)

    # Set by load_config, not by the file: the folder relative paths are resolved against.
    base_dir: SkipJsonSchema[Path] = Field(default=Path("."), exclude=True)

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, v: list[Any]) -> list[Any]:
        _require_unique([s.name for s in v], "source")
        return v

    @field_validator("receivers")
    @classmethod
    def _unique_receivers(cls, v: list[ReceiverSettings]) -> list[ReceiverSettings]:
        _require_unique([r.name for r in v], "receiver")
        return v

    @field_validator("entities")
    @classmethod
    def _unique_entities(cls, v: list[EntitySettings]) -> list[EntitySettings]:
        _require_unique([e.name for e in v], "entity")
        return v

    @model_validator(mode="after")
    def _receiver_references_exist(self) -> Config:
        names = {r.name for r in self.receivers}
        for receiver in self.receivers:
            for field, name in (
                ("fallback", receiver.fallback),
                ("escalate_to", receiver.escalate_to),
            ):
                if name is not None and name not in names:
                    raise ValueError(
                        f"receiver {receiver.name!r}: {field} {name!r} is not a receiver "
                        f"(receivers: {', '.join(sorted(names))})"
                    )
        return self

    @model_validator(mode="after")
    def _source_entities_exist(self) -> Config:
        known = {e.name for e in self.entities}
        for source in self.sources:
            for name in getattr(source, "entities", None) or ():
                if name not in known:
                    listed = ", ".join(sorted(known)) or "none defined"
                    raise ValueError(
                        f"source {source.name!r} names entity {name!r}, which is not in "
                        f"entities: ({listed})"
                    )
        return self

    def resolve(self, path: Path) -> Path:
        """A path from the config, made absolute against the config file's folder."""
        return path if path.is_absolute() else (self.base_dir / path)

    @property
    def rules_dir(self) -> Path:
        return self.resolve(self.rules.dir)

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite path resolved against the config folder."""
        url = self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.resolve(Path(url[len(prefix) :])))
        return url

    def receiver(self, name: str) -> ReceiverSettings | None:
        return next((r for r in self.receivers if r.name == name), None)


def _require_unique(names: list[str], what: str) -> None:
    seen: set[str] = set()
    for n in names:
        if n in seen:
            raise ValueError(f"two {what}s are named {n!r}; names must be unique")
        seen.add(n)


def _expand_env(
    data: Any, loc: Loc, doc: YamlDocument, env: dict[str, str], problems: list[str]
) -> Any:
    if isinstance(data, dict):
        return {k: _expand_env(v, (*loc, k), doc, env, problems) for k, v in data.items()}
    if isinstance(data, list):
        return [_expand_env(v, (*loc, i), doc, env, problems) for i, v in enumerate(data)]
    if isinstance(data, str) and "${" in data:

        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            value = env.get(name)
            if value is None or (value == "" and default is not None):
                if default is not None:
                    return default
                problems.append(
                    f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}: environment variable "
                    f"{name} is not set (export it, or put it in the service's EnvironmentFile)"
                )
                return ""
            return value

        return _ENV_REF.sub(sub, data)
    return data


def inline_secret_warnings(doc: YamlDocument) -> list[str]:
    """Warnings for receiver URLs that carry a literal password instead of a ${VAR} reference."""
    out = []
    receivers = doc.data.get("receivers") if isinstance(doc.data, dict) else None
    for i, rec in enumerate(receivers or []):
        for j, url in enumerate((rec or {}).get("urls") or []):
            m = _INLINE_PASSWORD.match(str(url))
            if m and "${" not in m.group(1):
                loc: Loc = ("receivers", i, "urls", j)
                out.append(
                    f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}: a password is written "
                    "inline; use a ${ENV_VAR} reference so it stays out of the file"
                )
    return out


def load_config(path: Path | str, env: dict[str, str] | None = None) -> Config:
    """Read, expand and validate config.yaml; raise ConfigError listing every problem found."""
    path = Path(path)
    doc = read_yaml(path)
    if doc.data is None:
        doc.data = {}
    if not isinstance(doc.data, dict):
        raise ConfigError([f"{path}:1: expected a mapping of sections (database:, sources:, ...)"])
    problems: list[str] = []
    expanded = _expand_env(doc.data, (), doc, dict(os.environ if env is None else env), problems)
    if problems:
        raise ConfigError(problems)
    expanded_doc = YamlDocument(path=doc.path, data=expanded, lines=doc.lines)
    config = validate_document(expanded_doc, Config)
    base_dir = path.resolve().parent
    return config.model_copy(
        update={
            "base_dir": base_dir,
            "sources": [_resolve_paths(s, base_dir) for s in config.sources],
            "sentiment": _resolve_model(config.sentiment, base_dir),
            "notifications": _resolve_templates(config.notifications, base_dir),
        }
    )


def _resolve_model(settings: SentimentSettings, base_dir: Path) -> SentimentSettings:
    """A model folder written relative to config.yaml, made absolute (hub ids are left alone)."""
    model = settings.model
    if model.startswith(("./", "../")) or (base_dir / model).is_dir():
        return settings.model_copy(update={"model": str((base_dir / model).resolve())})
    return settings


def _resolve_templates(settings: NotificationSettings, base_dir: Path) -> NotificationSettings:
    folder = settings.templates_dir
    if folder is None or folder.is_absolute():
        return settings
    return settings.model_copy(update={"templates_dir": base_dir / folder})


_SOURCE_PATH_FIELDS = ("path", "scenario")


def _resolve_paths(source: Any, base_dir: Path) -> Any:
    """A source's file paths made absolute against config.yaml's folder."""
    update = {}
    for name in _SOURCE_PATH_FIELDS:
        value = getattr(source, name, None)
        if isinstance(value, Path) and not value.is_absolute():
            update[name] = base_dir / value
    return source.model_copy(update=update) if update else source
