"""Helpers for the rule tests: mentions written straight into a store, configs, rule sets."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from warden.config import (
    Config,
    DatabaseSettings,
    EntitySettings,
    ReceiverSettings,
    RulesSettings,
)
from warden.rules.loader import RuleSet, load_rule_file
from warden.store.db import Database
from warden.store.models import Mention, MentionEntity, Score

_counter = iter(range(1, 10**9))


def add_mention(
    db: Database,
    entity: str,
    at: datetime,
    text: str = "a post",
    *,
    source: str = "news",
    lang: str | None = None,
    label: str | None = None,
    fetched_at: datetime | None = None,
    author: str = "someone",
    followers: int | None = None,
    likes: int = 0,
    backfill: bool = False,
) -> int:
    n = next(_counter)
    with db.session() as session:
        mention = Mention(
            source=source,
            external_id=f"m{n}",
            text=text,
            text_key=f"k{n}",
            lang=lang,
            author_handle=author,
            author_followers=followers,
            published_at=at,
            fetched_at=fetched_at or at,
            likes=likes,
            reposts=0,
            replies=0,
            scored=label is not None,
            backfill=backfill,
        )
        mention.entities = [MentionEntity(entity=entity, published_at=at)]
        if label is not None:
            value = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}[label]
            mention.score = Score(
                label=label, score=value, confidence=1.0, model="t", scored_at=fetched_at or at
            )
        session.add(mention)
        session.flush()
        return mention.id


def config_for(*entities: str, db_url: str = "sqlite://", receiver: str | None = None) -> Config:
    return Config(
        database=DatabaseSettings(url=db_url),
        entities=[EntitySettings(name=e) for e in entities],
        rules=RulesSettings(),
        receivers=[ReceiverSettings(name="ops", urls=[receiver])] if receiver else [],
    )


def ruleset_from(tmp_path: Path, text: str) -> RuleSet:
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    return RuleSet(rules=tuple(load_rule_file(path)), files=(path,))
