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


def test_a_full_load_and_a_caught_up_cache_hold_the_same_series(db: Database) -> None:
    """The first refresh after a start loads everything in one pass; a cache that was there
    before and caught up bucket by bucket must hold the same series and see the same changes."""
    early = [
        ("Acme", T0 - timedelta(hours=3), "news", "fr", 500),
        ("Acme", T0 - timedelta(hours=3, minutes=-1), "x", None, 7),
        ("Acme", T0 - timedelta(minutes=20), "x", "en", None),
        ("Other", T0 - timedelta(minutes=50), "news", None, 3),
    ]
    for entity, at, source, lang, followers in early:
        add_mention(db, entity, at, source=source, lang=lang, followers=followers, label="negative")
    with db.session() as session:
        roll_up(session, T0)
    running = SeriesCache()
    with db.session() as session:
        assert running.refresh(session, T0 - timedelta(days=1)) == 4
    acme = Group("Acme")
    version = running.version(acme)
    add_mention(db, "Acme", T0 + timedelta(minutes=2), source="x", followers=40)
    add_mention(db, "Acme", T0 - timedelta(hours=3), source="news", lang="fr", fetched_at=T0)
    with db.session() as session:
        roll_up(session, T0 + timedelta(minutes=5))
        assert running.refresh(session, T0 - timedelta(days=1)) == 2
    fresh = SeriesCache()
    with db.session() as session:
        assert fresh.refresh(session, T0 - timedelta(days=1)) == 5
    first, stop = bucket_index(T0 - timedelta(hours=4)), bucket_index(T0) + 1
    for group in (acme, Group("Acme", source="x"), Group("Acme", lang="fr"), Group("Other")):
        assert fresh.first_index(group) == running.first_index(group)
        for metric in ("count", "scored", "negative", "reach"):
            for n in (1, 3):
                expected = running.values(group, metric, first // n, stop // n + 1, n)
                assert fresh.values(group, metric, first // n, stop // n + 1, n) == expected
    assert fresh.first_index(acme) == bucket_index(T0 - timedelta(hours=3))
    assert fresh.values(acme, "count", bucket_index(T0 - timedelta(hours=3)), stop)[:1] == [3.0]
    assert fresh.last_seen("x") == running.last_seen("x") == T0 + timedelta(minutes=5)
    assert len(fresh) == len(running) == 5
    # The running cache tells which buckets changed since a version it handed out.
    assert running.unchanged_before(acme, version, bucket_index(T0 - timedelta(hours=3)))
    assert not running.unchanged_before(acme, version, bucket_index(T0 - timedelta(hours=2)))


def test_the_full_rollup_puts_mentions_in_their_bucket_to_the_microsecond(db: Database) -> None:
    """The first rollup sums in SQL; a mention a fraction of a second before a boundary stays
    in the bucket it was published in (SQLite's date functions round to the millisecond)."""
    late = T0 + timedelta(minutes=4, seconds=59, microseconds=999_732)
    add_mention(db, "Acme", late, followers=2)
    add_mention(db, "Acme", T0 + timedelta(minutes=5), followers=3)
    with db.session() as session:
        assert roll_up(session, T0 + timedelta(minutes=10)).full
    assert _buckets(db) == {
        ("Acme", T0, "news"): (1, 0, 0, 2),
        ("Acme", T0 + timedelta(minutes=5), "news"): (1, 0, 0, 3),
    }
