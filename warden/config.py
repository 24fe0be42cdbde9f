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

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from warden.detect.localtime import check_zone
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
    timezone: str | None = Field(
        default=None,
        description="IANA time zone of this entity's audience (Europe/Paris, America/New_York): "
        "daily and weekly volume profiles are learnt on its local clock, so a daylight-saving "
        "change raises no alarm. Default: the config's top-level timezone.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str | None) -> str | None:
        return None if v is None else check_zone(v)


class RulesSettings(_Section):
    dir: Path = Field(default=Path("rules"), description="Folder of rule files (*.yaml).")
    evaluate_every: Duration = Field(
        default=timedelta(minutes=1), description="How often every rule is evaluated."
    )


class NotificationSettings(_Section):
    dispatch_every: Duration = Field(
        default=timedelta(seconds=10), description="How often the outbox is drained."
    )
    repeat_interval: Duration = Field(
        default=timedelta(hours=4),
        description="A rule that keeps firing is re-notified at most this often.",
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


class DaemonSettings(_Section):
    workers: int = Field(default=4, ge=1, le=64, description="Threads that run the jobs.")


class Config(_Section):
    """The whole of config.yaml, validated."""

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    timezone: str = Field(
        default="UTC",
        description="IANA time zone (Europe/Paris, America/New_York) whose local clock "
        "volume profiles (time of day, weekday) are learnt on, for entities that do not set "
        "their own.",
    )
    entities: list[EntitySettings] = Field(default_factory=list)
    sources: list[SourceSettings] = Field(default_factory=list)
    sentiment: SentimentSettings = Field(default_factory=SentimentSettings)
    rules: RulesSettings = Field(default_factory=RulesSettings)
    notifications: NotificationSettings = Field(default_factory=NotificationSettings)
    receivers: list[ReceiverSettings] = Field(default_factory=list)

    # Set by load_config, not by the file: the folder relative paths are resolved against.
    base_dir: SkipJsonSchema[Path] = Field(default=Path("."), exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, v: str) -> str:
        return check_zone(v)

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

    def timezone_of(self, entity: str) -> str:
        """The time zone the volume profiles of ``entity`` are read in."""
        found = next((e for e in self.entities if e.name == entity), None)
        return found.timezone if found is not None and found.timezone else self.timezone

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
        }
    )


def _resolve_model(settings: SentimentSettings, base_dir: Path) -> SentimentSettings:
    """A model folder written relative to config.yaml, made absolute (hub ids are left alone)."""
    model = settings.model
    if model.startswith(("./", "../")) or (base_dir / model).is_dir():
        return settings.model_copy(update={"model": str((base_dir / model).resolve())})
    return settings


_SOURCE_PATH_FIELDS = ("path", "scenario")


def _resolve_paths(source: Any, base_dir: Path) -> Any:
    """A source's file paths made absolute against config.yaml's folder."""
    update = {}
    for name in _SOURCE_PATH_FIELDS:
        value = getattr(source, name, None)
        if isinstance(value, Path) and not value.is_absolute():
            update[name] = base_dir / value
    return source.model_copy(update=update) if update else source
