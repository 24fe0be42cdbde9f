"""Stage locks: two PostgreSQL instances never run the same singleton stage at once."""

from __future__ import annotations

from warden.store.db import Database
from warden.store.locks import lock_key, try_stage_lock


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
