"""Storage: the migrations build exactly the models' schema on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from warden.sources.base import MentionDraft
from warden.store.db import Database
from warden.store.mentions import store_mentions
from warden.store.models import Base, Mention


def test_migrations_match_the_models_and_are_idempotent(db: Database) -> None:
    assert db.current_revision() == db.head_revision()
    db.upgrade()  # a second start applies nothing and breaks nothing
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    # SQLite reports no server-side type details; both must show no missing/extra objects.
    structural = [
        d
        for d in diff
        if d[0]
        in ("add_table", "remove_table", "add_column", "remove_column", "add_index", "remove_index")
    ]
    assert structural == [], structural


def test_times_are_stored_and_returned_as_utc(db: Database) -> None:
    paris = timezone(timedelta(hours=1))
    draft = MentionDraft(
        source="s",
        external_id="1",
        text="hello",
        published_at=datetime(2026, 1, 5, 10, tzinfo=paris),
    )
    with db.session() as session:
        store_mentions(session, [draft], datetime(2026, 1, 5, 12, tzinfo=UTC))
    with db.session() as session:
        mention = session.query(Mention).one()
        assert mention.published_at == datetime(2026, 1, 5, 9, tzinfo=UTC)
        assert mention.published_at.tzinfo is not None


def test_naive_datetimes_are_refused(sqlite_db: Database) -> None:
    draft = MentionDraft(source="s", external_id="1", text="x", published_at=datetime(2026, 1, 5))
    with pytest.raises(Exception, match="naive datetime"), sqlite_db.session() as session:
        store_mentions(session, [draft], datetime(2026, 1, 5, tzinfo=UTC).replace(tzinfo=None))


def test_unreachable_database_is_a_clear_error() -> None:
    from warden.errors import WardenError

    db = Database("postgresql+psycopg://nobody@127.0.0.1:9/warden")
    with pytest.raises(WardenError, match="cannot reach the database"):
        db.upgrade()


def test_migration_0003_merges_links_stored_twice_into_their_oldest_row(db_url: str) -> None:
    """A database written before links were a unique key may hold the same post twice (two
    sources raced): the upgrade keeps the oldest row, gives it the others' entity tags and
    correction, deletes the copies with their scores, and has the rollup rebuilt."""
    db = Database(db_url)
    db.upgrade("0002")
    at = datetime(2026, 5, 4, 10, tzinfo=UTC)
    mention = (
        "INSERT INTO mentions (id, source, external_id, url, url_key, text, text_key, "
        "published_at, fetched_at, likes, reposts, replies, scored) VALUES "
        "(:id, :source, :ext, 'https://n.example/a', 'k1', 'Acme', 't', :at, :at, 0, 0, 0, :scored)"
    )
    with db.engine.begin() as conn:
        for id_, source in ((1, "rss"), (2, "masto"), (3, "other")):
            conn.execute(
                text(mention),
                {"id": id_, "source": source, "ext": str(id_), "at": at, "scored": True},
            )
        conn.execute(
            text(
                "INSERT INTO mentions (id, source, external_id, url, url_key, text, text_key, "
                "published_at, fetched_at, likes, reposts, replies, scored) VALUES "
                "(4, 'rss', '4', 'https://n.example/b', 'k2', 'Globex', 't2', :at, :at, "
                "0, 0, 0, :f)"
            ),
            {"at": at, "f": False},
        )
        tags = [(1, "Acme"), (2, "Acme"), (2, "Globex"), (3, "Acme"), (4, "Globex")]
        for mention_id, entity in tags:
            conn.execute(
                text("INSERT INTO mention_entities VALUES (:m, :e, :at)"),
                {"m": mention_id, "e": entity, "at": at},
            )
        for mention_id in (1, 2, 3):
            conn.execute(
                text(
                    "INSERT INTO scores (mention_id, label, score, confidence, model, scored_at) "
                    "VALUES (:m, 'negative', -1.0, 1.0, 'm', :at)"
                ),
                {"m": mention_id, "at": at},
            )
        conn.execute(
            text(
                "INSERT INTO corrections (mention_id, label, created_at) "
                "VALUES (2, 'positive', :at)"
            ),
            {"at": at},
        )
        conn.execute(
            text("INSERT INTO rollup_state (id, watermark, revision) VALUES (1, :at, 3)"),
            {"at": at},
        )
    db.upgrade()
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT id, url_key, backfill FROM mentions ORDER BY id")).all()
        entities = conn.execute(
            text("SELECT mention_id, entity FROM mention_entities ORDER BY 1, 2")
        ).all()
        scores = conn.execute(text("SELECT mention_id FROM scores")).scalars().all()
        corrections = conn.execute(text("SELECT mention_id, label FROM corrections")).all()
        watermark = conn.execute(text("SELECT watermark FROM rollup_state")).scalar()
    assert [(r[0], r[1], bool(r[2])) for r in rows] == [(1, "k1", False), (4, "k2", False)]
    assert [tuple(e) for e in entities] == [(1, "Acme"), (1, "Globex"), (4, "Globex")]
    assert scores == [1]
    assert [tuple(c) for c in corrections] == [(1, "positive")]
    assert watermark is None
    db.dispose()


def test_migration_0005_adds_reply_to_to_a_0004_database(db_url: str) -> None:
    """A database of the previous release keeps its mentions; they answer nothing."""
    db = Database(db_url)
    db.upgrade("0004")
    at = datetime(2026, 11, 1, tzinfo=UTC)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO mentions (id, source, external_id, text, text_key, published_at, "
                "fetched_at, likes, reposts, replies, scored, backfill) VALUES "
                "(1, 'x', '1', 'Acme', 't', :at, :at, 0, 0, 0, :f, :f)"
            ),
            {"at": at, "f": False},
        )
    db.upgrade()
    assert db.current_revision() == "0005"
    with db.engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text("SELECT id, reply_to FROM mentions"))] == [
            (1, None)
        ]
        indexes = {i["name"] for i in inspect(conn).get_indexes("mentions")}
    assert "ix_mentions_reply_to" in indexes
    db.dispose()
