"""Evaluation-cycle benchmark: 100 rules over a store of 1 million mentions.

Builds a store (SQLite file by default, or ``--url`` for PostgreSQL) holding ``--mentions``
mentions of ``--entities`` entities over ``--days`` days (a daily rhythm, three sources, two
languages, sentiment labels, followers, likes), then times what the daemon does:

* the first rollup (every mention summed into 5-minute buckets) and the first cycle (series
  loaded into memory, every detector run once);
* steady cycles every 15 s for an hour, with the mentions that arrive meanwhile: rollup of
  what is new, catch-up of the series cache, every rule judged, alerts advanced (median, 95th
  percentile and worst cycle; bucket boundaries and hourly baseline re-reads included).

Usage: ``.venv/bin/python bench/rules/cycle.py [--mentions 1000000] [--url URL] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from warden.alerts.stage import evaluate_once  # noqa: E402
from warden.clock import SimulatedClock  # noqa: E402
from warden.config import Config, DatabaseSettings, EntitySettings, RulesSettings  # noqa: E402
from warden.log import configure_logging  # noqa: E402
from warden.rules.evaluate import Evaluator  # noqa: E402
from warden.rules.loader import RuleSet, load_rule_file  # noqa: E402
from warden.store.db import Database  # noqa: E402
from warden.store.models import Mention, MentionEntity, Score  # noqa: E402
from warden.store.rollup import roll_up  # noqa: E402

END = datetime(2026, 11, 2, 12, 0, 30, tzinfo=UTC)  # a Monday noon, 30 s into a bucket
SOURCES = ("x", "news", "reddit")
WORDS = ("service", "prix", "appli", "agence", "carte", "compte", "conseiller", "frais", "panne")
KINDS = [
    "{kind: volume_spike, min_count: 10}",
    "{kind: volume_spike, direction: down, step: 15m, min_count: 10}",
    "{kind: negative_surge, step: 15m}",
    "{kind: negative_share, window: 15m, above: 0.6, min_count: 10}",
    "{kind: volume, window: 10m, above: 500}",
    "{kind: keywords, phrases: [boycott, rappel produit, fuite de données], exclude: [jeu]}",
    "{kind: influential_author, followers: 1000000}",
    "{kind: virality, min_gain: 5000}",
    "{kind: sentiment_shift}",
    "{kind: new_term}",
]


def rules_text(entities: Sequence[str], count: int) -> str:
    lines = ["rules:"]
    for n in range(count):
        entity = entities[n % len(entities)]
        kind = KINDS[(n // len(entities)) % len(KINDS)]
        lines.append(f"  - {{name: r{n}, entity: {entity}, condition: {kind}}}")
    return "\n".join(lines) + "\n"


def _mention_rows(
    rng: random.Random,
    first_id: int,
    count: int,
    entities: Sequence[str],
    since: datetime,
    span: float,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    mentions, tags, scores = [], [], []
    weights = [1.0 / (i + 1) for i in range(len(entities))]
    for i in range(count):
        mid = first_id + i
        # A daily rhythm: twice as many mentions in the afternoon as at night.
        while True:
            offset = rng.random() * span
            hour = ((since + timedelta(seconds=offset)).hour + 6) % 24
            if rng.random() < 0.5 + 0.5 * math.sin(math.pi * hour / 24):
                break
        at = since + timedelta(seconds=offset)
        text = " ".join(rng.choice(WORDS) for _ in range(8))
        mentions.append(
            {
                "id": mid,
                "source": rng.choice(SOURCES),
                "external_id": str(mid),
                "text": text,
                "text_key": str(mid),
                "lang": rng.choice(("fr", "en")),
                "author_handle": f"user{rng.randrange(50_000)}",
                "author_followers": int(rng.paretovariate(1.2) * 50),
                "published_at": at,
                "fetched_at": at,
                "likes": rng.randrange(20),
                "reposts": 0,
                "replies": 0,
                "scored": True,
            }
        )
        tags.append(
            {"mention_id": mid, "entity": rng.choices(entities, weights)[0], "published_at": at}
        )
        label = rng.choices(("negative", "neutral", "positive"), (0.25, 0.5, 0.25))[0]
        value = {"negative": -0.8, "neutral": 0.0, "positive": 0.8}[label]
        scores.append(
            {
                "mention_id": mid,
                "label": label,
                "score": value,
                "confidence": 0.9,
                "model": "bench",
                "scored_at": at,
            }
        )
    return mentions, tags, scores


def _sqlite_insert(db: Database, table: str, rows: list[dict[str, Any]]) -> None:
    """Plain DB-API inserts (SQLite only): the store is built faster than through the ORM."""
    columns = list(rows[0])
    stamp = "%Y-%m-%d %H:%M:%S.%f"  # SQLAlchemy's SQLite datetime format, naive UTC
    values = [
        tuple(
            v.astimezone(UTC).replace(tzinfo=None).strftime(stamp) if isinstance(v, datetime) else v
            for v in (row[c] for c in columns)
        )
        for row in rows
    ]
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            values,
        )
        raw.commit()
    finally:
        raw.close()


def fill(db: Database, total: int, entities: Sequence[str], days: int, seed: int) -> None:
    rng = random.Random(seed)
    since = END - timedelta(days=days)
    span = (END - since).total_seconds() - 60
    chunk = 20_000
    for start in range(0, total, chunk):
        rows = _mention_rows(rng, start + 1, min(chunk, total - start), entities, since, span)
        if db.is_sqlite:
            for table, part in zip(("mentions", "mention_entities", "scores"), rows, strict=True):
                _sqlite_insert(db, table, part)
        else:
            with db.session() as session:
                session.execute(insert(Mention), rows[0])
                session.execute(insert(MentionEntity), rows[1])
                session.execute(insert(Score), rows[2])
        if (start // chunk) % 10 == 9 or start + chunk >= total:
            print(f"  {start + len(rows[0]):,} mentions stored", file=sys.stderr)


CPU: list[float] = []
"""CPU seconds of each timed call (the process's own: SQLite runs in it, PostgreSQL does not)."""


def timed(func: Callable[[], Any]) -> float:
    started, cpu = time.perf_counter(), time.process_time()
    func()
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="bench/rules/cycle.py", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--entities", type=int, default=10)
    parser.add_argument("--rules", type=int, default=100)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--cycles", type=int, default=5, help="steady cycles timed per case")
    parser.add_argument("--url", help="database URL (default: a new SQLite file)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    configure_logging("error", "console", stream=sys.stderr)
    scratch = tempfile.TemporaryDirectory(prefix="warden-bench-")
    url = args.url or f"sqlite:///{scratch.name}/bench.db"
    db = Database(url)
    db.upgrade()
    entities = [f"Brand{i}" for i in range(args.entities)]
    rule_path = Path(scratch.name) / "rules.yaml"
    rule_path.write_text(rules_text(entities, args.rules), encoding="utf-8")
    ruleset = RuleSet(rules=tuple(load_rule_file(rule_path)), files=(rule_path,))
    config = Config(
        database=DatabaseSettings(url=url),
        entities=[EntitySettings(name=e) for e in entities],
        rules=RulesSettings(evaluate_every=timedelta(seconds=15)),
    )
    print(f"building a store of {args.mentions:,} mentions ({db.dialect})...", file=sys.stderr)
    fill_s = timed(lambda: fill(db, args.mentions, entities, args.days, seed=1))
    clock = SimulatedClock(END)
    evaluator = Evaluator()
    results: dict[str, Any] = {
        "dialect": db.dialect,
        "mentions": args.mentions,
        "entities": args.entities,
        "rules": len(ruleset),
        "days": args.days,
        "fill_seconds": round(fill_s, 1),
    }

    def first_rollup() -> None:
        with db.session() as session:
            roll_up(session, END)

    results["first_rollup_seconds"] = round(timed(first_rollup), 2)
    results["first_rollup_cpu_seconds"] = round(CPU[-1], 2)
    results["first_cycle_seconds"] = round(
        timed(lambda: evaluate_once(db, ruleset, config, clock, evaluator=evaluator)), 2
    )
    results["first_cycle_cpu_seconds"] = round(CPU[-1], 2)
    rng = random.Random(2)
    next_id = args.mentions + 1

    def cycle_at(moment: datetime) -> float:
        nonlocal next_id
        rows = _mention_rows(rng, next_id, 8, entities, moment - timedelta(seconds=15), 14)
        next_id += 8
        with db.session() as session:  # what arrived since the last cycle
            session.execute(insert(Mention), rows[0])
            session.execute(insert(MentionEntity), rows[1])
            session.execute(insert(Score), rows[2])
        clock.set(moment)
        return timed(lambda: evaluate_once(db, ruleset, config, clock, evaluator=evaluator))

    cases = {
        "mid_bucket": [END + timedelta(seconds=15 * (k + 1)) for k in range(args.cycles)],
        # An hour of cycles every 15 s: bucket boundaries (every statistical detector re-runs
        # for the bucket that just ended) and the hourly, staggered re-reads of post baselines.
        "one_hour": [END + timedelta(seconds=15 * (k + 1)) for k in range(args.cycles, 240)],
    }
    for name, moments in cases.items():
        samples, cpu = [], []
        for moment in moments:
            samples.append(cycle_at(moment))
            cpu.append(CPU[-1])
        ranked = sorted(cpu)
        results[f"{name}_cycle_ms"] = {
            "cycles": len(samples),
            "median": round(1000 * statistics.median(samples), 1),
            "cpu_median": round(1000 * statistics.median(cpu), 1),
            "cpu_p95": round(1000 * ranked[int(0.95 * (len(ranked) - 1))], 1),
            "cpu_max": round(1000 * ranked[-1], 1),
        }
        print(f"  {name}: {results[f'{name}_cycle_ms']}", file=sys.stderr)
    results["series_buckets_in_memory"] = len(evaluator.cache)
    db.dispose()
    scratch.cleanup()
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        for key, value in results.items():
            print(f"{key:<28} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
