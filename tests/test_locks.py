"""Stage locks: two PostgreSQL instances never run the same singleton stage at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pipeline_helpers import write_setup

from warden.alerts.stage import evaluate_once
from warden.clock import SystemClock
from warden.config import load_config
from warden.rules.loader import load_rules
from warden.sources.base import MentionDraft
from warden.store.db import Database
from warden.store.locks import lock_key, try_stage_lock
from warden.store.mentions import store_mentions
from warden.store.models import Alert


def test_only_one_session_holds_a_stage_lock(db: Database) -> None:
    with db.session() as first, db.session() as second:
        assert try_stage_lock(first, "evaluate") is True
        if db.dialect == "postgresql":
            assert try_stage_lock(second, "evaluate") is False
            assert try_stage_lock(second, "poll:news") is True  # other stages are free
        else:
            assert try_stage_lock(second, "evaluate") is True  # SQLite: one writer anyway
    with db.session() as third:  # released when the first transaction ended
        assert try_stage_lock(third, "evaluate") is True


def test_lock_keys_are_stable_and_distinct() -> None:
    assert lock_key("evaluate") == lock_key("evaluate")
    assert lock_key("evaluate") != lock_key("poll:news")
    assert -(2**63) <= lock_key("x") < 2**63


def test_a_second_instance_skips_the_evaluation_cycle(pg_clean_url: str, tmp_path: Path) -> None:
    config = load_config(
        write_setup(
            tmp_path,
            db_url=pg_clean_url,
            feed_url="http://127.0.0.1:9/feed.xml",
            receiver_url="console://",
            model_dir=tmp_path,
        )
    )
    db = Database(pg_clean_url)
    db.upgrade()
    clock = SystemClock()
    drafts = [
        MentionDraft(
            source="news",
            external_id=str(n),
            text=f"Acme outage {n}",
            published_at=clock.now() - timedelta(minutes=5),
            entities=["Acme"],
        )
        for n in range(6)
    ]
    with db.session() as session:
        store_mentions(session, drafts, clock.now())
    ruleset = load_rules(config)
    with db.session() as other_instance:
        assert try_stage_lock(other_instance, "evaluate")  # another instance is evaluating
        assert evaluate_once(db, ruleset, config, clock) == []
        with db.session() as session:
            assert session.query(Alert).count() == 0
    transitions = evaluate_once(db, ruleset, config, clock)  # the lock is free again
    assert [t.state for t in transitions] == ["firing"]
    db.dispose()
