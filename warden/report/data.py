"""The numbers of a report, read from the store: per entity and period, volume, share of voice
among the compared entities, sentiment breakdown, trend against the previous period of the same
length, volume per step, alerts fired, most-engaged negative and positive mentions, and the
response time of the entity's own accounts.

Pure reads; every time is UTC (the rendering shows it in the audience's zone). A mention counts
as in `warden.store.models.counted` (backfill is not counted); its sentiment is an operator's
correction when there is one, else the model's score; unscored mentions are counted apart.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from warden.config import Config
from warden.notify.message import alert_view
from warden.notify.words import Words
from warden.report.period import Period
from warden.report.response import ResponseTime, response_time
from warden.rules.loader import RuleSet
from warden.rules.schema import Rule
from warden.store.models import Alert, Correction, Mention, MentionEntity, Score, counted

LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True)
class TopMention:
    """One quoted mention: `engagement` is likes + reposts + replies; `label` its sentiment."""

    id: int
    source: str
    url: str | None
    author: str | None
    text: str
    published_at: datetime
    engagement: int
    label: str


@dataclass(frozen=True)
class AlertLine:
    """One alert fired in the period: `summary` is what its messages say (the rule's summary
    annotation rendered with the alert's values, in the report's language, else a sentence
    built from its reason), `entity` the entity it is about, `state` firing or resolved."""

    id: int
    rule: str
    severity: str
    entity: str
    state: str
    fired_at: datetime
    resolved_at: datetime | None
    summary: str


@dataclass
class EntityStats:
    """One entity's numbers for the period (and the previous one, for trends).

    `share`: this entity's part of its comparison's volume, 0..1 (None when nobody was
    mentioned); `sentiment`: counts per label of LABELS plus "unscored"; `series` and
    `previous_series`: mentions per step (Period.step) of each period."""

    name: str
    volume: int = 0
    previous_volume: int = 0
    share: float | None = None
    previous_share: float | None = None
    sentiment: dict[str, int] = field(default_factory=dict)
    previous_sentiment: dict[str, int] = field(default_factory=dict)
    series: list[int] = field(default_factory=list)
    previous_series: list[int] = field(default_factory=list)
    alerts: list[AlertLine] = field(default_factory=list)
    top_negative: list[TopMention] = field(default_factory=list)
    top_positive: list[TopMention] = field(default_factory=list)
    response: ResponseTime | None = None
    has_accounts: bool = False

    @property
    def trend(self) -> float | None:
        """Volume change against the previous period (0.25: +25 %); None from zero."""
        if self.previous_volume == 0:
            return None
        return (self.volume - self.previous_volume) / self.previous_volume

    def negative_share(self, previous: bool = False) -> float | None:
        """Negative mentions among the scored ones, 0..1 (None when none is scored)."""
        counts = self.previous_sentiment if previous else self.sentiment
        scored = sum(counts.get(label, 0) for label in LABELS)
        return counts.get("negative", 0) / scored if scored else None


@dataclass
class Comparison:
    """An entity (usually a brand) and its competitors, compared over one period."""

    subject: str
    entities: list[EntityStats]


@dataclass
class ReportData:
    """Everything a report shows: its period, the comparisons, when it was computed."""

    period: Period
    comparisons: list[Comparison]
    generated_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The numbers as JSON-ready data (times ISO 8601 UTC, durations in seconds)."""
        data: dict[str, Any] = _jsonable(self)
        return data


def comparison_groups(config: Config, entities: list[str] | None = None) -> list[list[str]]:
    """[[subject, competitor, ...], ...] for `entities` (names), by default every brand; with
    no brand configured, every entity in one comparison."""
    names = entities or [e.name for e in config.entities if e.kind == "brand"]
    if not names:
        every = [e.name for e in config.entities]
        return [every] if every else []
    groups = []
    for name in names:
        settings = config.entity(name)
        competitors = settings.competitors if settings is not None else []
        groups.append([name, *[c for c in competitors if c != name]])
    return groups


def _label_column() -> Any:
    return func.coalesce(Correction.label, Score.label)


def _counted_in(entity: str, period: Period) -> tuple[ColumnElement[bool], ...]:
    """The conditions of a counted mention of `entity` published in `period`."""
    return (
        MentionEntity.entity == entity,
        MentionEntity.published_at >= period.start,
        MentionEntity.published_at < period.end,
        counted(),
    )


def _sentiment(session: Session, entity: str, period: Period) -> dict[str, int]:
    rows = session.execute(
        select(_label_column(), func.count())
        .select_from(MentionEntity)
        .join(Mention, Mention.id == MentionEntity.mention_id)
        .outerjoin(Score, Score.mention_id == Mention.id)
        .outerjoin(Correction, Correction.mention_id == Mention.id)
        .where(
            *_counted_in(entity, period),
        )
        .group_by(_label_column())
    ).all()
    counts = {label: 0 for label in (*LABELS, "unscored")}
    for label, n in rows:
        key = label if label in LABELS else "unscored"
        counts[key] += int(n)
    return counts


def _series(session: Session, entity: str, period: Period) -> list[int]:
    times = session.scalars(
        select(MentionEntity.published_at)
        .join(Mention, Mention.id == MentionEntity.mention_id)
        .where(
            *_counted_in(entity, period),
        )
    ).all()
    starts = period.steps()
    counts: Counter[int] = Counter(bisect_right(starts, _utc(t)) - 1 for t in times)
    return [counts.get(i, 0) for i in range(len(starts))]


def _utc(moment: datetime) -> datetime:
    """`moment` as aware UTC (SQLite gives back naive UTC times)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _top(session: Session, entity: str, period: Period, label: str, n: int) -> list[TopMention]:
    if n <= 0:
        return []
    engagement = Mention.likes + Mention.reposts + Mention.replies
    rows = session.execute(
        select(Mention, engagement)
        .join(MentionEntity, MentionEntity.mention_id == Mention.id)
        .outerjoin(Score, Score.mention_id == Mention.id)
        .outerjoin(Correction, Correction.mention_id == Mention.id)
        .where(
            *_counted_in(entity, period),
            _label_column() == label,
        )
        .order_by(engagement.desc(), Mention.published_at.desc(), Mention.id)
        .limit(n)
    ).all()
    return [
        TopMention(
            id=m.id,
            source=m.source,
            url=m.url,
            author=m.author_name or m.author_handle,
            text=m.text,
            published_at=m.published_at,
            engagement=int(e or 0),
            label=label,
        )
        for m, e in rows
    ]


def _alerts(
    session: Session, entities: set[str], period: Period, ruleset: RuleSet | None, words: Words
) -> dict[str, list[AlertLine]]:
    rows = session.scalars(
        select(Alert)
        .where(Alert.fired_at.is_not(None))
        .where(Alert.fired_at >= period.start, Alert.fired_at < period.end)
        .order_by(Alert.fired_at, Alert.id)
    ).all()
    out: dict[str, list[AlertLine]] = {name: [] for name in entities}
    for alert in rows:
        entity = (alert.labels or {}).get("entity")
        if entity in out and alert.fired_at is not None:
            rule = ruleset.get(alert.rule) if ruleset is not None else None
            out[entity].append(
                AlertLine(
                    id=alert.id,
                    rule=alert.rule,
                    severity=alert.severity,
                    entity=entity,
                    state=alert.state,
                    fired_at=alert.fired_at,
                    resolved_at=alert.resolved_at,
                    summary=_summary(alert, rule, words),
                )
            )
    return out


def _summary(alert: Alert, rule: Rule | None, words: Words) -> str:
    """The summary an alert's messages show: its rule's summary annotation rendered with the
    alert's values; without the rule, a summary stored on the alert, else the sentence the
    messages build from its reason (`Acme: 3 times the usual volume`)."""
    stored = (alert.annotations or {}).get("summary")
    if rule is None and stored:
        return str(stored)
    try:
        return alert_view(alert, rule, [], words).summary
    except (KeyError, ValueError, TypeError):
        return str(stored or alert.rule)


def read_report(
    session: Session,
    config: Config,
    period: Period,
    now: datetime,
    entities: list[str] | None = None,
    top: int = 3,
    ruleset: RuleSet | None = None,
    language: str = "en",
) -> ReportData:
    """The report of `period` for `entities` (names; default every brand), each compared with
    its competitors; `top` negative and positive mentions are quoted per entity. Alert
    summaries are rendered with `ruleset`'s annotations in `language` ("en" or "fr"), times
    in the period's zone."""
    groups = comparison_groups(config, entities)
    names = {n for group in groups for n in group}
    words = Words(language, period.timezone)
    alerts = _alerts(session, names, period, ruleset, words)
    stats: dict[str, EntityStats] = {}
    for name in sorted(names):
        settings = config.entity(name)
        accounts = settings.accounts if settings is not None else []
        before = period.previous
        sentiment = _sentiment(session, name, period)
        previous = _sentiment(session, name, before)
        stats[name] = EntityStats(
            name=name,
            volume=sum(sentiment.values()),
            previous_volume=sum(previous.values()),
            sentiment=sentiment,
            previous_sentiment=previous,
            series=_series(session, name, period),
            previous_series=_series(session, name, before),
            alerts=alerts.get(name, []),
            top_negative=_top(session, name, period, "negative", top),
            top_positive=_top(session, name, period, "positive", top),
            response=response_time(session, accounts, period.start, period.end),
            has_accounts=bool(accounts),
        )
    comparisons = []
    for group in groups:
        members = [_copy(stats[n]) for n in group]
        total = sum(m.volume for m in members)
        previous_total = sum(m.previous_volume for m in members)
        for m in members:
            m.share = m.volume / total if total else None
            m.previous_share = m.previous_volume / previous_total if previous_total else None
        comparisons.append(Comparison(subject=group[0], entities=members))
    return ReportData(period=period, comparisons=comparisons, generated_at=now)


def _copy(stats: EntityStats) -> EntityStats:
    """A copy whose share belongs to one comparison (an entity may be in several)."""
    return EntityStats(**{k: getattr(stats, k) for k in stats.__dataclass_fields__})


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, EntityStats):
        data = {k: _jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
        data["trend"] = value.trend
        data["negative_share"] = value.negative_share()
        return data
    if isinstance(value, Period):
        before = value.previous
        return {
            "start": value.start.isoformat(),
            "end": value.end.isoformat(),
            "previous": {"start": before.start.isoformat(), "end": before.end.isoformat()},
            "step_seconds": value.unit.total_seconds(),
            "timezone": value.timezone,
            "buckets": [{"start": a.isoformat(), "end": b.isoformat()} for a, b in value.buckets()],
            "partial": value.partial,
        }
    if hasattr(value, "__dataclass_fields__"):
        return {k: _jsonable(getattr(value, k)) for k in value.__dataclass_fields__}
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
