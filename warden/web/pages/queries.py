"""What the status page reads from the store: mentions for the stream, alerts, silences.

Plain dataclasses come out, so templates never touch a session. Every read is bounded (a row
limit, an id or time window). Outside text is returned as stored: escaping is the templates'
job (Jinja2 autoescape), and URLs go through `warden.notify.escape.web_url` there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, desc, func, or_, select
from sqlalchemy.orm import Session

from warden.alerts import silences
from warden.alerts.pipeline import Muted, muted_alerts
from warden.config import Config
from warden.notify.escape import neutralise, web_url
from warden.rules.loader import RuleSet
from warden.rules.schema import Rule
from warden.store.models import Alert, Correction, Mention, MentionEntity, Score, SourceState

SENTIMENTS = ("negative", "neutral", "positive")
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
STREAM_LIMIT = 100
RECENT_ALERTS = timedelta(hours=24)


@dataclass(frozen=True)
class StreamFilters:
    """The stream's GET filters; empty strings mean "any"."""

    entity: str = ""
    keyword: str = ""
    source: str = ""
    sentiment: str = ""

    @staticmethod
    def from_args(args: Any) -> StreamFilters:
        """From a request's query arguments (unknown sentiments are ignored)."""
        sentiment = str(args.get("sentiment", "")).strip()
        return StreamFilters(
            entity=str(args.get("entity", "")).strip()[:255],
            keyword=str(args.get("keyword", "")).strip()[:200],
            source=str(args.get("source", "")).strip()[:100],
            sentiment=sentiment if sentiment in SENTIMENTS else "",
        )

    def query_args(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


def unknown_filters(
    args: Any, entities: Sequence[str], sources: Sequence[str]
) -> list[tuple[str, str]]:
    """(filter, value) of the GET filters naming no watched entity, no known source or no
    sentiment, for the page to say so rather than show an unexplained empty list."""
    unknown: list[tuple[str, str]] = []
    for key, known in (("entity", entities), ("source", sources), ("sentiment", SENTIMENTS)):
        value = str(args.get(key, "")).strip()
        if value and value not in known:
            unknown.append((key, value[:100]))
    return unknown


@dataclass(frozen=True)
class MentionRow:
    """One mention as the page shows it; `url` is None unless it is an http(s) address."""

    id: int
    source: str
    author: str
    followers: int | None
    title: str | None
    text: str
    url: str | None
    published_at: datetime
    label: str | None
    entities: tuple[str, ...] = ()

    @property
    def shown_text(self) -> str:
        """The title above the text, unless the text already holds it (a Hacker News story
        stores its title as both)."""
        if self.title and self.title.strip() not in self.text:
            return f"{self.title}\n{self.text}"
        return self.text

    def as_json(self, t: Any) -> dict[str, Any]:
        """For the live stream: every field as text, times in the page's zone."""
        return {
            "id": self.id,
            "source": self.source,
            "author": self.author,
            "followers": t.number(self.followers) if self.followers is not None else "",
            "text": self.shown_text,
            "url": self.url,
            "time": t.time(self.published_at),
            "at": self.published_at.timestamp(),
            "label": self.label or "unscored",
            "label_text": t[self.label or "unscored"],
            "entities": list(self.entities),
        }


def _label() -> Any:
    return func.coalesce(Correction.label, Score.label)


def _mentions_query() -> Select[Any]:
    return (
        select(Mention, _label())
        .outerjoin(Score, Score.mention_id == Mention.id)
        .outerjoin(Correction, Correction.mention_id == Mention.id)
    )


def _row(mention: Mention, label: str | None) -> MentionRow:
    author = mention.author_handle or mention.author_name or ""
    return MentionRow(
        id=mention.id,
        source=mention.source,
        author=neutralise(author),
        followers=mention.author_followers,
        title=neutralise(mention.title) if mention.title else None,
        text=neutralise(mention.text),
        url=web_url(mention.url),
        published_at=mention.published_at,
        label=label,
        entities=tuple(sorted(e.entity for e in mention.entities)),
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def stream_mentions(
    session: Session,
    filters: StreamFilters,
    after: int = 0,
    limit: int = STREAM_LIMIT,
    by_time: bool = False,
) -> list[MentionRow]:
    """Mentions matching `filters` with an id above `after`: the last stored (highest id)
    first, or with `by_time` the last published first (the id breaking ties)."""
    query = _mentions_query().where(Mention.id > after)
    if filters.entity:
        query = query.where(
            Mention.id.in_(
                select(MentionEntity.mention_id).where(MentionEntity.entity == filters.entity)
            )
        )
    if filters.source:
        query = query.where(Mention.source == filters.source)
    if filters.keyword:
        pattern = _like(filters.keyword.lower())
        query = query.where(
            or_(
                func.lower(Mention.text).like(pattern, escape="\\"),
                func.lower(func.coalesce(Mention.title, "")).like(pattern, escape="\\"),
            )
        )
    if filters.sentiment:
        query = query.where(_label() == filters.sentiment)
    order = (desc(Mention.published_at), desc(Mention.id)) if by_time else (desc(Mention.id),)
    query = query.order_by(*order).limit(limit)
    return [_row(m, label) for m, label in session.execute(query).all()]


def labels_of(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """{mention id: its sentiment label} for those of `ids` that are scored (or corrected)."""
    if not ids:
        return {}
    query = (
        select(Mention.id, _label())
        .outerjoin(Score, Score.mention_id == Mention.id)
        .outerjoin(Correction, Correction.mention_id == Mention.id)
        .where(Mention.id.in_(list(ids)), _label().is_not(None))
    )
    return {int(i): str(label) for i, label in session.execute(query).all()}


def mentions_by_id(session: Session, ids: Sequence[int]) -> list[MentionRow]:
    """The mentions with these ids, in the order given (missing ones left out)."""
    if not ids:
        return []
    found = {m.id: _row(m, label) for m, label in session.execute(
        _mentions_query().where(Mention.id.in_(list(ids)))
    ).all()}  # fmt: skip
    return [found[i] for i in ids if i in found]


def known_sources(session: Session) -> list[str]:
    """Names of the sources that have run (their state rows: one per source, so this stays
    cheap with millions of mentions), for the stream's filter."""
    return sorted(str(s) for s in session.scalars(select(SourceState.source)))


@dataclass
class AlertView:
    """An alert with what the page says about it: quoted mentions, and why it is muted."""

    alert: Alert
    evidence: list[MentionRow] = field(default_factory=list)
    muted: Muted | None = None
    rule: Rule | None = None
    """The alert's rule in force (None where the rules are not known or it is gone)."""

    @property
    def entity(self) -> str:
        return str(self.alert.labels.get("entity") or self.alert.labels.get("source") or "")


def alert_views(
    session: Session, config: Config, now: datetime, evidence: int = 3
) -> tuple[list[AlertView], list[AlertView]]:
    """(firing and pending alerts, critical first, then warning, then info, newest first
    within each; alerts resolved in the last 24 hours, newest first)."""
    alerts = list(
        session.scalars(
            select(Alert)
            .where(
                or_(
                    Alert.state.in_(("firing", "pending")),
                    Alert.resolved_at >= now - RECENT_ALERTS,
                )
            )
            .order_by(Alert.id.desc())
            .limit(200)
        )
    )
    muted = muted_alerts(session, [a for a in alerts if a.state == "firing"], config, now)
    views = [
        AlertView(a, mentions_by_id(session, list(a.evidence or [])[:evidence]), muted.get(a.id))
        for a in alerts
    ]
    active = [v for v in views if v.alert.state != "resolved"]
    active.sort(
        key=lambda v: (SEVERITY_ORDER.get(v.alert.severity, len(SEVERITY_ORDER)), -v.alert.id)
    )
    return active, [v for v in views if v.alert.state == "resolved"]


def alert_view(
    session: Session, config: Config, alert_id: int, now: datetime, rules: RuleSet | None = None
) -> AlertView | None:
    """One alert with all its evidence and its rule (from `rules`, the rules in force), or
    None when there is no such alert."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        return None
    muted = muted_alerts(session, [alert], config, now) if alert.state == "firing" else {}
    evidence = mentions_by_id(session, list(alert.evidence or []))
    rule = rules.get(alert.rule) if rules is not None else None
    return AlertView(alert, evidence, muted.get(alert_id), rule)


@dataclass(frozen=True)
class SilenceRow:
    id: int
    matchers: str
    ends_at: datetime
    created_by: str
    comment: str


def active_silences(session: Session, now: datetime) -> list[SilenceRow]:
    """Silences in force at `now`, oldest first."""
    return [
        SilenceRow(s.id, silences.describe(s.matchers), s.ends_at, s.created_by, s.comment)
        for s in silences.active(session, now)
    ]
