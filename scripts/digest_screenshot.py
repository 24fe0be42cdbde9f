"""Render the weekly digest of a demo week and photograph it in headless Chromium.

    python scripts/digest_screenshot.py [OUT.png]     (default docs/screenshots/digest.png)

Seeds a temporary SQLite store with a week of a French bank, Banque Exemple, and its
competitor Autre Banque (a steady week, then an outage on Monday 30 November that draws
complaints and two alerts), renders the French weekly digest in Europe/Paris as the daemon
e-mails it on Monday at 14:00, and saves a full-page PNG. Needs Playwright and a Chromium
(CHROMIUM, default /usr/bin/chromium).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from report_helpers import _Seeder  # noqa: E402

from warden.config import load_config  # noqa: E402
from warden.report.data import read_report  # noqa: E402
from warden.report.period import period_ending  # noqa: E402
from warden.report.render import render_report  # noqa: E402
from warden.rules.loader import load_rules  # noqa: E402
from warden.store.db import Database  # noqa: E402
from warden.store.models import Alert, Mention  # noqa: E402

PARIS = ZoneInfo("Europe/Paris")
SENT = datetime(2026, 11, 30, 14, 0, tzinfo=PARIS)
CONFIG = """\
database: {{url: "{url}"}}
timezone: Europe/Paris
rules: {{dir: "{rules}"}}
entities:
  - name: Banque Exemple
    competitors: [Autre Banque]
    accounts: ["@BanqueExemple"]
  - name: Autre Banque
    kind: competitor
"""
RULES = """\
rules:
  - name: negative-spike
    severity: critical
    entity: "*"
    condition: {kind: negative_share, window: 1h, above: 0.5}
    annotations:
      summary: "{{ negative }} mentions négatives sur {{ scored }} pour {{ entity }} en une heure"
  - name: volume-spike
    severity: warning
    entity: "*"
    condition: {kind: volume_spike}
    annotations:
      summary: >-
        {{ count }} mentions de {{ entity }} en une heure, environ {{ baseline }} d'habitude
"""
CALM = {
    "Banque Exemple": [
        ("Ouvert un compte chez Banque Exemple ce matin, conseillère très sympa.", "positive"),
        (
            "Quelqu'un connaît les frais de Banque Exemple pour un virement international ?",
            "neutral",
        ),
        ("Banque Exemple sponsorise le semi-marathon de Lyon dimanche.", "neutral"),
        ("Merci @BanqueExemple pour la réponse rapide au chat, problème réglé.", "positive"),
        ("L'appli Banque Exemple rame un peu ce soir.", "negative"),
        ("Le nouveau livret de Banque Exemple à 3 %, pas mal du tout.", "positive"),
        ("Virement instantané gratuit chez Banque Exemple, bien joué.", "positive"),
        ("Agence Banque Exemple de Nantes fermée samedi, dommage.", "neutral"),
    ],
    "Autre Banque": [
        ("Autre Banque baisse ses frais de tenue de compte, enfin.", "positive"),
        ("Rendez-vous chez Autre Banque pour mon prêt immo demain.", "neutral"),
        ("Toujours pas de carte chez Autre Banque, trois semaines d'attente.", "negative"),
        ("Autre Banque refuse mon découvert après dix ans de compte, bravo.", "negative"),
        ("Très bon conseiller chez Autre Banque à Bordeaux.", "positive"),
        ("L'appli Autre Banque a enfin le paiement sans contact sur montre.", "positive"),
    ],
}
CRISIS = [
    (
        "Impossible de payer avec ma carte Banque Exemple depuis ce matin, c'est quoi ce bazar ?",
        "negative",
    ),
    ("Banque Exemple en panne : plus d'appli, plus de virements, et aucune info.", "negative"),
    ("Service client Banque Exemple injoignable, 45 minutes d'attente pour rien.", "negative"),
    (
        "@BanqueExemple mon salaire n'apparaît plus sur mon compte, vous pouvez expliquer ?",
        "negative",
    ),
    ("Banque Exemple annonce un incident technique, retour prévu dans l'après-midi.", "neutral"),
    ("Merci Banque Exemple pour le SMS d'information, au moins on sait.", "positive"),
]


def seed(db: Database, rng: random.Random) -> None:
    s = _Seeder()
    start = SENT - timedelta(days=14)
    day = start
    while day < SENT.replace(hour=8):
        for entity, lines in CALM.items():
            for _ in range(rng.randint(6, 11) if entity == "Banque Exemple" else rng.randint(3, 6)):
                text, label = rng.choice(lines)
                at = day.replace(hour=rng.randint(7, 22), minute=rng.randint(0, 59))
                if at < SENT:
                    s.mention(at.astimezone(PARIS), text, entity=entity, label=label,
                              source=rng.choice(["mastodon", "bluesky", "rss"]),
                              author=f"client{rng.randint(1, 400)}",
                              likes=rng.randint(0, 30), reposts=rng.randint(0, 5))  # fmt: skip
        day += timedelta(days=1)
    outage = SENT.replace(hour=9, minute=10)
    seen: set[str] = set()
    for i in range(70):
        text, label = CRISIS[i % len(CRISIS)]
        if label != "negative" and text in seen:
            label = "neutral"  # one positive voice, quoted once
        seen.add(text)
        at = outage + timedelta(minutes=i * 4 // 3)
        s.mention(at, text, entity="Banque Exemple", label=label, source="mastodon",
                  author=f"client{rng.randint(1, 400)}",
                  likes=rng.randint(5, 400) if label == "negative" else rng.randint(0, 20),
                  reposts=rng.randint(0, 80) if label == "negative" else 0,
                  url=f"https://mastodon.example/@c/{i}")  # fmt: skip
    fired = outage + timedelta(minutes=35)
    common = dict(
        fingerprint="f", state="firing", last_true_at=fired, last_eval_at=fired, evidence=[],
        active_since=fired, fired_at=fired, labels={"entity": "Banque Exemple"}, annotations={},
    )  # fmt: skip
    s.rows += [
        Alert(id=1, rule="volume-spike", severity="warning",
              values={"count": 41, "baseline": 2.4, "window": "1h"}, **common),
        Alert(id=2, rule="negative-spike", severity="critical",
              values={"negative": 29, "scored": 38, "share": 0.76, "window": "1h"}, **common),
    ]  # type: ignore[arg-type]  # fmt: skip
    with db.session() as session:
        session.add_all([r for r in s.rows if isinstance(r, Mention | Alert)])
        session.flush()
        session.add_all([r for r in s.rows if not isinstance(r, Mention | Alert)])


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots" / "digest.png"
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'warden.db'}"
        (tmp / "rules").mkdir()
        (tmp / "rules" / "digest.yaml").write_text(RULES, encoding="utf-8")
        path = tmp / "config.yaml"
        path.write_text(CONFIG.format(url=url, rules=tmp / "rules"), encoding="utf-8")
        config = load_config(path)
        db = Database(url)
        db.upgrade()
        seed(db, random.Random(7))
        period = period_ending(SENT, timedelta(days=7), "Europe/Paris")
        with db.session() as session:
            data = read_report(session, config, period, SENT, None, 3, load_rules(config), "fr")
        db.dispose()
        page_file = tmp / "digest.html"
        report = render_report(data, "fr", "Europe/Paris", kind="weekly")
        page_file.write_text(report.html, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                args=["--no-sandbox"],
            )
            page = browser.new_page(viewport={"width": 760, "height": 900})
            page.goto(page_file.as_uri())
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    print(out, report.subject)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
