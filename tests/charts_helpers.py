"""A store with a known volume history, for the chart tests: hourly counts as rolled-up buckets."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from warden.store.db import Database
from warden.store.models import SeriesBucket

HOUR = timedelta(hours=1)
SURGE = 150


def usual(at: datetime, rng: random.Random) -> int:
    """A daily rhythm: quiet nights, busy afternoons, with noise."""
    return max(0, round((8 if at.hour < 7 else 30) + rng.gauss(0, 3)))


def seed_volume(
    db: Database, now: datetime, entity: str = "Acme", days: int = 10
) -> dict[datetime, tuple[int, int]]:
    """Hourly counts (and negatives) for `days` days up to `now`, written as rolled-up buckets
    split over two sources; the last three hours surge. Returns (count, negative) per hour."""
    rng = random.Random(7)
    hour = now.replace(minute=0, second=0, microsecond=0)
    seeded: dict[datetime, tuple[int, int]] = {}
    with db.session() as session:
        at = hour - timedelta(days=days)
        while at <= now:
            count = SURGE if at >= hour - 2 * HOUR else usual(at, rng)
            negative = count // 3 if count == SURGE else count // 10
            seeded[at] = (count, negative)
            # Two sources, two 5-minute buckets in the hour: a chart sums them all.
            for source, minutes, part in (("news", 0, count // 2), ("x", 25, count - count // 2)):
                neg = negative // 2 if source == "news" else negative - negative // 2
                session.add(
                    SeriesBucket(
                        entity=entity,
                        bucket_start=at + timedelta(minutes=minutes),
                        source=source,
                        lang="",
                        count=part,
                        scored=part,
                        negative=neg,
                        positive=0,
                        sentiment_sum=0.0,
                        reach=0,
                        engagement=0,
                        revision=1,
                    )
                )
            at += HOUR
    return seeded
