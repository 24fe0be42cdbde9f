"""Storage: the migrations build exactly the models' schema on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

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
