"""Backtests: recorded data (stored mentions, a JSONL of mentions, a CSV of counts) replayed
through rule files by the live evaluator on a simulated clock, in a scratch store.

Nothing is re-implemented here: `warden.alerts.replay` steps the clock and runs the evaluate
stage; the alert transitions it returns are the backtest's output. Counts go straight into the
rolled-up series. Mentions enter the scratch store as they entered the live one (`MentionFeed`):
each at the time it was fetched, its sentiment score at the time it was scored, and the stage
rolls them up at each step as the daemon does; so an evaluation at 10:15 sees exactly what the
daemon could see at 10:15, and a stored mention's score weighs in the sentiment rules.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
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
from warden.rules.schema import walk
from warden.sentiment.labels import LABEL_VALUES
from warden.sources.normalize import text_key
from warden.sources.settings import SourceSettings
from warden.store.db import Database
from warden.store.models import Mention, MentionEntity, Score
from warden.store.rollup import BUCKET, BucketKey, Figures, bucket_index, load_buckets, roll_up

COUNTS_SOURCE = "counts"
MIN_STEP = timedelta(seconds=1)
"""Finest evaluation step of a mentions backtest."""


def settle_time(ruleset: RuleSet) -> timedelta:
    """How long after the last mention the rules may still change state: each rule's `for`,
    `keep_firing_for` and the longest period its conditions look back on (a flatline's
    silence is left out: quiet after a file's last line is the end of the file, not news)."""
    longest = timedelta(0)
    for loaded in ruleset.rules:
        rule = loaded.rule
        reach = timedelta(0)
        for cond in walk(rule.condition):
            for name in ("window", "within"):
                reach = max(reach, getattr(cond, name, None) or timedelta(0))
            step = getattr(cond, "step", None)
            if step is not None:
                reach = max(reach, step * (max(getattr(cond, "windows", [1])) + 1))
        longest = max(longest, rule.for_ + rule.keep_firing_for + reach)
    return longest + BUCKET


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
    backfill: bool = False
    """Stored by its source's first poll: replayed as stored, so counted as the daemon counts it
    (not at all; see warden.store.models.counted)."""
    fetched_at: datetime | None = None
    """When Warden stored it (None: when published)."""
    scored_at: datetime | None = None
    """When its score was stored (None: when fetched)."""

    @property
    def visible_at(self) -> datetime:
        """When the daemon could first see the mention."""
        return max(self.published_at, self.fetched_at or self.published_at)

    @property
    def score_visible_at(self) -> datetime:
        """When the daemon could first see the mention's score."""
        return max(self.visible_at, self.scored_at or self.visible_at)


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
        fetched = item.get("fetched_at")
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
                fetched_at=_parse_time(str(fetched), where) if fetched else None,
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
                    backfill=bool(m.backfill),
                    fetched_at=m.fetched_at,
                    scored_at=m.score.scored_at if m.score else None,
                )
            )
    return sorted(out, key=lambda m: m.published_at)


class MentionFeed:
    """Mentions entering a scratch store in the order, and at the times, the live store got
    them: `advance(now)` inserts those fetched by `now` and the scores stored by `now`.

    Ids follow publication order (1, 2, ...), so evidence lists read the same in every run.
    """

    def __init__(self, db: Database, records: list[MentionRecord]) -> None:
        self.db = db
        self.records = sorted(records, key=lambda r: r.published_at)
        order = range(len(self.records))
        self._mentions = sorted(order, key=lambda i: self.records[i].visible_at)
        self._scores = sorted(
            (i for i in order if self.records[i].label is not None),
            key=lambda i: self.records[i].score_visible_at,
        )
        self._next_mention = 0
        self._next_score = 0

    @property
    def last_visible_at(self) -> datetime:
        """When the last mention or score of the feed enters the store."""
        return max(
            [self.records[i].visible_at for i in self._mentions[-1:]]
            + [self.records[i].score_visible_at for i in self._scores[-1:]]
        )

    def advance(self, now: datetime) -> None:
        """Insert what the live store held by `now` and the scratch store does not yet."""
        mentions = self._take(self._mentions, self._next_mention, now, lambda r: r.visible_at)
        self._next_mention += len(mentions)
        scores = self._take(self._scores, self._next_score, now, lambda r: r.score_visible_at)
        self._next_score += len(scores)
        if not mentions and not scores:
            return
        with self.db.session() as session:
            for start in range(0, len(mentions), 2_000):
                self._insert_mentions(session, mentions[start : start + 2_000])
            for start in range(0, len(scores), 2_000):
                session.execute(
                    insert(Score), [self._score(i) for i in scores[start : start + 2_000]]
                )

    def _take(
        self, order: list[int], first: int, now: datetime, when: Callable[[MentionRecord], datetime]
    ) -> list[int]:
        """The indexes of `order` from `first` on whose `when` time has come by `now`."""
        last = first
        while last < len(order) and when(self.records[order[last]]) <= now:
            last += 1
        return order[first:last]

    def _insert_mentions(self, session: Any, chunk: list[int]) -> None:
        rows = []
        tags = []
        for i in chunk:
            r = self.records[i]
            rows.append(
                {
                    "id": i + 1,
                    "source": r.source,
                    "external_id": str(i + 1),
                    "url": r.url,
                    "author_handle": r.author,
                    "author_followers": r.followers,
                    "text": r.text,
                    "text_key": text_key(r.text),
                    "lang": r.lang,
                    "published_at": r.published_at,
                    "fetched_at": r.visible_at,
                    "likes": r.likes,
                    "reposts": r.reposts,
                    "replies": r.replies,
                    "scored": r.label is not None,  # no scorer runs here: its score comes later
                    "backfill": r.backfill,
                }
            )
            tags += [
                {"mention_id": i + 1, "entity": e, "published_at": r.published_at}
                for e in dict.fromkeys(r.entities)
            ]
        session.execute(insert(Mention), rows)
        if tags:
            session.execute(insert(MentionEntity), tags)

    def _score(self, i: int) -> dict[str, Any]:
        r = self.records[i]
        return {
            "mention_id": i + 1,
            "label": r.label,
            "score": float(r.score if r.score is not None else 0.0),
            "confidence": 1.0,
            "model": "backtest",
            "scored_at": r.score_visible_at,
        }


def load_mentions(db: Database, records: list[MentionRecord]) -> None:
    """Insert every mention with its score at once and roll them up (no replay of arrival)."""
    if not records:
        return
    feed = MentionFeed(db, records)
    feed.advance(feed.last_visible_at)
    with db.session() as session:
        roll_up(session, feed.last_visible_at)


def backtest_config(
    entities: list[str],
    every: timedelta,
    sources: Sequence[SourceSettings] = (),
    timezone: str = "UTC",
    zones: Mapping[str, str] | None = None,
) -> Config:
    """A config holding only what a backtest needs: the entities with their time zones
    (`zones` by name, else `timezone`), the sources' names (a flatline on `*` watches each
    configured source, as live), no receivers."""
    zones = zones or {}
    return Config(
        timezone=timezone,
        entities=[EntitySettings(name=e, timezone=zones.get(e)) for e in entities],
        sources=list(sources),
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
    feed: MentionFeed | None = None,
    sources: Sequence[SourceSettings] = (),
    timezone: str = "UTC",
    zones: Mapping[str, str] | None = None,
) -> Iterator[Transition]:
    """Replay the rules over the scratch store from `start` to `end`; yield each transition.

    With a `feed`, the mentions enter the store as they entered the live one, and each step
    rolls up what arrived (as the daemon's evaluate stage does); without, the store already
    holds everything, rolled up. Volume profiles are read on each entity's local clock:
    `zones` by entity name, else the IANA zone `timezone`.
    """
    evaluator = Evaluator()
    config = backtest_config(entities, step, sources, timezone, zones)
    seen = 0
    arrivals = feed.advance if feed is not None else None
    for n, (moment, transitions) in enumerate(
        replay(db, ruleset, config, steps(start, end, step), evaluator, before_step=arrivals)
    ):
        if on_notice is not None:
            for notice in evaluator.notices[seen:]:
                on_notice(notice)
        seen = len(evaluator.notices)
        if on_progress is not None:
            on_progress(moment, n)
        yield from transitions
