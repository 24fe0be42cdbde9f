"""Storing mentions: de-duplication across polls, restarts and sources (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from warden.entities import Entity, EntityMatcher
from warden.sources.base import MentionDraft
from warden.sources.ingest import tag_and_store
from warden.store import mentions as mentions_module
from warden.store.db import Database
from warden.store.mentions import store_mentions
from warden.store.models import Mention, MentionEntity

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
MATCHER = EntityMatcher([Entity("Acme"), Entity("Globex")])


def draft(
    source: str,
    ident: str,
    text: str = "Acme is down",
    url: str | None = None,
    at: datetime = NOW - timedelta(minutes=5),
) -> MentionDraft:
    return MentionDraft(
        source=source, external_id=ident, text=text, published_at=at, url=url, raw={"id": ident}
    )


def count(db: Database) -> int:
    with db.session() as session:
        return session.query(Mention).count()


def test_duplicates_across_polls_sources_and_restarts(store_db: Database) -> None:
    with store_db.session() as session:
        first = tag_and_store(
            session,
            [
                draft("masto", "1", url="https://news.example/a?utm_source=masto"),
                draft("masto", "2", "Globex and Acme"),
                draft("masto", "2", "same id twice in one batch"),
            ],
            MATCHER,
            NOW,
        )
    assert (len(first.inserted), first.duplicates) == (2, 1)
    with store_db.session() as session:
        again = tag_and_store(
            session,
            [
                draft("masto", "1"),  # same external id, next poll
                draft("rss", "feed-9", url="http://www.NEWS.example/a/#comments"),  # same URL
                draft("rss", "2", "same id, other source: a different mention"),
            ],
            MATCHER,
            NOW,
        )
    assert (len(again.inserted), again.duplicates) == (1, 2)
    restarted = Database(store_db.url)  # a new process on the same database
    with restarted.session() as session:
        assert store_mentions(session, [draft("masto", "2")], NOW).duplicates == 1
    restarted.dispose()
    assert count(store_db) == 3


def test_rows_keep_entities_raw_payload_and_sane_times(store_db: Database) -> None:
    future = NOW + timedelta(hours=3)
    with store_db.session() as session:
        result = tag_and_store(
            session,
            [draft("x", "9", "Globex rachète Acme", at=future)],
            MATCHER,
            NOW,
            forced_entities=["Acme"],
        )
    with store_db.session() as session:
        mention = session.get(Mention, result.inserted[0])
        assert mention is not None
        assert sorted(e.entity for e in mention.entities) == ["Acme", "Globex"]
        assert mention.raw == {"id": "9"}
        assert mention.published_at == NOW  # a clock ahead of ours is not the future
        rows = session.query(MentionEntity).filter_by(entity="Globex").all()
        assert [r.published_at for r in rows] == [NOW]


def test_many_drafts_in_one_batch(store_db: Database) -> None:
    drafts = [draft("bulk", str(n), f"Acme {n}", url=f"https://b.example/{n}") for n in range(1200)]
    with store_db.session() as session:
        assert len(store_mentions(session, drafts, NOW).inserted) == 1200
    with store_db.session() as session:
        assert store_mentions(session, drafts[::-1], NOW).duplicates == 1200


@pytest.mark.postgres
def test_a_concurrent_instance_storing_the_same_mention_is_not_an_error(
    pg_clean_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = Database(pg_clean_url)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    db.upgrade()
    other = Database(pg_clean_url)
    original = mentions_module._row_values
    raced: list[bool] = []

    def racing_row_values(d: MentionDraft, fetched_at: datetime) -> dict[str, Any]:
        if not raced:  # after our duplicate check, another instance stores mention "2"
            raced.append(True)
            with other.session() as session:
                store_mentions(session, [draft("hn", "2")], NOW)
        return original(d, fetched_at)

    monkeypatch.setattr(mentions_module, "_row_values", racing_row_values)
    with db.session() as session:
        result = store_mentions(
            session, [draft("hn", "1"), draft("hn", "2"), draft("hn", "3")], NOW
        )
    assert (len(result.inserted), result.duplicates) == (2, 1)
    assert count(db) == 3
    other.dispose()
    db.dispose()
