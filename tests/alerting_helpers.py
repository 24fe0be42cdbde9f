"""Building alerts, mentions, rules and receivers in a real store for the alerting tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from warden.alerts.lifecycle import fingerprint
from warden.config import Config, load_config
from warden.rules.loader import LoadedRule, RuleSet
from warden.rules.schema import Rule
from warden.store.db import Database
from warden.store.models import Alert, Mention, Score

AT = datetime.fromisoformat("2026-03-02T09:05:00+00:00")


def config_with(tmp_path: Path, receivers: list[dict[str, Any]], **notifications: Any) -> Config:
    path = tmp_path / "config.yaml"
    data = {
        "database": {"url": f"sqlite:///{tmp_path / 'unused.db'}"},
        "notifications": {"retry_initial": "1s", "retry_max": "2s", **notifications},
        "receivers": receivers,
    }
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path)


def ruleset(*rules: dict[str, Any]) -> RuleSet:
    loaded = [
        LoadedRule(Rule.model_validate(r), Path("rules/test.yaml"), 1, i)
        for i, r in enumerate(rules)
    ]
    return RuleSet(tuple(loaded))


def add_mention(
    db: Database,
    text: str,
    *,
    n: int = 0,
    author: str = "someone",
    url: str | None = "https://social.example/p/1",
    label: str | None = "negative",
    at: datetime = AT,
    followers: int = 152000,
) -> int:
    with db.session() as session:
        mention = Mention(
            source="x",
            external_id=f"m{n}-{abs(hash(text))}",
            url=url,
            author_handle=author,
            author_followers=followers,
            text=text,
            text_key=f"k{n}-{abs(hash(text))}",
            published_at=at,
            fetched_at=at,
            likes=3,
            reposts=0,
            replies=0,
            scored=label is not None,
        )
        session.add(mention)
        session.flush()
        if label is not None:
            session.add(
                Score(
                    mention_id=mention.id,
                    label=label,
                    score=-0.8,
                    confidence=0.9,
                    model="test",
                    scored_at=at,
                )
            )
        return mention.id


def add_alert(
    db: Database,
    rule: str = "acme-negative",
    labels: dict[str, str] | None = None,
    severity: str = "critical",
    evidence: list[int] | None = None,
    at: datetime = AT,
    values: dict[str, Any] | None = None,
) -> int:
    labels = labels if labels is not None else {"entity": "Acme"}
    with db.session() as session:
        alert = Alert(
            rule=rule,
            fingerprint=fingerprint(rule, labels),
            labels=labels,
            severity=severity,
            state="firing",
            active_since=at - timedelta(minutes=5),
            fired_at=at,
            last_true_at=at,
            last_eval_at=at,
            values=values
            or {"count": 152000, "observed": 152000, "expected": 8000.0, "share": 0.85},
            annotations={},
            evidence=evidence or [],
            escalation_level=0,
        )
        session.add(alert)
        session.flush()
        return alert.id


RULE = {
    "name": "acme-negative",
    "description": "Negative mentions of Acme.",
    "entity": "Acme",
    "severity": "critical",
    "condition": {"kind": "negative_share", "window": "1h", "above": 0.5},
    "annotations": {"summary": "{{ count }} mentions of {{ entity }}, {{ share }} negative"},
}
