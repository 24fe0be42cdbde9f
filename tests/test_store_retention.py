"""Retention: old mentions go with their scores, links and buckets; labelled ones stay."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from warden.cli import main as run_cli
from warden.config import load_config
from warden.errors import ConfigError
from warden.sources.base import MentionDraft
from warden.store.db import Database
from warden.store.mentions import store_mentions
from warden.store.models import Correction, Mention, MentionEntity, Score, SeriesBucket
from warden.store.retention import prune
from warden.store.rollup import roll_up

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def fill(db: Database, now: datetime = NOW) -> dict[str, int]:
    """Mentions of Acme 200, 100 and 1 day(s) old (two each), scored and rolled up; the
    oldest first one labelled by an operator. Returns ids by name."""
    drafts = [
        MentionDraft(
            source="x",
            external_id=f"{age}-{n}",
            text=f"Acme {age} days ago, {n}",
            published_at=now - timedelta(days=age),
            entities=["Acme"],
        )
        for age in (200, 100, 1)
        for n in (1, 2)
    ]
    with db.session() as session:
        ids = store_mentions(session, drafts, now).inserted
        for mention_id in ids:
            session.add(
                Score(
                    mention_id=mention_id,
                    label="negative",
                    score=-0.8,
                    confidence=0.9,
                    model="m",
                    scored_at=now,
                )
            )
        session.add(Correction(mention_id=ids[0], label="neutral", created_at=now))
    with db.session() as session:
        roll_up(session, now + timedelta(hours=1))
    return {d.external_id: i for d, i in zip(drafts, ids, strict=True)}


def count(db: Database, model: type) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_prune_deletes_old_mentions_with_their_rows_and_keeps_labelled_ones(
    db: Database,
) -> None:
    ids = fill(db)
    assert count(db, SeriesBucket) == 3
    seen: list[tuple[int, int]] = []
    done = prune(db, timedelta(days=90), NOW, batch=1, on_progress=lambda d, t: seen.append((d, t)))
    assert (done.mentions, done.buckets, done.labelled_kept) == (3, 2, 1)
    assert done.cutoff == NOW - timedelta(days=90)
    assert seen == [(1, 3), (2, 3), (3, 3)]
    with db.session() as session:
        left = set(session.scalars(select(Mention.external_id)))
        assert left == {"200-1", "1-1", "1-2"}
        # Scores and entity links went with their mentions (foreign keys cascade).
        assert set(session.scalars(select(Score.mention_id))) == {
            ids["200-1"],
            ids["1-1"],
            ids["1-2"],
        }
        assert set(session.scalars(select(MentionEntity.mention_id))) == set(
            session.scalars(select(Mention.id))
        )
        assert session.get(Correction, ids["200-1"]) is not None
        (bucket,) = session.scalars(select(SeriesBucket))
        assert bucket.bucket_start > NOW - timedelta(days=2)
    again = prune(db, timedelta(days=90), NOW)
    assert (again.mentions, again.buckets) == (0, 0)


def test_dry_run_counts_and_deletes_nothing(db: Database) -> None:
    fill(db)
    done = prune(db, timedelta(days=150), NOW, dry_run=True)
    assert (done.mentions, done.buckets, done.labelled_kept, done.dry_run) == (1, 1, 1, True)
    assert count(db, Mention) == 6


def test_a_period_shorter_than_what_detectors_learn_from_is_refused(
    db: Database, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="at least 35 days"):
        prune(db, timedelta(days=7), NOW)
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: sqlite:///w.db\n  keep_mentions: 7d\n", encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        load_config(path)
    assert exc.value.problems == [
        f"{path}:3: database.keep_mentions: expected at least 35d: the detectors learn "
        "from the last 28 days of mentions"
    ]


def test_db_prune_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = Database(f"sqlite:///{tmp_path / 'warden.db'}")
    db.upgrade()
    fill(db, datetime.now(UTC))  # the command prunes relative to the real clock
    config = tmp_path / "config.yaml"
    config.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'warden.db'}\n  keep_mentions: 400d\n",
        encoding="utf-8",
    )
    assert run_cli(["db", "prune", "--dry-run", "--json", "-c", str(config)]) == 0
    assert json.loads(capsys.readouterr().out)["dry_run"] is True
    assert run_cli(["db", "prune", "-c", str(config)]) == 0
    assert "deleted 0 mentions" in capsys.readouterr().out
    assert run_cli(["db", "prune", "--older-than", "60d", "-c", str(config)]) == 0
    assert "deleted 3 mentions and 2 rolled-up buckets" in capsys.readouterr().out
    assert count(db, Mention) == 3
    assert run_cli(["db", "prune", "--older-than", "2w", "-c", str(config)]) == 2
    assert "at least 35 days" in capsys.readouterr().err
    assert run_cli(["db", "prune", "--older-than", "soon", "-c", str(config)]) == 2
    assert "--older-than: expected a duration" in capsys.readouterr().err
    config.write_text(f"database:\n  url: sqlite:///{tmp_path / 'warden.db'}\n", encoding="utf-8")
    assert run_cli(["db", "prune", "-c", str(config)]) == 2
    assert "set database.keep_mentions" in capsys.readouterr().err
