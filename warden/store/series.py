"""The read model of rolled-up series: 5-minute buckets held in memory, caught up incrementally.

`SeriesCache.refresh` loads the buckets the rules need once, then on each cycle reads only the
rows the rollup rewrote since (by revision). Series for a group (an entity, optionally one
source and/or language) are then built from memory at any step that is a multiple of 5 minutes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Float, Select, cast, select
from sqlalchemy.orm import Session

from warden.store.models import SeriesBucket
from warden.store.rollup import (
    BUCKET,
    BUCKET_SECONDS,
    METRIC_FIELDS,
    bucket_index,
    bucket_start,
    current_revision,
)
from warden.store.types import epoch_seconds

SeriesKey = tuple[str, str, str]
"""entity, source, lang: the finest grain the rollup keeps."""
METRICS = {name: i for i, name in enumerate(METRIC_FIELDS)}
_ZERO = (0.0,) * len(METRIC_FIELDS)
_CHANGE_LOG = 2_000  # changes remembered per key, to tell which memoised results still hold


@dataclass(frozen=True)
class Group:
    """Which mentions a series sums: one entity, and one source and/or language when set."""

    entity: str
    source: str | None = None
    lang: str | None = None

    def labels(self) -> dict[str, str]:
        out = {"entity": self.entity}
        if self.source is not None:
            out["source"] = self.source
        if self.lang is not None:
            out["lang"] = self.lang
        return out

    def matches(self, key: SeriesKey) -> bool:
        return (
            key[0] == self.entity
            and (self.source is None or key[1] == self.source)
            and (self.lang is None or key[2] == self.lang)
        )


def steps_of(step: timedelta) -> int:
    """How many 5-minute buckets make one bucket of `step` (which must be a multiple)."""
    n = int(step.total_seconds()) // BUCKET_SECONDS
    if n < 1 or n * BUCKET_SECONDS != int(step.total_seconds()):
        raise ValueError(f"a step must be a multiple of {BUCKET}, got {step}")
    return n


class SeriesCache:
    """Buckets per (entity, source, lang), with a version per key that changes with its data."""

    def __init__(self) -> None:
        self.generation = 0
        """Bumped on every full reload: versions of different generations are unrelated."""
        self._reset()

    def _reset(self) -> None:
        self.generation += 1
        self.revision = -1
        self.loaded_from: int | None = None
        self._rows: dict[SeriesKey, dict[int, tuple[float, ...]]] = defaultdict(dict)
        self._first: dict[SeriesKey, int] = {}
        self._last_nonzero: dict[SeriesKey, int] = {}
        self._version: dict[SeriesKey, int] = defaultdict(int)
        self._changes: dict[SeriesKey, list[tuple[int, int]]] = defaultdict(list)
        self._by_entity: dict[str, set[SeriesKey]] = defaultdict(set)

    # -- loading ------------------------------------------------------------------------------

    def refresh(self, session: Session, keep_since: datetime) -> int:
        """Catch up with the rollup (buckets before `keep_since` are dropped); rows read."""
        revision = current_revision(session)
        wanted = bucket_index(keep_since)
        sb = SeriesBucket.__table__.c
        # Plain rows, not ORM objects: the first read after a start holds every bucket of the
        # history (a third of a million for a million mentions). Epoch seconds and floats are
        # worked out by the database.
        query = select(
            sb.entity,
            sb.source,
            sb.lang,
            epoch_seconds(sb.bucket_start),
            *(cast(sb[f], Float) for f in METRIC_FIELDS),
        )
        if self.loaded_from is None or wanted < self.loaded_from:
            self._reset()
            self.loaded_from = wanted
            read = self._load(session, query.where(sb.bucket_start >= bucket_start(wanted)))
        elif revision == self.revision:
            return 0
        else:
            changed = query.where(sb.revision > self.revision, sb.revision <= revision)
            read = 0
            for row in session.execute(changed):
                index = row[3] // BUCKET_SECONDS
                if index >= self.loaded_from:
                    self._put((row[0], row[1], row[2]), index, tuple(row[4:]))
                    read += 1
        self.revision = revision
        if wanted - self.loaded_from > 288:  # drop what fell out of every rule's history
            self._forget_before(wanted)
        return read

    def _load(self, session: Session, query: Select[Any]) -> int:
        """Fill the (empty) cache from `query`: one pass over plain rows, each key versioned
        once at the end rather than per row (versions only compare within a generation)."""
        rows = self._rows
        streamed = query.execution_options(stream_results=True, max_row_buffer=50_000)
        for row in session.execute(streamed):
            rows[(row[0], row[1], row[2])][row[3] // BUCKET_SECONDS] = tuple(row[4:])
        read = 0
        for key, buckets in rows.items():
            read += len(buckets)
            self._by_entity[key[0]].add(key)
            self._version[key] += 1
            seen = [index for index, figures in buckets.items() if figures[0] > 0]
            if seen:
                self._first[key] = min(seen)
                self._last_nonzero[key] = max(seen)
        return read

    def _put(self, key: SeriesKey, index: int, figures: tuple[float, ...]) -> None:
        self._rows[key][index] = figures
        self._by_entity[key[0]].add(key)
        self._version[key] += 1
        changes = self._changes[key]
        changes.append((self._version[key], index))
        if len(changes) > _CHANGE_LOG:
            del changes[: len(changes) - _CHANGE_LOG]
        if figures[0] > 0:
            self._first[key] = min(self._first.get(key, index), index)
            self._last_nonzero[key] = max(self._last_nonzero.get(key, index), index)

    def _forget_before(self, index: int) -> None:
        for rows in self._rows.values():
            for old in [i for i in rows if i < index]:
                del rows[old]
        self.loaded_from = index

    # -- reading ------------------------------------------------------------------------------

    def keys(self, group: Group) -> list[SeriesKey]:
        return sorted(k for k in self._by_entity.get(group.entity, ()) if group.matches(k))

    def groups(self, entity: str, by_source: bool, by_lang: bool) -> list[Group]:
        """The groups of `entity` that have data, split by source and/or language."""
        if not by_source and not by_lang:
            return [Group(entity)]
        seen = {
            Group(entity, k[1] if by_source else None, k[2] if by_lang else None)
            for k in self._by_entity.get(entity, ())
        }
        return sorted(seen, key=lambda g: (g.source or "", g.lang or ""))

    def sources(self) -> list[str]:
        return sorted({k[1] for keys in self._by_entity.values() for k in keys})

    def version(self, group: Group) -> tuple[tuple[SeriesKey, int], ...]:
        """Changes whenever a bucket of the group changes: a key for memoised decisions."""
        return tuple((k, self._version[k]) for k in self.keys(group))

    def unchanged_before(
        self, group: Group, version: tuple[tuple[SeriesKey, int], ...], stop: int
    ) -> bool:
        """True when no bucket before 5-minute index `stop` changed since `version`."""
        then = dict(version)
        keys = self.keys(group)
        if set(then) != set(keys):
            return False
        for key in keys:
            seen = then[key]
            if self._version[key] == seen:
                continue
            changes = self._changes[key]
            if not changes or changes[0][0] > seen + 1:
                return False  # the log no longer reaches back that far
            if any(v > seen and index < stop for v, index in changes):
                return False
        return True

    def first_index(self, group: Group) -> int | None:
        """The first 5-minute bucket with a mention in the group (None without any)."""
        firsts = [self._first[k] for k in self.keys(group) if k in self._first]
        return min(firsts) if firsts else None

    def last_seen(self, source: str) -> datetime | None:
        """End of the last bucket with a mention from `source` (about any entity)."""
        lasts = [i for k, i in self._last_nonzero.items() if k[1] == source]
        return bucket_start(max(lasts) + 1) if lasts else None

    def values(self, group: Group, metric: str, first: int, stop: int, n: int = 1) -> list[float]:
        """Metric of the `n`×5-minute buckets `first..stop-1` (indexes in units of `n` buckets)."""
        m = METRICS[metric]
        keys = self.keys(group)
        out = [0.0] * max(0, stop - first)
        for key in keys:
            rows = self._rows[key]
            if not rows:
                continue
            lo, hi = first * n, stop * n
            if hi - lo < len(rows):
                for index in range(lo, hi):
                    figures = rows.get(index)
                    if figures is not None:
                        out[index // n - first] += figures[m]
            else:
                for index, figures in rows.items():
                    if lo <= index < hi:
                        out[index // n - first] += figures[m]
        return out

    def total(self, group: Group, metric: str, since: datetime, until: datetime) -> float:
        """Sum of a metric over the 5-minute buckets overlapping (since, until]."""
        first = bucket_index(since)
        stop = bucket_index(until - timedelta(microseconds=1)) + 1
        return sum(self.values(group, metric, first, stop))

    def __len__(self) -> int:
        return sum(len(r) for r in self._rows.values())

    def figure(self, group: Group, metric: str, index: int) -> float:
        m = METRICS[metric]
        return sum(self._rows[k].get(index, _ZERO)[m] for k in self.keys(group))
