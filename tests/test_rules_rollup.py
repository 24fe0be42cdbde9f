"""The incremental rollup and the series cache, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rules_helpers import add_mention
from sqlalchemy import select

from warden.sentiment.corrections import record_correction
from warden.store.db import Database
from warden.store.models import Score, SeriesBucket
from warden.store.rollup import bucket_index, roll_up
from warden.store.series import Group, SeriesCache

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _buckets(db: Database) -> dict[tuple[str, datetime, str], tuple[int, int, int, int]]:
    with db.session() as session:
        return {
            (b.entity, b.bucket_start, b.source): (b.count, b.scored, b.negative, b.reach)
            for b in session.scalars(select(SeriesBucket))
        }


def test_rollup_is_incremental_and_follows_late_scores_and_corrections(db: Database) -> None:
    first = add_mention(db, "Acme", T0 + timedelta(minutes=1), followers=100)
    add_mention(db, "Acme", T0 + timedelta(minutes=3), label="negative", source="x")
    add_mention(db, "Other", T0 + timedelta(minutes=7))
    with db.session() as session:
        report = roll_up(session, T0 + timedelta(minutes=10))
    assert report.full and report.revision == 1
    assert _buckets(db) == {
        ("Acme", T0, "news"): (1, 0, 0, 100),
        ("Acme", T0, "x"): (1, 1, 1, 0),
        ("Other", T0 + timedelta(minutes=5), "news"): (1, 0, 0, 0),
    }
    cache = SeriesCache()
    with db.session() as session:
        assert cache.refresh(session, T0 - timedelta(days=1)) == 3
    acme = Group("Acme")
    assert cache.figure(acme, "count", bucket_index(T0)) == 2

    # Nothing new: no row rewritten, the revision stays, the cache reads nothing.
    with db.session() as session:
        report = roll_up(session, T0 + timedelta(minutes=11))
        assert (report.rewritten, report.revision) == (0, 1)
        assert cache.refresh(session, T0 - timedelta(days=1)) == 0

    # A score arriving after its mention, and a mention published earlier but fetched late.
    with db.session() as session:
        session.add(
            Score(
                mention_id=first,
                label="positive",
                score=1.0,
                confidence=0.9,
                model="m",
                scored_at=T0 + timedelta(minutes=12),
            )
        )
    add_mention(
        db, "Acme", T0 - timedelta(hours=2), fetched_at=T0 + timedelta(minutes=12), source="x"
    )
    with db.session() as session:
        report = roll_up(session, T0 + timedelta(minutes=13))
        assert not report.full and report.rewritten == 2 and report.revision == 2
        assert cache.refresh(session, T0 - timedelta(days=1)) == 2
    assert _buckets(db)[("Acme", T0, "news")] == (1, 1, 0, 100)
    assert _buckets(db)[("Acme", T0 - timedelta(hours=2), "x")] == (1, 0, 0, 0)
    assert cache.figure(acme, "scored", bucket_index(T0)) == 2

    # An operator's correction re-labels a mention: its bucket follows.
    with db.session() as session:
        record_correction(
            session,
            first,
            "negative",
            corrected_by="ops",
            note=None,
            now=T0 + timedelta(minutes=14),
        )
    with db.session() as session:
        roll_up(session, T0 + timedelta(minutes=15))
        cache.refresh(session, T0 - timedelta(days=1))
    assert _buckets(db)[("Acme", T0, "news")] == (1, 1, 1, 100)
    assert cache.figure(acme, "negative", bucket_index(T0)) == 2
    assert cache.figure(Group("Acme", source="x"), "negative", bucket_index(T0)) == 1
