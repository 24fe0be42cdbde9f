"""The scoring stage: unscored mentions → Score rows, reuse, corrections, SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sentiment_helpers import CountingBackend, add_mentions, single_torch_thread
from sqlalchemy import select, text

from warden.clock import SimulatedClock
from warden.sentiment.corrections import OPERATOR_MODEL, record_correction
from warden.sentiment.loader import load_scorer
from warden.sentiment.scorer import SentimentScorer
from warden.sentiment.settings import SentimentSettings
from warden.sentiment.stage import score_pending
from warden.store import Correction, Database, Mention, Score

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    with single_torch_thread():
        yield


@pytest.fixture
def scorer(tiny_model_dir: Path) -> SentimentScorer:
    return load_scorer(SentimentSettings(model=str(tiny_model_dir), batch_size=4))


@pytest.fixture
def postgres_db(pg_clean_url: str) -> Iterator[Database]:
    db = Database(pg_clean_url)
    db.upgrade()
    yield db
    db.dispose()


def scores(db: Database) -> dict[int, Score]:
    with db.session() as session:
        return {s.mention_id: s for s in session.scalars(select(Score))}


def unscored(db: Database) -> int:
    with db.session() as session:
        return len(session.scalars(select(Mention.id).where(Mention.scored.is_(False))).all())


def check_stage(db: Database, scorer: SentimentScorer) -> None:
    clock = SimulatedClock(NOW)
    ids = add_mentions(db, ["awful", "love", "the service", "awful", "great", "hate"])
    backend = CountingBackend(scorer.backend)
    scorer.backend = backend

    assert score_pending(db, scorer, clock, limit=4) == 4
    assert unscored(db) == 2
    assert score_pending(db, scorer, clock) == 2
    assert score_pending(db, scorer, clock) == 0

    by_id = scores(db)
    assert [by_id[i].label for i in ids] == [
        "negative",
        "positive",
        "neutral",
        "negative",
        "positive",
        "negative",
    ]
    assert {s.model for s in by_id.values()} == {scorer.model_name}
    assert all(s.scored_at == NOW for s in by_id.values())
    assert by_id[ids[0]].score == by_id[ids[3]].score
    assert sum(backend.calls) == 5, "the repeated 'awful' is inferred once"


def test_score_pending_on_sqlite(sqlite_db: Database, scorer: SentimentScorer) -> None:
    check_stage(sqlite_db, scorer)


@pytest.mark.postgres
def test_score_pending_on_postgresql(postgres_db: Database, scorer: SentimentScorer) -> None:
    check_stage(postgres_db, scorer)


@pytest.mark.postgres
def test_postgresql_instances_skip_rows_another_one_holds(
    postgres_db: Database, scorer: SentimentScorer
) -> None:
    ids = add_mentions(postgres_db, ["awful", "love", "great", "hate"])
    clock = SimulatedClock(NOW)
    locked = threading.Event()
    release = threading.Event()

    def other_instance() -> None:
        with postgres_db.session() as session:
            session.execute(
                text("SELECT id FROM mentions WHERE id IN (:a, :b) FOR UPDATE"),
                {"a": ids[0], "b": ids[1]},
            )
            locked.set()
            release.wait(10)

    holder = threading.Thread(target=other_instance)
    holder.start()
    try:
        assert locked.wait(10)
        assert score_pending(postgres_db, scorer, clock) == 2
    finally:
        release.set()
        holder.join()
    assert set(scores(postgres_db)) == {ids[2], ids[3]}
    assert score_pending(postgres_db, scorer, clock) == 2


def test_existing_score_for_the_same_text_and_model_is_reused(
    sqlite_db: Database, scorer: SentimentScorer, tiny_model_dir: Path
) -> None:
    clock = SimulatedClock(NOW)
    add_mentions(sqlite_db, ["this brand is awful"])
    score_pending(sqlite_db, scorer, clock)
    # A restarted daemon has an empty in-memory cache: the database answers instead.
    fresh = load_scorer(SentimentSettings(model=str(tiny_model_dir)))
    backend = CountingBackend(fresh.backend)
    fresh.backend = backend
    add_mentions(sqlite_db, ["This brand is  awful"] * 3)
    assert score_pending(sqlite_db, fresh, clock) == 3
    assert backend.calls == []
    assert len({(s.label, s.score) for s in scores(sqlite_db).values()}) == 1


def test_correction_wins_over_the_model(sqlite_db: Database, scorer: SentimentScorer) -> None:
    clock = SimulatedClock(NOW)
    corrected, other = add_mentions(sqlite_db, ["love", "love"])
    with sqlite_db.session() as session:
        session.add(Correction(mention_id=corrected, label="negative", created_at=NOW))
        mention = session.get(Mention, corrected)
        assert mention is not None and not mention.scored
    assert score_pending(sqlite_db, scorer, clock) == 2
    by_id = scores(sqlite_db)
    assert (by_id[corrected].label, by_id[corrected].score) == ("negative", -1.0)
    assert by_id[corrected].model == OPERATOR_MODEL
    assert by_id[other].label == "positive"


def test_record_correction_replaces_the_score_at_once(
    sqlite_db: Database, scorer: SentimentScorer
) -> None:
    clock = SimulatedClock(NOW)
    (mention_id,) = add_mentions(sqlite_db, ["great"])
    score_pending(sqlite_db, scorer, clock)
    with sqlite_db.session() as session:
        record_correction(
            session, mention_id, "neutral", corrected_by="ops", note="sarcasm", now=NOW
        )
    with sqlite_db.session() as session:
        score = session.get(Score, mention_id)
        correction = session.get(Correction, mention_id)
        assert score is not None and correction is not None
        assert (score.label, score.score, score.confidence, score.model) == (
            "neutral",
            0.0,
            1.0,
            OPERATOR_MODEL,
        )
        assert (correction.label, correction.corrected_by, correction.note) == (
            "neutral",
            "ops",
            "sarcasm",
        )
