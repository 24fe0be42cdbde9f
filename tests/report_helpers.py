"""A seeded store for report tests: Acme (brand, answers as @AcmeHelp) against Globex, a week
ending END, and the previous week; the expected numbers are spelled out here once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from warden.config import Config, load_config
from warden.report.period import period_ending
from warden.store.db import Database
from warden.store.models import Alert, Correction, Mention, MentionEntity, Score

END = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
START = END - timedelta(days=7)
WEEK = period_ending(END, timedelta(days=7), "Europe/Paris")
"""The calendar week reported: 24 Nov 00:00 to 30 Nov 09:00 Paris time (the last day partial)."""
HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> "
    "[x](javascript:alert(3)) Acme is terrible"
)
CONFIG = """\
database: {{url: "{url}"}}
timezone: Europe/Paris
entities:
  - name: Acme
    competitors: [Globex]
    accounts: ["@AcmeHelp"]
  - name: Globex
    kind: competitor
"""


def write_config(tmp_path: Path, db_url: str, extra: str = "") -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(CONFIG.format(url=db_url) + extra, encoding="utf-8")
    return path


def config_for(tmp_path: Path, db_url: str, extra: str = "") -> Config:
    return load_config(write_config(tmp_path, db_url, extra))


class _Seeder:
    def __init__(self) -> None:
        self.rows: list[Any] = []
        self.n = 0

    def mention(
        self,
        at: datetime,
        text: str,
        entity: str | None = "Acme",
        label: str | None = "neutral",
        source: str = "rss",
        author: str = "someone",
        likes: int = 0,
        reposts: int = 0,
        replies: int = 0,
        reply_to: str | None = None,
        url: str | None = None,
        backfill: bool = False,
        corrected: str | None = None,
    ) -> Mention:
        self.n += 1
        mention = Mention(
            id=self.n,
            source=source,
            external_id=f"{source}-{self.n}",
            url=url,
            author_handle=author,
            text=text,
            text_key=f"k{self.n}",
            published_at=at,
            fetched_at=at,
            likes=likes,
            reposts=reposts,
            replies=replies,
            reply_to=reply_to,
            scored=label is not None,
            backfill=backfill,
        )
        self.rows.append(mention)
        if entity is not None:
            self.rows.append(MentionEntity(mention_id=self.n, entity=entity, published_at=at))
        if label is not None:
            self.rows.append(
                Score(
                    mention_id=self.n,
                    label=label,
                    score=0.0,
                    confidence=1.0,
                    model="m",
                    scored_at=at,
                )
            )
        if corrected is not None:
            self.rows.append(Correction(mention_id=self.n, label=corrected, created_at=at))
        return mention


def day(n: int, hour: int = 10, minute: int = 0) -> datetime:
    """Day `n` of the reported week (0: the first), at `hour` UTC."""
    return START.replace(hour=hour, minute=minute) + timedelta(days=n)


def seed(db: Database) -> None:
    """Acme: 6 counted mentions in WEEK (3 negative, 1 neutral, 2 positive), 4 the week before;
    Globex: 2 this week, 4 last week. Three mentions address @AcmeHelp on X; it answered two,
    after 30 and 90 minutes."""
    s = _Seeder()
    a1 = s.mention(day(2), "@AcmeHelp my card is blocked", label="negative", source="x", likes=10)
    a2 = s.mention(
        day(3, 9), "@acmehelp where is my parcel?", label="negative", source="x", likes=5
    )
    a3 = s.mention(day(4, 12), "@AcmeHelp hello?", label="neutral", source="x")
    s.mention(
        day(5), HOSTILE, label="negative", likes=500, reposts=20, replies=3,
        url="javascript:alert(4)",
    )  # fmt: skip
    s.mention(
        day(6), "Acme support was great", label="positive", likes=40, url="https://news.example/a5"
    )
    s.mention(day(6, 11), "Love the new Acme app", label="neutral", corrected="positive", likes=7)
    s.mention(day(3), "Acme old news", label="negative", likes=9999, backfill=True)
    # The brand's answers (not about an entity) and a stranger's reply.
    s.mention(a1.published_at + timedelta(minutes=30), "Sorry! DM us", entity=None, label=None,
              source="x", author="AcmeHelp", reply_to=a1.external_id)  # fmt: skip
    s.mention(a2.published_at + timedelta(minutes=90), "On its way", entity=None, label=None,
              source="x", author="AcmeHelp", reply_to=a2.external_id)  # fmt: skip
    s.mention(a3.published_at + timedelta(minutes=5), "same here", entity=None, label=None,
              source="x", author="stranger", reply_to=a3.external_id)  # fmt: skip
    s.mention(day(1), "Globex is fine", entity="Globex", label="positive", likes=3)
    s.mention(day(2), "Globex shop", entity="Globex", label="neutral")
    for i in range(4):
        s.mention(day(i - 6), f"Acme last week {i}", label="neutral")
        s.mention(day(i - 6), f"Globex last week {i}", entity="Globex",
                  label="negative" if i < 2 else "positive")  # fmt: skip
    at = day(3)
    alert_fields = dict(
        fingerprint="f", severity="critical", state="resolved", last_true_at=at,
        last_eval_at=at, values={}, evidence=[],
    )  # fmt: skip
    s.rows += [
        Alert(id=1, rule="negative-surge", labels={"entity": "Acme"}, active_since=at,
              fired_at=at, resolved_at=at + timedelta(hours=2),
              annotations={"summary": "Negative surge on Acme <b>bold</b>"}, **alert_fields),
        Alert(id=2, rule="volume", labels={"entity": "Acme"}, active_since=day(-3),
              fired_at=day(-3), annotations={"summary": "Last week's alert"}, **alert_fields),
    ]  # fmt: skip
    with db.session() as session:
        session.add_all([r for r in s.rows if isinstance(r, Mention | Alert)])
        session.flush()
        session.add_all([r for r in s.rows if not isinstance(r, Mention | Alert)])
