#!/usr/bin/env python3
"""Seed a throw-away store with demo-like data and screenshot the status page.

    .venv/bin/python scripts/status_page_screenshot.py [--out docs/screenshots/status-page.png]
        [--lang en|fr] [--path /] [--keep]

The store gets four days of hourly volume for "Banque Exemple" (a daily rhythm, about 20 %
negative) and a surge in the last hour built from the bundled crisis scenario
(warden/demo/crisis.jsonl), a firing alert quoting it, a resolved one, a silence and source
health. The daemon's listener serves the page on a free port and headless Chromium
(/usr/bin/chromium, through Playwright) takes the full-page picture. Sentiment labels are set
by a few keywords, not by the model: this is a picture, not a measurement.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from playwright.sync_api import sync_playwright

from warden.clock import SimulatedClock
from warden.config import load_config
from warden.entities import matcher_from_settings
from warden.store.db import Database
from warden.store.models import Alert, Mention, MentionEntity, Score, Silence, SourceState
from warden.store.rollup import bucket_index, load_buckets, roll_up
from warden.web.server import build_web_server

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "warden" / "demo" / "crisis.jsonl"
NEGATIVE = (
    "bloqu",
    "arnaque",
    "scandal",
    "honte",
    "panne",
    "impossible",
    "down",
    "scam",
    "locked",
    "frozen",
    "angry",
    "furious",
    "worst",
    "inadmissible",
    "fraude",
    "hack",
)
POSITIVE = ("sympa", "decent", "merci", "great", "bravo", "top", "super")


def _label(text: str) -> str:
    low = text.lower()
    if any(w in low for w in NEGATIVE):
        return "negative"
    return "positive" if any(w in low for w in POSITIVE) else "neutral"


def seed(db: Database, now: datetime) -> None:
    hour = now.replace(minute=0, second=0, microsecond=0)
    buckets = {}
    for entity, scale in (("Banque Exemple", 30.0), ("Concurrent Bank", 12.0)):
        for index in range(bucket_index(hour - timedelta(days=4)), bucket_index(hour)):
            local_hour = (index * 5 // 60 + 1) % 24
            rate = scale * (0.35 + 0.65 * max(0.0, math.sin(math.pi * (local_hour - 6) / 17)))
            count = int(rate / 12 + (index % 3 == 0))
            negative = count // 5 + (index % 7 == 0)
            buckets[(entity, index, "demo", "fr")] = (
                count,
                count,
                min(count, negative),
                count // 3,
                0.0,
                500 * count,
                3 * count,
            )
    with db.session() as session:
        load_buckets(session, buckets, hour)
    rows = [json.loads(line) for line in SCENARIO.read_text(encoding="utf-8").splitlines()]
    ids: list[int] = []
    with db.session() as session:
        for n, row in enumerate(rows):
            at = hour + timedelta(seconds=n * 3600 / max(1, len(rows)))
            if at > now:
                at = now - timedelta(seconds=len(rows) - n)
            mention = Mention(
                source="demo",
                external_id=row["id"],
                url=f"https://social.example/{row['author']}/{row['id']}",
                author_handle=row["author"],
                author_followers=row.get("followers"),
                text=row["text"],
                text_key=f"demo-{row['id']}",
                lang=row.get("lang"),
                published_at=at,
                fetched_at=at,
                likes=row.get("likes", 0),
                reposts=row.get("reposts", 0),
                replies=row.get("replies", 0),
                scored=True,
            )
            session.add(mention)
            session.flush()
            session.add(
                MentionEntity(mention_id=mention.id, entity="Banque Exemple", published_at=at)
            )
            label = _label(row["text"])
            score = {"negative": -0.8, "neutral": 0.0, "positive": 0.7}[label]
            session.add(
                Score(
                    mention_id=mention.id,
                    label=label,
                    score=score,
                    confidence=0.9,
                    model="demo",
                    scored_at=at,
                )
            )
            ids.append(mention.id)
        negatives = [i for i, r in zip(ids, rows, strict=True) if _label(r["text"]) == "negative"]
        session.add(
            Alert(
                rule="banque-negative-surge",
                fingerprint="demo-1",
                labels={"entity": "Banque Exemple"},
                severity="critical",
                state="firing",
                active_since=now - timedelta(minutes=25),
                fired_at=now - timedelta(minutes=20),
                last_true_at=now,
                last_eval_at=now,
                values={
                    "negative": len(negatives),
                    "count": len(rows),
                    "share": 0.62,
                    "expected": "18% negative",
                    "reason": f"{len(negatives)} negative of {len(rows)} mentions (62% vs usual "
                    "18%): unusual",
                },
                annotations={"summary": "Negative surge about Banque Exemple"},
                evidence=negatives[-3:],
                escalation_level=0,
            )
        )
        session.add(
            Alert(
                rule="concurrent-volume",
                fingerprint="demo-2",
                labels={"entity": "Concurrent Bank"},
                severity="warning",
                state="resolved",
                active_since=now - timedelta(hours=6),
                fired_at=now - timedelta(hours=6),
                resolved_at=now - timedelta(hours=4),
                last_true_at=now - timedelta(hours=4),
                last_eval_at=now,
                values={"count": 40, "expected": 12.0},
                annotations={},
                evidence=[],
                escalation_level=0,
            )
        )
        session.add(
            Silence(
                matchers=[{"name": "entity", "op": "=", "value": "Concurrent Bank"}],
                starts_at=now - timedelta(hours=1),
                ends_at=now + timedelta(hours=3),
                created_by="claire@example.com",
                comment="Press event, volume expected",
                created_at=now - timedelta(hours=1),
            )
        )
        for name, failures in (("demo", 0), ("presse", 0), ("mastodon-banque", 3)):
            session.add(
                SourceState(
                    source=name,
                    last_poll_at=now - timedelta(minutes=1),
                    last_success_at=now - timedelta(minutes=1 if not failures else 42),
                    last_error_at=now - timedelta(minutes=1) if failures else None,
                    last_error="HTTP 503 from mastodon.example" if failures else None,
                    consecutive_failures=failures,
                    items_last_poll=4,
                    total_items=1834,
                )
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs/screenshots/status-page.png")
    parser.add_argument("--lang", choices=("en", "fr"), default="en")
    parser.add_argument("--path", default="/", help="page to take (default /)")
    parser.add_argument("--keep", action="store_true", help="serve until Ctrl-C afterwards")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="warden-screenshot-"))
    config_file = folder / "config.yaml"
    config_file.write_text(
        yaml.safe_dump(
            {
                "database": {"url": f"sqlite:///{folder / 'warden.db'}"},
                "web": {"port": 0, "language": args.lang},
                "timezone": "Europe/Paris",
                "entities": [
                    {"name": "Banque Exemple"},
                    {"name": "Concurrent Bank", "kind": "competitor"},
                ],
                "sources": [
                    {"type": "demo", "name": "demo"},
                    {"type": "rss", "name": "presse", "url": "https://presse.example/rss"},
                    {
                        "type": "mastodon",
                        "name": "mastodon-banque",
                        "base_url": "https://mastodon.example",
                        "hashtag": "banqueexemple",
                    },
                ],
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    config = load_config(config_file)
    db = Database(config.database_url)
    db.upgrade()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    seed(db, now)
    with db.session() as session:
        roll_up(session, now)  # the scenario's mentions into the series, as the daemon does
    web = build_web_server(config, db, matcher_from_settings(config.entities), SimulatedClock(now))
    web.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(web.url + args.path)
            page.wait_for_load_state("networkidle")
            args.out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.out), full_page=True)
            browser.close()
        print(f"wrote {args.out}")
        if args.keep:
            print(f"serving {web.url} (Ctrl-C stops)")
            web.stopping.wait()
    except KeyboardInterrupt:
        pass
    finally:
        web.stop()
        db.dispose()


if __name__ == "__main__":
    main()
