"""Screenshot of an alert e-mail with its chart, as a mail client shows it (for the docs).

Builds a throw-away store holding ten days of an entity's mentions and a surge, fires an
alert on it, writes the alert's e-mail exactly as Warden sends it (HTML part and inline
chart), and renders that HTML in headless Chromium. The chart, carried in the message by
Content-ID, is shown from the same bytes through a data: URL.

    python scripts/alert_email_screenshot.py
    python scripts/alert_email_screenshot.py --language fr --timezone Europe/Paris \\
        --out /tmp/alert-email-fr.png
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import sync_playwright

from warden.alerts.lifecycle import fingerprint
from warden.notify.channels import CHANNELS
from warden.notify.charts import draw_charts, embed_charts
from warden.notify.links import with_links
from warden.notify.message import MessageView, alert_view
from warden.notify.render import Renderer
from warden.notify.words import Words
from warden.rules.schema import Rule
from warden.store.db import Database
from warden.store.models import Alert, Mention, Score, SeriesBucket

NOW = datetime(2026, 3, 10, 14, 20, tzinfo=UTC)
ENTITY = "Acme Bank"
RULE = Rule.model_validate(
    {
        "name": "volume-spike",
        "description": "Far more mentions than usual for this time of day and weekday.",
        "entity": "*",
        "condition": {"kind": "volume_spike", "sensitivity": "low", "min_count": 10},
        "severity": "warning",
        "annotations": {
            "summary": "{{ count }} mentions of {{ entity }} where about {{ baseline }} are usual"
        },
    }
)
POSTS = [
    ("@lea_m", 48_200, "negative", "Card payments refused everywhere since noon, @AcmeBank?"),
    ("@jdupont", 1_310, "negative", "Third time this month the Acme Bank app is down. Enough."),
    ("@newsdesk", 215_000, "neutral", "Acme Bank customers report failed card payments."),
]


def _seed(db: Database) -> int:
    """Ten days of hourly volume with a daily rhythm, a two-hour surge, quoted posts and the
    alert that fired on it; returns the alert's id."""
    rng = random.Random(3)
    hour = NOW.replace(minute=0)
    with db.session() as session:
        at = hour - timedelta(days=10)
        while at <= NOW:
            surge = at >= hour - 2 * timedelta(hours=1)
            count = rng.randint(160, 190) if surge else max(0, round(rng.gauss(
                9 if at.hour < 6 else 34, 4)))  # fmt: skip
            negative = count // 2 if surge else count // 8
            session.add(
                SeriesBucket(
                    entity=ENTITY, bucket_start=at, source="x", lang="en", count=count,
                    scored=count, negative=negative, positive=0, sentiment_sum=0.0, reach=0,
                    engagement=0, revision=1,
                )
            )  # fmt: skip
            at += timedelta(hours=1)
        ids = []
        for n, (author, followers, label, text) in enumerate(POSTS):
            posted = NOW - timedelta(minutes=40 - 10 * n)
            mention = Mention(
                source="x", external_id=f"p{n}", url=f"https://x.example/{author[1:]}/{n}",
                author_handle=author[1:], author_followers=followers, text=text,
                text_key=f"k{n}", lang="en", published_at=posted, fetched_at=posted,
                likes=120 // (n + 1), reposts=30, replies=12, scored=True,
            )  # fmt: skip
            mention.score = Score(
                label=label, score=-0.8 if label == "negative" else 0.0, confidence=0.9,
                model="demo", scored_at=posted,
            )  # fmt: skip
            session.add(mention)
            session.flush()
            ids.append(mention.id)
        fired = NOW - timedelta(minutes=130)
        labels = {"entity": ENTITY}
        alert = Alert(
            rule=RULE.name, fingerprint=fingerprint(RULE.name, labels), labels=labels,
            severity="warning", state="firing", active_since=fired, fired_at=fired,
            last_true_at=NOW, last_eval_at=NOW, annotations={}, evidence=ids,
            escalation_level=0,
            values={"count": 352, "observed": 352, "expected": 68.0, "baseline": 68.0,
                    "probability": 2e-9,
                    "reason": "352 mentions in the last 2 h vs 68 expected"},
        )  # fmt: skip
        session.add(alert)
        session.flush()
        return alert.id


def email_html(db: Database, alert_id: int, language: str, timezone: str) -> str:
    """The alert's e-mail HTML as sent, its inline chart shown through a data: URL."""
    words = Words(language, timezone)
    with db.session() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        mentions = [m for i in alert.evidence if (m := session.get(Mention, i)) is not None]
        view = with_links(alert_view(alert, RULE, mentions, words), "https://warden.example.com")
    rendered = Renderer().render(MessageView("firing", [view]), CHANNELS["email"], words)
    assert rendered.html is not None
    charts = draw_charts(db, [alert_id], NOW, language, timezone)
    html, images = embed_charts(rendered.html, charts)
    if not images:
        raise SystemExit("the chart could not be drawn (see the chart.failed log line)")
    for image in images:
        data = base64.b64encode(image.data).decode("ascii")
        html = html.replace(f"cid:{image.cid}", f"data:image/{image.subtype};base64,{data}")
    return html


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        epilog=__doc__.split("\n\n", 2)[-1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots/alert-email.png"))
    parser.add_argument("--language", choices=["en", "fr"], default="en")
    parser.add_argument("--timezone", default="Europe/Paris", help="the reader's IANA zone")
    parser.add_argument("--chromium", default="/usr/bin/chromium", help="browser executable")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'warden.db'}")
        db.upgrade()
        html = email_html(db, _seed(db), args.language, args.timezone)
        db.dispose()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 760, "height": 600}, device_scale_factor=1)
        page.set_content(html, wait_until="load")
        page.screenshot(path=str(args.out), full_page=True)
        browser.close()
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
