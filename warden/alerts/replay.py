"""Replaying rules over recorded data: the live evaluate stage, stepped on a simulated clock.

Rule tests and backtests build a temporary SQLite store, fill it (rolled-up counts, mentions),
then call `replay`, which runs `evaluate_once` at each step exactly as the daemon would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event

from warden.alerts.lifecycle import Transition
from warden.alerts.stage import evaluate_once
from warden.clock import SimulatedClock
from warden.config import Config
from warden.rules.evaluate import Evaluator
from warden.rules.loader import RuleSet
from warden.store.db import Database
from warden.store.models import Base


def _scratch_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA synchronous=OFF")  # a scratch store: speed over durability
    cur.close()


def scratch_database(directory: Path) -> Database:
    """An empty store with Warden's schema in `directory` (for one test or backtest)."""
    db = Database(f"sqlite:///{directory / 'replay.db'}")
    event.listen(db.engine, "connect", _scratch_pragmas)
    Base.metadata.create_all(db.engine)
    return db


def steps(start: datetime, end: datetime, every: timedelta) -> Iterator[datetime]:
    """`start`, `start + every`, ... up to `end` included."""
    if every <= timedelta(0):
        raise ValueError("the replay step must be positive")
    moment = start
    while moment <= end:
        yield moment
        moment += every


def replay(
    db: Database,
    ruleset: RuleSet,
    config: Config,
    moments: Iterable[datetime],
    evaluator: Evaluator | None = None,
    before_step: Callable[[datetime], None] | None = None,
) -> Iterator[tuple[datetime, list[Transition]]]:
    """Evaluate at each of `moments` (in order) as the daemon would; yield each step's result.

    Without `before_step`, the store must already hold the data, rolled up: it does not
    change during the replay, so the per-cycle rollup step is skipped. With it,
    `before_step(moment)` adds what arrived by `moment`, and each cycle rolls it up first,
    exactly like the daemon's evaluate stage.
    """
    evaluator = evaluator or Evaluator()
    clock: SimulatedClock | None = None
    for moment in moments:
        if clock is None:
            clock = SimulatedClock(moment)
        clock.set(moment)
        if before_step is not None:
            before_step(moment)
        yield (
            moment,
            evaluate_once(
                db, ruleset, config, clock, evaluator=evaluator, rollup=before_step is not None
            ),
        )
