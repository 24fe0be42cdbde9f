"""SQLAlchemy models: mentions, their entities, scores, corrections, source state, alerts, outbox.

Every pipeline stage hands off through these tables; the schema itself is owned by the Alembic
migrations in `migrations/`, which must stay in step with this module.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from warden.store.types import UTCDateTime

JSONType = JSON()


class Base(DeclarativeBase):
    pass


class Mention(Base):
    """One normalised post, article or comment about a watched entity.

    Stored once: (`source`, `external_id`) and `url_key` are unique keys (see
    warden.sources.identity and warden.store.mentions)."""

    __tablename__ = "mentions"
    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_mentions_source_external_id"),
        Index("ix_mentions_published_at", "published_at"),
        Index("ix_mentions_url_key", "url_key", unique=True),  # NULLs never collide
        Index("ix_mentions_unscored", "scored"),
        Index("ix_mentions_fetched_at", "fetched_at"),
        Index("ix_mentions_reply_to", "reply_to"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(512))
    url: Mapped[str | None] = mapped_column(Text)
    url_key: Mapped[str | None] = mapped_column(String(64), doc="sha256 of the normalised URL")
    author_handle: Mapped[str | None] = mapped_column(String(255))
    author_name: Mapped[str | None] = mapped_column(String(255))
    author_followers: Mapped[int | None] = mapped_column(BigInteger)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    text_key: Mapped[str] = mapped_column(String(64), doc="sha256 of the normalised text")
    lang: Mapped[str | None] = mapped_column(String(16))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    likes: Mapped[int] = mapped_column(BigInteger, default=0)
    reposts: Mapped[int] = mapped_column(BigInteger, default=0)
    replies: Mapped[int] = mapped_column(BigInteger, default=0)
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    reply_to: Mapped[str | None] = mapped_column(
        String(512),
        doc="external id of the post this one answers, where the source says (Mastodon: the "
        "parent's status id on the polled instance); NULL otherwise",
    )
    scored: Mapped[bool] = mapped_column(default=False)
    backfill: Mapped[bool] = mapped_column(
        default=False,
        server_default=false(),
        doc="stored by its source's first poll: the source's past, not counted in series",
    )

    entities: Mapped[list[MentionEntity]] = relationship(
        back_populates="mention", cascade="all, delete-orphan", lazy="selectin"
    )
    score: Mapped[Score | None] = relationship(
        back_populates="mention", cascade="all, delete-orphan", lazy="joined"
    )

    @property
    def engagement(self) -> int:
        return (self.likes or 0) + (self.reposts or 0) + (self.replies or 0)


def counted() -> ColumnElement[bool]:
    """The mentions series, recent posts and evidence count: every one but backfill (what a
    source already had when its first poll stored it)."""
    return Mention.backfill.is_(False)


class MentionEntity(Base):
    """Which watched entity a mention is about; `published_at` is copied here for fast series."""

    __tablename__ = "mention_entities"
    __table_args__ = (Index("ix_mention_entities_entity_time", "entity", "published_at"),)

    mention_id: Mapped[int] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True
    )
    entity: Mapped[str] = mapped_column(String(255), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())

    mention: Mapped[Mention] = relationship(back_populates="entities")


class Score(Base):
    """The sentiment of one mention, and which model (or operator) said so."""

    __tablename__ = "scores"
    __table_args__ = (Index("ix_scores_scored_at", "scored_at"),)

    mention_id: Mapped[int] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(16), doc="negative, neutral or positive")
    score: Mapped[float] = mapped_column(Float, doc="-1 (very negative) to 1 (very positive)")
    confidence: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(512))
    scored_at: Mapped[datetime] = mapped_column(UTCDateTime())

    mention: Mapped[Mention] = relationship(back_populates="score")


class Correction(Base):
    """An operator's verdict on a mention's sentiment; wins over the model and feeds training."""

    __tablename__ = "corrections"

    mention_id: Mapped[int] = mapped_column(
        ForeignKey("mentions.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(16))
    corrected_by: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SourceState(Base):
    """Per-source cursor, HTTP validators and health, kept across restarts."""

    __tablename__ = "source_state"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    cursor: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    items_last_poll: Mapped[int] = mapped_column(Integer, default=0)
    total_items: Mapped[int] = mapped_column(BigInteger, default=0)
    backoff_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Alert(Base):
    """One alert instance: a rule firing for one label set (entity, source, ...), until resolved."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_fingerprint_state", "fingerprint", "state"),
        Index("ix_alerts_state", "state"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    rule: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64), doc="sha256 of rule + labels")
    labels: Mapped[dict[str, str]] = mapped_column(JSONType)
    severity: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), doc="pending, firing or resolved")
    active_since: Mapped[datetime] = mapped_column(UTCDateTime(), doc="condition first true")
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_true_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_eval_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    values: Mapped[dict[str, Any]] = mapped_column(
        JSONType, doc="count, baseline, ... at last eval"
    )
    annotations: Mapped[dict[str, str]] = mapped_column(JSONType)
    evidence: Mapped[list[int]] = mapped_column(JSONType, doc="ids of the top mentions")
    acked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    acked_by: Mapped[str | None] = mapped_column(String(255))
    escalated_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), doc="when the alert last went to an escalation receiver"
    )
    escalation_level: Mapped[int] = mapped_column(
        Integer, default=0, doc="0: first receivers; n: n escalation steps taken"
    )

    @property
    def condition_lapsed(self) -> bool:
        """Whether its condition did not hold at the latest evaluation: a firing alert so is
        kept firing only by its rule's `keep_firing_for`."""
        return self.last_true_at < self.last_eval_at


class Silence(Base):
    """Alerts whose labels match are recorded and shown but not notified, until `ends_at`."""

    __tablename__ = "silences"
    __table_args__ = (Index("ix_silences_ends_at", "ends_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    matchers: Mapped[list[dict[str, str]]] = mapped_column(
        JSONType, doc='[{"name": "entity", "op": "=", "value": "Acme"}, ...]'
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(255))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AlertGroup(Base):
    """The notification log of one group at one receiver: what it was last told, and when."""

    __tablename__ = "alert_groups"

    key: Mapped[str] = mapped_column(String(255), primary_key=True, doc="receiver + group")
    receiver: Mapped[str] = mapped_column(String(100))
    labels: Mapped[dict[str, str]] = mapped_column(JSONType, doc="the group_by labels' values")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    firing_ids: Mapped[list[int]] = mapped_column(
        JSONType, doc="ids of the group's firing alerts when it was last notified"
    )


class Notification(Base):
    """The outbox: a message exists here before it is sent, and stays until it is delivered."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_notifications_idempotency_key"),
        Index("ix_notifications_due", "status", "next_attempt_at"),
        Index("ix_notifications_stream", "stream", "status"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    receiver: Mapped[str] = mapped_column(String(100))
    target: Mapped[int] = mapped_column(Integer, default=0, doc="index of the receiver's URL")
    kind: Mapped[str] = mapped_column(String(16), doc="firing, resolved, repeat or system")
    alert_ids: Mapped[list[int] | None] = mapped_column(
        JSONType, doc="every alert the message lists (a group message lists several)"
    )
    idempotency_key: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16))
    stream: Mapped[str | None] = mapped_column(
        String(255), doc="receiver:target:topic; sent in order, newer supersedes older"
    )
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text, doc="HTML part (e-mail)")
    status: Mapped[str] = mapped_column(
        String(16), doc="pending, sent, superseded, unconfirmed or dead"
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    uncertain: Mapped[int] = mapped_column(
        Integer, default=0, doc="attempts that may have arrived (timed out, interrupted)"
    )
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SeriesBucket(Base):
    """Mentions of one entity from one source in one language, rolled up per 5-minute bucket."""

    __tablename__ = "series_buckets"
    __table_args__ = (Index("ix_series_buckets_revision", "revision"),)

    entity: Mapped[str] = mapped_column(String(255), primary_key=True)
    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    lang: Mapped[str] = mapped_column(String(16), primary_key=True, doc="'' when unknown")
    count: Mapped[int] = mapped_column(Integer, default=0)
    scored: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    positive: Mapped[int] = mapped_column(Integer, default=0)
    sentiment_sum: Mapped[float] = mapped_column(Float, default=0.0)
    reach: Mapped[int] = mapped_column(BigInteger, default=0, doc="sum of author followers")
    engagement: Mapped[int] = mapped_column(BigInteger, default=0)
    revision: Mapped[int] = mapped_column(BigInteger, doc="rollup run that last wrote the row")


class RollupState(Base):
    """Where the incremental rollup stands: the time it has covered and its run counter."""

    __tablename__ = "rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    watermark: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revision: Mapped[int] = mapped_column(BigInteger, default=0)
