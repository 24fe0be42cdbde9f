"""Backtests: recorded data (stored mentions, a JSONL of mentions, a CSV of counts) replayed
through rule files by the live evaluator on a simulated clock, in a scratch store.

Nothing is re-implemented here: the data is loaded into a temporary SQLite store (mentions as
mentions, counts straight into the rolled-up series), then `warden.alerts.replay` steps the
clock and runs the evaluate stage; the alert transitions it returns are the backtest's output.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from warden.alerts.lifecycle import Transition
from warden.alerts.replay import replay, steps
from warden.config import Config, EntitySettings, RulesSettings
from warden.errors import WardenError
from warden.rules.evaluate import Evaluator, WarmUpNotice
from warden.rules.loader import RuleSet
from warden.sentiment.labels import LABEL_VALUES
from warden.sources.normalize import text_key
from warden.store.db import Database
from warden.store.models import Mention, MentionEntity, Score
from warden.store.rollup import BUCKET, BucketKey, Figures, bucket_index, load_buckets, roll_up

COUNTS_SOURCE = "counts"


def _parse_time(text: str, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise WardenError(f"{where}: expected an ISO-8601 time, got {text!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def read_counts(path: Path) -> list[tuple[datetime, float]]:
    """`timestamp,value` rows of a CSV (one bucket per row, times in UTC unless stated)."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise WardenError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"timestamp", "value"} <= set(reader.fieldnames):
            raise WardenError(f"{path}:1: expected a header with `timestamp,value` columns")
        out = []
        for n, row in enumerate(reader, start=2):
            where = f"{path}:{n}"
            try:
                value = float(row["value"])
            except (TypeError, ValueError):
                raise WardenError(
                    f"{where}: value: expected a number, got {row['value']!r}"
                ) from None
            out.append((_parse_time(row["timestamp"] or "", where), value))
    if not out:
        raise WardenError(f"{path}: no rows")
    return out


def load_counts(db: Database, entity: str, counts: list[tuple[datetime, float]]) -> None:
    """Write the counts as the `count` series of `entity` in the rolled-up table."""
    buckets: dict[BucketKey, Figures] = {}
    for moment, value in counts:
        key = (entity, bucket_index(moment), COUNTS_SOURCE, "")
        previous = buckets.get(key)
        total = int(value) + (previous[0] if previous else 0)
        buckets[key] = (total, 0, 0, 0, 0.0, 0, 0)
    with db.session() as session:
        load_buckets(session, buckets, counts[0][0])


@dataclass(frozen=True)
class MentionRecord:
    """One mention of a JSONL backtest file or of the stored data."""

    published_at: datetime
    text: str
    entities: tuple[str, ...]
    source: str = "backtest"
    author: str | None = None
    followers: int | None = None
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    lang: str | None = None
    url: str | None = None
    label: str | None = None
    score: float | None = None


def read_mentions_jsonl(path: Path, default_entity: str | None) -> list[MentionRecord]:
    """Mentions of a JSONL file: `published_at`, `text`, `entity`/`entities`, optional extras."""
    out = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise WardenError(f"{path}: cannot read: {exc.strerror or exc}") from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            item: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError as exc:
            raise WardenError(f"{where}: invalid JSON: {exc.msg}") from None
        if not isinstance(item, dict):
            raise WardenError(f"{where}: expected a JSON object")
        entities = item.get("entities") or ([item["entity"]] if item.get("entity") else [])
        if not entities and default_entity:
            entities = [default_entity]
        if not entities:
            raise WardenError(f"{where}: entity: required (or pass --entity)")
        stamp = item.get("published_at") or item.get("at")
        if not stamp:
            raise WardenError(f"{where}: published_at: required")
        label = item.get("sentiment") or item.get("label")
        if label is not None and label not in LABEL_VALUES:
            raise WardenError(f"{where}: sentiment: expected negative, neutral or positive")
        out.append(
            MentionRecord(
                published_at=_parse_time(str(stamp), where),
                text=str(item.get("text") or ""),
                entities=tuple(str(e) for e in entities),
                source=str(item.get("source") or "backtest"),
                author=item.get("author"),
                followers=item.get("followers"),
                likes=int(item.get("likes") or 0),
                reposts=int(item.get("reposts") or 0),
                replies=int(item.get("replies") or 0),
                lang=item.get("lang"),
                url=item.get("url"),
                label=label,
                score=item.get("score", LABEL_VALUES[label] if label else None),
            )
        )
    if not out:
        raise WardenError(f"{path}: no mentions")
    return sorted(out, key=lambda m: m.published_at)


def read_stored_mentions(db: Database, since: datetime, until: datetime) -> list[MentionRecord]:
    """Mentions of the live store published in [since, until], with their entities and scores."""
    out = []
    with db.session() as session:
        query = select(Mention).where(Mention.published_at >= since, Mention.published_at <= until)
        for m in session.scalars(query).unique():
            out.append(
                MentionRecord(
                    published_at=m.published_at,
                    text=f"{m.title}\n{m.text}" if m.title else m.text,
                    entities=tuple(e.entity for e in m.entities),
                    source=m.source,
                    author=m.author_handle or m.author_name,
                    followers=m.author_followers,
                    likes=m.likes,
                    reposts=m.reposts,
                    replies=m.replies,
                    lang=m.lang,
                    url=m.url,
                    label=m.score.label if m.score else None,
                    score=m.score.score if m.score else None,
                )
            )
    return sorted(out, key=lambda m: m.published_at)


def load_mentions(db: Database, records: list[MentionRecord]) -> None:
    """Insert the mentions (fetched when published) and roll them up."""
    with db.session() as session:
        for start in range(0, len(records), 2_000):
            chunk = records[start : start + 2_000]
            first_id = start + 1
            session.execute(
                insert(Mention),
                [
                    {
                        "id": first_id + i,
                        "source": r.source,
                        "external_id": str(first_id + i),
                        "url": r.url,
                        "author_handle": r.author,
                        "author_followers": r.followers,
                        "text": r.text,
                        "text_key": text_key(r.text),
                        "lang": r.lang,
                        "published_at": r.published_at,
                        "fetched_at": r.published_at,
                        "likes": r.likes,
                        "reposts": r.reposts,
                        "replies": r.replies,
                        "scored": r.label is not None,
                    }
                    for i, r in enumerate(chunk)
                ],
            )
            tags = [
                {"mention_id": first_id + i, "entity": e, "published_at": r.published_at}
                for i, r in enumerate(chunk)
                for e in dict.fromkeys(r.entities)
            ]
            if tags:
                session.execute(insert(MentionEntity), tags)
            scores = [
                {
                    "mention_id": first_id + i,
                    "label": r.label,
                    "score": float(r.score if r.score is not None else 0.0),
                    "confidence": 1.0,
                    "model": "backtest",
                    "scored_at": r.published_at,
                }
                for i, r in enumerate(chunk)
                if r.label is not None
            ]
            if scores:
                session.execute(insert(Score), scores)
        roll_up(session, records[0].published_at)


def backtest_config(entities: list[str], every: timedelta, timezone: str = "UTC") -> Config:
    """A config holding only what a backtest needs: the entities and their time zone."""
    return Config(
        timezone=timezone,
        entities=[EntitySettings(name=e) for e in entities],
        rules=RulesSettings(evaluate_every=every),
    )


def run_backtest(
    db: Database,
    ruleset: RuleSet,
    entities: list[str],
    start: datetime,
    end: datetime,
    step: timedelta = BUCKET,
    on_progress: Callable[[datetime, int], None] | None = None,
    on_notice: Callable[[WarmUpNotice], None] | None = None,
    timezone: str = "UTC",
) -> Iterator[Transition]:
    """Replay the rules over the scratch store from `start` to `end`; yield each transition.

    `timezone` is the IANA time zone the entities' volume profiles are read in.
    """
    evaluator = Evaluator()
    config = backtest_config(entities, step, timezone)
    seen = 0
    for n, (moment, transitions) in enumerate(
        replay(db, ruleset, config, steps(start, end, step), evaluator)
    ):
        if on_notice is not None:
            for notice in evaluator.notices[seen:]:
                on_notice(notice)
        seen = len(evaluator.notices)
        if on_progress is not None:
            on_progress(moment, n)
        yield from transitions
