"""Stage locks: on PostgreSQL, one instance at a time runs a singleton stage (evaluation, a
source's poll); the others skip that cycle. SQLite databases have a single writer anyway."""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.orm import Session


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for `name` (PostgreSQL advisory locks take a bigint)."""
    digest = hashlib.sha256(f"warden:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def try_stage_lock(session: Session, name: str) -> bool:
    """Take the lock for `name` until the session's transaction ends; False if another has it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    got = session.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(name)}
    ).scalar()
    return bool(got)
