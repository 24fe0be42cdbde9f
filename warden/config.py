"""config.yaml → a typed, validated, immutable snapshot (`Config`), with located error messages.

Strings may reference the environment as `${NAME}` or `${NAME:-default}`; that is how secrets
(SMTP passwords, Slack tokens) reach the config without being written in it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from warden.closest import unknown_hint
from warden.detect.localtime import check_zone
from warden.durations import Duration, PositiveDuration
from warden.errors import ConfigError
from warden.lookup.settings import LookupSettings
from warden.notify.crosscheck import receiver_problems
from warden.notify.settings import (
    SEVERITIES,
    InhibitRule,
    NotificationSettings,
    QuietHours,
    ReceiverSettings,
    Severity,
)
from warden.report.settings import DigestSettings, digest_problems
from warden.sentiment.settings import SentimentSettings
from warden.sources.settings import SourceSettings, WebhookSource
from warden.web.listener import listener_address, route_clash
from warden.web.settings import WebSettings, exposure_problem
from warden.yamlfile import (
    EXTENSION_PREFIX,
    Loc,
    PathError,
    YamlDocument,
    format_loc,
    read_yaml,
    validate_document,
)

__all__ = [
    "SEVERITIES",
    "Config",
    "InhibitRule",
    "NotificationSettings",
    "QuietHours",
    "ReceiverSettings",
    "Severity",
    "load_config",
]

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


MIN_KEEP_MENTIONS = timedelta(days=35)
"""Shortest retention: the 28 days the detectors learn from, and a week of margin."""


class DatabaseSettings(_Section):
    url: str = Field(
        default="sqlite:///var/warden.db",
        description="SQLAlchemy URL. sqlite:///relative/path.db (relative to daemon.state_dir) "
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


def _account(account: str) -> str:
    """An entity's account as written, trimmed; ValueError when it has no name ('', '@')."""
    handle = account.strip()
    handle = handle[1:] if handle.startswith("@") else handle
    if not handle.split("@", 1)[0].strip():
        raise ValueError(
            f"an account needs a name ('@AcmeHelp', '@acme@mastodon.social'), got {account!r}"
        )
    return account.strip()


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
    competitors: list[str] = Field(
        default_factory=list,
        description="Names of other entities this one is compared with in reports and digests "
        "(share of voice, sentiment, volume).",
        examples=[["Globex"]],
    )
    accounts: list[Annotated[str, AfterValidator(_account)]] = Field(
        default_factory=list,
        description="This entity's own accounts on the sources ('@AcmeHelp', "
        "'@acme@mastodon.social', '@acme.bsky.social', Reddit user names): mentions addressed "
        "to them and their replies give the response time in reports.",
        examples=[["@AcmeHelp"]],
    )
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
    evaluate_every: PositiveDuration = Field(
        default=timedelta(minutes=1), description="How often every rule is evaluated."
    )


class DaemonSettings(_Section):
    workers: int = Field(default=4, ge=1, le=64, description="Threads that run the jobs.")
    state_dir: Path | None = Field(
        default=None,
        description="Folder of Warden's state: a relative SQLite path is relative to it. "
        "Default: $STATE_DIRECTORY when systemd sets it (StateDirectory=warden gives "
        "/var/lib/warden), else the folder of config.yaml.",
        examples=["/var/lib/warden"],
    )


class Config(_Section):
    """The whole of config.yaml, validated."""

    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    web: WebSettings = Field(default_factory=WebSettings)
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
    digests: list[DigestSettings] = Field(
        default_factory=list,
        description="Scheduled reports (share of voice, sentiment, trends, alerts, top "
        "mentions, response time) sent by e-mail.",
    )
    lookup: LookupSettings = Field(
        default_factory=LookupSettings,
        description="`warden lookup`: Google News search and the limits of one look-up.",
    )

    # Set by load_config, not by the file: the folder relative paths are resolved against.
    base_dir: SkipJsonSchema[Path] = Field(default=Path("."), exclude=True)
    # Set by load_config from $STATE_DIRECTORY (systemd's StateDirectory=), when present.
    state_env: SkipJsonSchema[Path | None] = Field(default=None, exclude=True)
    # Set by load_config: variables left unset as `${NAME}` in sections the caller said it does
    # not use (names only, never values).
    unset_env: SkipJsonSchema[tuple[str, ...]] = Field(default=(), exclude=True)

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
    def _competitors_exist(self) -> Config:
        known = {e.name for e in self.entities}
        for i, entity in enumerate(self.entities):
            for j, name in enumerate(entity.competitors):
                at: Loc = ("entities", i, "competitors", j)
                if name == entity.name:
                    raise PathError(at, f"entity {entity.name!r} names itself as a competitor")
                if name not in known:
                    others = known - {entity.name}
                    raise PathError(
                        at,
                        f"entity {entity.name!r} names competitor {name!r}, which is not "
                        f"an entity{unknown_hint(name, others, 'other entities')}",
                    )
        return self

    @model_validator(mode="after")
    def _source_entities_exist(self) -> Config:
        known = {e.name for e in self.entities}
        for i, source in enumerate(self.sources):
            for j, name in enumerate(getattr(source, "entities", None) or ()):
                if name not in known:
                    raise PathError(
                        ("sources", i, "entities", j),
                        f"source {source.name!r} names entity {name!r}, which is not "
                        f"an entity{unknown_hint(name, known, 'entities')}",
                    )
        return self

    @model_validator(mode="after")
    def _status_page_protected(self) -> Config:
        hooks = [
            (i, s)
            for i, s in enumerate(self.sources)
            if isinstance(s, WebhookSource) and s.enabled and "host" in s.model_fields_set
        ]
        problem = exposure_problem(self.web, [self.web.host])
        if problem is not None:
            # the web: line when host is the default, else web.host
            raise PathError(("web", "host"), problem)
        for i, hook in hooks:
            problem = exposure_problem(self.web, [hook.host])
            if problem is not None:
                raise PathError(("sources", i, "host"), problem)
        return self

    @model_validator(mode="after")
    def _one_listener(self) -> Config:
        _, problem = listener_address(self.web, "web" in self.model_fields_set, self.sources)
        clash = route_clash(self.sources)
        for found in (problem, clash):
            if found is not None:
                raise PathError(*found)
        return self

    @property
    def web_timezone(self) -> str:
        """The time zone the status page shows times in: web.timezone, else timezone."""
        return self.web.timezone or self.timezone

    def resolve(self, path: Path) -> Path:
        """A path from the config, made absolute against the config file's folder."""
        return path if path.is_absolute() else (self.base_dir / path)

    @property
    def rules_dir(self) -> Path:
        return self.resolve(self.rules.dir)

    @property
    def state_dir(self) -> Path:
        """Where state lives: daemon.state_dir, else $STATE_DIRECTORY, else config.yaml's folder."""
        if self.daemon.state_dir is not None:
            return self.resolve(self.daemon.state_dir)
        if self.state_env is not None:
            return self.state_env
        return self.base_dir

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite path resolved against the state folder."""
        url = self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            relative = Path(url[len(prefix) :])
            return prefix + str(self.state_dir / relative)
        return url

    def timezone_of(self, entity: str) -> str:
        """The time zone the volume profiles of ``entity`` are read in."""
        found = next((e for e in self.entities if e.name == entity), None)
        return found.timezone if found is not None and found.timezone else self.timezone

    def entity(self, name: str) -> EntitySettings | None:
        return next((e for e in self.entities if e.name == name), None)

    def receiver(self, name: str) -> ReceiverSettings | None:
        return next((r for r in self.receivers if r.name == name), None)


def _require_unique(names: list[str], what: str) -> None:
    """A PathError at the second item's `name` when two items share a name."""
    seen: set[str] = set()
    for i, n in enumerate(names):
        if n in seen:
            raise PathError((i, "name"), f"two {what}s are named {n!r}; names must be unique")
        seen.add(n)


def unset_stand_in(name: str) -> str:
    """What an unset `${NAME}` becomes in a section the command does not use, when the
    reference as written does not validate there: `unset-NAME`, padded to 16 characters (the
    shortest token Warden takes) with zeros, so a token, a host name or a path part still
    validates."""
    return f"unset-{name}".ljust(16, "0")


def _expand_env(
    data: Any,
    loc: Loc,
    doc: YamlDocument,
    env: dict[str, str],
    problems: list[str],
    lenient: tuple[list[str], list[str]] | None = None,
    stand_in: bool = False,
) -> Any:
    """`data` with its `${NAME}` / `${NAME:-default}` references replaced from `env`.

    An unset variable without a default is a located problem in `problems`; with `lenient`
    (the caller does not use this part of the file) it is left as written instead (or, with
    `stand_in`, replaced by `unset_stand_in(NAME)`), its name added to `lenient[0]` and the
    problem it would have been to `lenient[1]`."""
    if isinstance(data, dict):
        return {
            k: _expand_env(v, (*loc, k), doc, env, problems, lenient, stand_in)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [
            _expand_env(v, (*loc, i), doc, env, problems, lenient, stand_in)
            for i, v in enumerate(data)
        ]
    if isinstance(data, str) and "${" in data:

        def sub(m: re.Match[str]) -> str:
            name, default = m.group(1), m.group(2)
            value = env.get(name)
            if value is None or (value == "" and default is not None):
                if default is not None:
                    return default
                problem = (
                    f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}: environment variable "
                    f"{name} is not set (export it, or put it in the service's EnvironmentFile)"
                )
                if lenient is None:
                    problems.append(problem)
                    return ""
                lenient[0].append(name)
                lenient[1].append(problem)
                return unset_stand_in(name) if stand_in else m.group(0)
            return value

        return _ENV_REF.sub(sub, data)
    return data


READ_ONLY_UNUSED = ("web", "receivers", "digests", "sources")
"""Sections whose secrets a command that only reads the database (alerts, silences, status,
reports) never uses: it sends nothing, serves nothing and polls nothing (`load_config`'s
`unused`)."""

POLLING_UNUSED = ("web", "receivers", "digests")
"""Sections a command that polls or searches sources (`sources try`, `lookup`) does not use:
it needs the sources' tokens, not the status page's or the receivers'."""


def _expand_sections(
    data: dict[Any, Any],
    doc: YamlDocument,
    env: dict[str, str],
    unused: frozenset[str],
    problems: list[str],
    lenient: tuple[list[str], list[str]],
    stand_in: bool = False,
) -> dict[Any, Any]:
    """The top-level sections expanded, those in `unused` (and `x-...` anchors, which are
    only used where they are merged) leniently."""
    out = {}
    for key, value in data.items():
        loose = bool(unused) and (
            key in unused or (isinstance(key, str) and key.startswith(EXTENSION_PREFIX))
        )
        out[key] = _expand_env(
            value, (key,), doc, env, problems, lenient if loose else None, stand_in
        )
    return out


def _validated(doc: YamlDocument) -> Config:
    """The expanded document as a Config, receivers and digests cross-checked; ConfigError."""
    config = validate_document(doc, Config)
    crossed = receiver_problems(doc, config.receivers) + digest_problems(
        doc, config.digests, config.receivers, [e.name for e in config.entities]
    )
    if crossed:
        raise ConfigError(crossed)
    return config


def load_config(
    path: Path | str, env: dict[str, str] | None = None, *, unused: Iterable[str] = ()
) -> Config:
    """Read, expand and validate config.yaml; raise ConfigError listing every problem found.

    `unused` names top-level sections the caller will not use (`web`, `receivers`, ...): an
    unset `${NAME}` there is not an error but left as written, and its name recorded in
    `Config.unset_env`. Should the file then not validate with the reference left in, it is
    tried with stand-ins (`unset_stand_in`); should it still not, the unset variables are
    reported as errors as when strict."""
    path = Path(path)
    doc = read_yaml(path)
    if doc.data is None:
        doc.data = {}
    if not isinstance(doc.data, dict):
        raise ConfigError([f"{path}:1: expected a mapping of sections (database:, sources:, ...)"])
    problems: list[str] = []
    lenient: tuple[list[str], list[str]] = ([], [])
    environ = dict(os.environ if env is None else env)
    expanded = _expand_sections(doc.data, doc, environ, frozenset(unused), problems, lenient)
    if problems:
        raise ConfigError(problems)
    try:
        config = _validated(YamlDocument(path=doc.path, data=expanded, lines=doc.lines))
    except ConfigError as exc:
        if not lenient[0]:
            raise
        # A reference left as written may be what fails (`${TOKEN}` is too short for a
        # token): try again with stand-ins, which the command does not use either.
        again: tuple[list[str], list[str]] = ([], [])
        retried = _expand_sections(doc.data, doc, environ, frozenset(unused), [], again, True)
        try:
            config = _validated(YamlDocument(path=doc.path, data=retried, lines=doc.lines))
        except ConfigError:
            # say the variables are unset too
            raise ConfigError(lenient[1] + list(exc.problems)) from None
    base_dir = path.resolve().parent
    # systemd passes a colon-separated list when StateDirectory= names several folders.
    state = (environ.get("STATE_DIRECTORY") or "").split(":")[0]
    return config.model_copy(
        update={
            "base_dir": base_dir,
            "state_env": Path(state) if state and Path(state).is_absolute() else None,
            "unset_env": tuple(dict.fromkeys(lenient[0])),
            "sources": [_resolve_paths(s, base_dir) for s in config.sources],
            "sentiment": _resolve_model(config.sentiment, base_dir),
            "notifications": _resolve_templates(config.notifications, base_dir),
        }
    )


def _resolve_model(settings: SentimentSettings, base_dir: Path) -> SentimentSettings:
    """A model folder written relative to config.yaml, made absolute (hub ids are left alone)."""
    model = settings.model
    first = model.split("/", 1)[0]
    inside = "/" in model and first not in ("", "~") and (base_dir / first).is_dir()
    if model.startswith(("./", "../")) or (base_dir / model).is_dir() or inside:
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
