"""The evaluate stage: roll up new mentions, judge every rule, advance alerts and fill the outbox.

Alert state and messages are written in one transaction, so a crash can neither lose a
transition nor send it twice. The evaluator's caches live as long as the database handle.
"""

from __future__ import annotations

from collections.abc import Sequence
from weakref import WeakKeyDictionary

from warden.alerts.lifecycle import Transition, apply_results
from warden.alerts.pipeline import notify
from warden.clock import Clock
from warden.config import Config
from warden.log import get_logger
from warden.rules.evaluate import Evaluator
from warden.rules.loader import RuleSet
from warden.store.db import Database
from warden.store.locks import try_stage_lock
from warden.store.rollup import roll_up

log = get_logger(__name__)

_EVALUATORS: WeakKeyDictionary[Database, Evaluator] = WeakKeyDictionary()


def evaluator_for(db: Database) -> Evaluator:
    """The evaluator (and its caches) kept for this database handle."""
    found = _EVALUATORS.get(db)
    if found is None:
        found = _EVALUATORS[db] = Evaluator()
    return found


def evaluate_once(
    db: Database,
    ruleset: RuleSet,
    config: Config,
    clock: Clock,
    entities: Sequence[str] = (),
    evaluator: Evaluator | None = None,
    rollup: bool = True,
) -> list[Transition]:
    """One evaluation cycle at the clock's now; returns the alert transitions it caused.

    `rollup=False` skips the rollup step, for replays over a store that does not change.
    On PostgreSQL one instance at a time evaluates; the others skip the cycle (returns []).
    """
    now = clock.now()
    names = list(entities) or [e.name for e in config.entities]
    evaluator = evaluator or evaluator_for(db)
    with db.session() as lock:  # held for the whole cycle
        if not try_stage_lock(lock, "evaluate"):
            log.debug("evaluate.busy")
            return []
        if rollup:
            with db.session() as session:
                roll_up(session, now)
        with db.session() as session:
            results = evaluator.evaluate(
                session,
                ruleset,
                names,
                now,
                evidence_limit=config.notifications.top_mentions,
                sources=[s.name for s in config.sources],
                timezones={name: config.timezone_of(name) for name in names},
            )
            names = [r.rule.name for r in ruleset.rules]
            transitions = apply_results(session, results, now, names)
            notify(session, ruleset, config, now)
            return transitions
