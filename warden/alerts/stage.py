"""The evaluate stage: read the store, judge every rule, advance alerts and fill the outbox,
all in one transaction so a crash can neither lose a transition nor send it twice."""

from __future__ import annotations

from collections.abc import Sequence

from warden.alerts.lifecycle import Transition, apply_results
from warden.clock import Clock
from warden.config import Config
from warden.rules.evaluate import evaluate_rules
from warden.rules.loader import RuleSet
from warden.store.db import Database


def evaluate_once(
    db: Database, ruleset: RuleSet, config: Config, clock: Clock, entities: Sequence[str] = ()
) -> list[Transition]:
    """One evaluation cycle at the clock's now; returns the alert transitions it caused."""
    now = clock.now()
    names = list(entities) or [e.name for e in config.entities]
    with db.session() as session:
        results = evaluate_rules(
            session, ruleset, names, now, evidence_limit=config.notifications.top_mentions
        )
        return apply_results(session, results, now, config.receivers, config.notifications)
