"""A seeded store and a running listener with the status page, for the web page tests."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

from warden.clock import Clock
from warden.config import Config, load_config
from warden.entities import matcher_from_settings
from warden.rules.loader import RuleSet
from warden.store.db import Database
from warden.store.models import Alert, Mention, MentionEntity, Score, Silence, SourceState
from warden.store.rollup import bucket_index, load_buckets
from warden.web.server import WebServer, build_web_server

NOW = datetime.fromisoformat("2026-03-02T09:05:00+00:00")
TOKEN = "s3cret-token-for-the-status-page"
_ids = itertools.count(1)


def write_config(tmp_path: Path, web: dict[str, Any] | None = None, **extra: Any) -> Config:
    """config.yaml with entities Acme and Globex, a listener on a free port, `web` options."""
    data: dict[str, Any] = {
        "database": {"url": f"sqlite:///{tmp_path / 'warden.db'}"},
        "web": {"port": 0, **(web or {})},
        "entities": [{"name": "Acme"}, {"name": "Globex"}],
        "sources": [
            {"type": "rss", "name": "news", "url": "https://news.example/feed"},
            {
                "type": "mastodon",
                "name": "toots",
                "base_url": "https://social.example",
                "hashtag": "acme",
            },
        ],
        **extra,
    }
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_config(path, env={"WARDEN_WEB_TOKEN": TOKEN, "WEB_PASSWORD": "pa55-w0rd"})


def add_mention(
    db: Database,
    text: str,
    *,
    entity: str = "Acme",
    source: str = "news",
    author: str = "reporter",
    url: str | None = "https://news.example/a/1",
    label: str | None = "negative",
    at: datetime = NOW - timedelta(minutes=10),
    followers: int | None = 152000,
    title: str | None = None,
) -> int:
    """Store one mention about `entity` (scored `label`); returns its id."""
    n = next(_ids)
    with db.session() as session:
        mention = Mention(
            source=source,
            external_id=f"m{n}",
            url=url,
            author_handle=author,
            author_followers=followers,
            title=title,
            text=text,
            text_key=f"k{n}",
            published_at=at,
            fetched_at=at,
            likes=1,
            reposts=0,
            replies=0,
            scored=label is not None,
        )
        session.add(mention)
        session.flush()
        session.add(MentionEntity(mention_id=mention.id, entity=entity, published_at=at))
        if label is not None:
            session.add(
                Score(
                    mention_id=mention.id,
                    label=label,
                    score=-0.8 if label == "negative" else 0.5,
                    confidence=0.9,
                    model="test",
                    scored_at=at,
                )
            )
        return mention.id


def add_alert(
    db: Database,
    evidence: list[int],
    *,
    rule: str = "acme-volume",
    entity: str = "Acme",
    state: str = "firing",
    severity: str = "critical",
    acked_by: str | None = None,
    values: dict[str, Any] | None = None,
    annotations: dict[str, str] | None = None,
) -> int:
    with db.session() as session:
        alert = Alert(
            rule=rule,
            fingerprint=f"fp-{rule}-{entity}-{next(_ids)}",
            labels={"entity": entity},
            severity=severity,
            state=state,
            active_since=NOW - timedelta(minutes=20),
            fired_at=NOW - timedelta(minutes=15),
            resolved_at=NOW - timedelta(minutes=1) if state == "resolved" else None,
            last_true_at=NOW,
            last_eval_at=NOW,
            values=values
            if values is not None
            else {
                "count": 120,
                "expected": 24.0,
                "reason": "120 mentions in the last 1h vs 24 expected (spike): unusual",
            },
            annotations=annotations
            if annotations is not None
            else {"summary": "Acme mentions jumped"},
            evidence=evidence,
            acked_by=acked_by,
            acked_at=NOW if acked_by else None,
            escalation_level=0,
        )
        session.add(alert)
        session.flush()
        return alert.id


def add_silence(db: Database, entity: str, comment: str) -> int:
    with db.session() as session:
        silence = Silence(
            matchers=[{"name": "entity", "op": "=", "value": entity}],
            starts_at=NOW - timedelta(hours=1),
            ends_at=NOW + timedelta(hours=2),
            created_by="ops@example.com",
            comment=comment,
            created_at=NOW - timedelta(hours=1),
        )
        session.add(silence)
        session.flush()
        return silence.id


def add_source_state(db: Database, source: str, error: str | None = None) -> None:
    with db.session() as session:
        session.add(
            SourceState(
                source=source,
                last_poll_at=NOW - timedelta(minutes=1),
                last_success_at=None if error else NOW - timedelta(minutes=1),
                last_error_at=NOW - timedelta(minutes=1) if error else None,
                last_error=error,
                consecutive_failures=3 if error else 0,
                items_last_poll=4,
                total_items=1234,
            )
        )


def seed_history(db: Database, entity: str = "Acme", last_hour: int = 120) -> None:
    """Four days of 24 mentions an hour (20 % negative) for `entity` from `news`, then
    `last_hour` mentions (half negative) in the last complete hour before NOW."""
    hour_start = NOW.replace(minute=0) - timedelta(hours=1)
    buckets: dict[tuple[str, int, str, str], tuple[int, int, int, int, float, int, int]] = {}
    start = bucket_index(hour_start - timedelta(days=4))
    stop = bucket_index(hour_start)
    for index in range(start, stop):
        buckets[(entity, index, "news", "")] = (2, 2, 1 if index % 5 < 2 else 0, 1, 0.0, 10, 1)
    per = last_hour // 12
    for index in range(stop, stop + 12):
        buckets[(entity, index, "news", "")] = (per, per, per // 2, 0, 0.0, 10, 1)
    with db.session() as session:
        load_buckets(session, buckets, NOW)


def start_web(
    config: Config, db: Database, clock: Clock, rules: RuleSet | None = None
) -> WebServer:
    """The listener with the status page, started; `rules` in force when given."""
    matcher = matcher_from_settings(config.entities)
    web = build_web_server(config, db, matcher, clock, rules=lambda: rules)
    web.start()
    return web


def alert_pages(
    config: Config, db: Database, clock: Clock, rules: RuleSet, alert: int
) -> tuple[str, str]:
    """Alert `alert`'s page in the page's language and with `?lang=en`, from a listener
    started for the purpose and stopped after (the store is disposed of too)."""
    web = start_web(config, db, clock, rules)
    try:
        own = httpx.get(f"{web.url}/alerts/{alert}", timeout=10).text
        english = httpx.get(f"{web.url}/alerts/{alert}?lang=en", timeout=10).text
    finally:
        web.stop()
        db.dispose()
    return own, english


def score_mention(db: Database, mention_id: int, label: str) -> None:
    """Score a stored mention `label`, as the scorer does after it was stored."""
    with db.session() as session:
        session.add(
            Score(
                mention_id=mention_id,
                label=label,
                score=-0.8 if label == "negative" else 0.5,
                confidence=0.9,
                model="test",
                scored_at=NOW,
            )
        )
        mention = session.get(Mention, mention_id)
        assert mention is not None
        mention.scored = True
