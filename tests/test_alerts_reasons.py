"""Why an alert fired, in the receiver's language: every detector's reason is data (a code and
its figures) that French and English messages write with their own words and number formats."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rules_helpers import add_mention, config_for, ruleset_from

from warden.alerts.stage import evaluate_once
from warden.clock import SimulatedClock
from warden.detect.authors import AuthorMention, detect_influential_author
from warden.detect.combine import all_of, any_of
from warden.detect.decision import Decision
from warden.detect.flatline import FlatlineParams, detect_flatline
from warden.detect.keywords import KeywordParams, detect_keywords
from warden.detect.negative import NegativeParams, detect_negative_surge
from warden.detect.newterm import NewTermParams, count_terms, detect_new_terms
from warden.detect.series import Series
from warden.detect.shift import ShiftParams, detect_sentiment_shift
from warden.detect.virality import ViralityParams, detect_virality
from warden.detect.volume import VolumeParams, detect_volume_spike
from warden.notify.reasons import SENTENCES
from warden.notify.render import render_alert
from warden.notify.words import Words
from warden.rules.evaluate import Evaluator
from warden.rules.schema import Rule
from warden.store.db import Database
from warden.store.models import Alert

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ENGLISH = re.compile(
    r"\b(the|of|in the last|within|followers|mentioned|silent|gained|expected|usual|"
    r"warming|holds?|do not|posts?|mentions of|spike|drop|unusual|nothing|engagement|"
    r"new terms?|needed|allowed|fires above|scored|influential|snapshots|baseline)\b"
)


def _english_words(text: str) -> list[str]:
    """English words of a French message, leaving out the label and rule lines (names)."""
    kept = [ln for ln in text.splitlines() if not ln.startswith(("Étiquettes", "Règle"))]
    return ENGLISH.findall("\n".join(kept))


def _decisions() -> list[Decision]:
    """Decisions of every detector: fired, calm and warming up."""
    step = timedelta(minutes=5)
    calm = Series(NOW - timedelta(days=3), step, [8] * (3 * 288))
    short = Series(NOW - timedelta(hours=1), step, [8] * 12)
    negatives = Series(NOW - timedelta(days=3), step, [1] * (3 * 288))
    totals = Series(NOW - timedelta(days=3), step, [10] * (3 * 288))
    volume = VolumeParams(warm_up=timedelta(days=2))
    usual = count_terms([f"acme shop visit {n % 5}" for n in range(400)])
    burst = count_terms(["acme recall battery"] * 30 + ["acme shop visit"] * 10)
    snapshots = [(NOW - timedelta(minutes=30), 10.0), (NOW, 152_000.0)]
    decisions = [
        detect_volume_spike(calm, 152_000, volume),
        detect_volume_spike(calm, 8, volume),
        detect_volume_spike(calm, 0, VolumeParams(warm_up=timedelta(days=2), direction="down")),
        detect_volume_spike(short, 40, volume),
        detect_negative_surge(negatives, totals, 85, 100, NegativeParams(volume=volume)),
        detect_negative_surge(short, short, 8, 10, NegativeParams(volume=volume)),
        detect_keywords(
            ["rappel produit Acme", "Acme #boycott"],
            KeywordParams(("rappel produit", "#boycott"), (), 1),
        ),
        detect_keywords(["bonjour"], KeywordParams(("rappel",), (), 1)),
        detect_influential_author([AuthorMention("star", 2_000_000)]),
        detect_influential_author([AuthorMention("star", None, 3_000_000)], _reach()),
        detect_influential_author([AuthorMention("nobody", 12)]),
        detect_flatline(NOW - timedelta(hours=3), NOW, FlatlineParams(timedelta(hours=1))),
        detect_flatline(None, NOW, FlatlineParams(), watching_since=NOW - timedelta(hours=2)),
        detect_flatline(None, NOW),
        detect_new_terms(usual, burst, NewTermParams(min_count=5)),
        detect_new_terms(usual, usual),
        detect_new_terms(count_terms([]), burst),
        detect_sentiment_shift([0.5] * 100, [-0.6] * 50, ShiftParams()),
        detect_sentiment_shift([0.5] * 100, [0.5] * 2, ShiftParams()),
        detect_sentiment_shift([0.5] * 3, [0.5] * 50, ShiftParams()),
        detect_virality(snapshots, ViralityParams()),
        detect_virality(snapshots[:1], ViralityParams()),
        detect_virality([(NOW - timedelta(minutes=5), 10.0), (NOW, 12.0)], ViralityParams()),
    ]
    return [
        *decisions,
        all_of(decisions[:2]),
        all_of([decisions[0], decisions[8]]),
        any_of([decisions[0], decisions[1]]),
        any_of([decisions[1], decisions[7]]),
    ]


def _reach() -> Any:
    from warden.detect.authors import AuthorParams

    return AuthorParams(min_followers=None, min_reach=1_000_000)


RULE = Rule.model_validate(
    {
        "name": "acme",
        "entity": "Acme",
        "condition": {"kind": "volume", "window": "1h", "above": 3},
        "annotations": {"summary": "{{ entity }} : {{ count }}"},
    }
)


def _alert(decision: Decision, state: str = "firing") -> Alert:
    assert decision.why is not None, decision
    values = {"count": 152_000, "reason": decision.reason, "why": decision.why.as_json()}
    alert = Alert(
        id=7,
        rule="acme",
        fingerprint="3f2a9c1b7d04" * 5,
        labels={"entity": "Acme"},
        severity="critical",
        state=state,
        active_since=NOW,
        fired_at=NOW,
        resolved_at=NOW + timedelta(hours=1) if state == "resolved" else None,
        values=values,
        annotations={},
        evidence=[],
    )
    return alert


def test_every_reason_code_has_a_sentence_in_english_and_french() -> None:
    assert set(SENTENCES["en"]) == set(SENTENCES["fr"])
    codes = {d.why.code for d in _decisions() if d.why is not None}
    assert codes <= set(SENTENCES["fr"])
    # Every detector's kinds of decision are covered by the messages below.
    assert len(codes) >= 25


def test_a_french_message_says_why_in_french_for_every_detector() -> None:
    fr, en = Words("fr", "Europe/Paris"), Words("en")
    for decision in _decisions():
        for rule in (RULE, None):  # a summary of its own (then "Pourquoi"), or the reason
            body = render_alert(_alert(decision), rule, "firing", [], "text", fr).body
            assert decision.reason not in body
            assert _english_words(body) == [], (decision.reason, body)
            english = render_alert(_alert(decision), rule, "firing", [], "text", en).body
            assert en.reason(decision.why.as_json() if decision.why else None) in english
        resolved = render_alert(_alert(decision, "resolved"), RULE, "resolved", [], "text", fr)
        assert _english_words(resolved.body) == [], resolved.body


def test_french_reasons_write_numbers_shares_and_durations_the_french_way() -> None:
    fr = Words("fr")
    text = {d.why.code: fr.reason(d.why.as_json()) for d in _decisions() if d.why is not None}
    assert (
        text["influential_followers"] == "star (2\u202f000\u202f000 abonnés) a mentionné l’entité"
    )
    assert text["flatline"] == "aucun élément depuis 3 h (tolérance\u202f: 1 h)"
    # The six-hour window is the most telling of the detector's tests on this series.
    assert (
        text["volume_up"]
        == "152\u202f568 mentions en 6 h contre 576 attendues (pic)\u202f: inhabituel"
    )
    assert "(85\u00a0% contre 10\u00a0% d’habitude)" in text["negative_surge"]
    assert "«\u202frecall\u202f» dans 30 messages" in text["new_terms"]
    assert text["shift"] == "tonalité moyenne -0,60 sur 50 mentions contre +0,50 d’habitude"
    assert (
        text["keywords"]
        == "2 messages contiennent «\u202f#boycott\u202f», «\u202frappel produit\u202f»"
    )
    assert text["warming_up"].startswith("mise en route\u202f: 1 h d’historique, 2 j nécessaires")
    en = Words("en")
    assert en.reason(_alert(_decisions()[8]).values["why"]) == (
        "star (2,000,000 followers) mentioned the entity"
    )


def test_alerts_stored_before_reasons_were_data_still_show_their_sentence() -> None:
    decision = _decisions()[8]
    alert = _alert(decision)
    alert.values = {"count": 3, "reason": "star (2,000,000 followers) mentioned the entity"}
    body = render_alert(alert, None, "firing", [], "text", Words("fr")).body
    assert "Acme\u202f: star (2,000,000 followers) mentioned the entity" in body
    alert.values = {"count": 3, "why": {"code": "from_a_newer_warden", "params": {}}}
    assert "from_a_newer_warden" in render_alert(alert, None, "firing", [], "text").body


def test_rules_judged_on_a_store_give_french_reasons(db: Database, tmp_path: Path) -> None:
    """The conditions judged from the store (volume, negative share, virality, all/any, and
    the post-based ones) give reasons a French receiver reads in French, firing and resolved."""
    now = NOW + timedelta(hours=5)
    config = config_for("Acme", db_url=db.url)
    ruleset = ruleset_from(
        tmp_path,
        """\
rules:
  - name: volume
    condition: {kind: volume, window: 1h, above: 3}
  - name: share
    condition: {kind: negative_share, window: 1h, above: 0.5, min_count: 4}
    annotations: {summary: "{{ share }} de mentions négatives"}
  - name: words
    condition: {kind: keywords, phrases: ["rappel produit"], min_count: 1}
    annotations: {summary: "Acme : {{ reason }}"}
  - name: vip
    condition: {kind: influential_author, followers: 100000}
  - name: viral
    condition: {kind: virality, min_gain: 1000, within: 1h}
  - name: quiet-feed
    condition: {kind: flatline, source: rss, silent_for: 2h}
  - name: both
    condition:
      kind: all
      conditions:
        - {kind: volume, window: 1h, above: 3}
        - {kind: keywords, phrases: ["rappel produit"], min_count: 1}
""",
    )
    add_mention(db, "Acme", now - timedelta(hours=3), "old news", source="rss")
    for n in range(6):
        add_mention(
            db, "Acme", now - timedelta(minutes=10 - n), f"Rappel produit {n}", label="negative"
        )
    add_mention(db, "Acme", now - timedelta(minutes=2), "hello", author="star", followers=152_000)
    add_mention(db, "Acme", now - timedelta(minutes=30), "viral", likes=5_000)
    clock = SimulatedClock(NOW)
    evaluator = Evaluator()
    evaluate_once(db, ruleset, config, clock, evaluator=evaluator)  # starts watching
    clock.set(now)
    evaluate_once(db, ruleset, config, clock, evaluator=evaluator)
    fr = Words("fr")
    with db.session() as session:
        alerts = {a.rule: a for a in session.query(Alert)}
        assert set(alerts) == {r.rule.name for r in ruleset.rules}
        texts = {}
        for name, alert in alerts.items():
            body = render_alert(alert, ruleset.get(name), "firing", [], "text", fr).body
            assert _english_words(body) == [], body
            texts[name] = body
    assert "star (152\u202f000 abonnés) a mentionné l’entité" in texts["vip"]
    assert texts["words"].startswith("Acme : 6 messages contiennent «\u202frappel produit\u202f»")
    assert (
        "mentions négatives sur" in texts["share"]
        and "(100\u00a0%, alerte au-delà de 50\u00a0%)" in texts["share"]
    )
    assert "un message de @someone a gagné 5\u202f000 interactions" in texts["viral"]
    assert "toutes les conditions sont remplies\u202f: " in texts["both"]
    # The mentions age out: the alerts resolve, and say what the rule sees now, in French.
    clock.set(now + timedelta(hours=3))
    evaluate_once(db, ruleset, config, clock, evaluator=evaluator)
    evaluate_once(db, ruleset, config, clock, evaluator=evaluator)
    with db.session() as session:
        volume = next(a for a in session.query(Alert) if a.rule == "volume")
        assert volume.state == "resolved"
        body = render_alert(volume, ruleset.get("volume"), "resolved", [], "text", fr).body
    assert "Maintenant\u202f: 0 mention en 1 h (alerte au-delà de 3)" in body
    assert _english_words(body) == [], body


def test_broken_edit_announcements_are_in_each_receivers_language(sqlite_db: Database) -> None:
    from warden.config import ReceiverSettings
    from warden.notify.announce import BrokenEditAnnouncer
    from warden.store.models import Notification

    receivers = [
        ReceiverSettings(name="ops", urls=["json://127.0.0.1:9/a"]),
        ReceiverSettings(name="astreinte", urls=["json://127.0.0.1:9/b"], language="fr"),
    ]
    announcer = BrokenEditAnnouncer(sqlite_db, lambda: receivers, SimulatedClock(NOW))
    assert announcer.broken("rules", ["rules/acme.yaml:3: rules[0].condition.above: required"])
    assert announcer.valid("rules")
    with sqlite_db.session() as session:
        sent = [
            (n.receiver, n.title, n.body)
            for n in session.query(Notification).order_by(Notification.id)
        ]
    titles = {(r, t) for r, t, _ in sent}
    assert ("ops", "[WARDEN] rule files have errors; previous rules kept") in titles
    assert (
        "astreinte",
        "[WARDEN] fichiers de règles en erreur\u202f; règles précédentes conservées",
    ) in titles
    assert ("astreinte", "[WARDEN] fichiers de règles de nouveau valides") in titles
    broken = next(b for r, t, b in sent if r == "astreinte" and "erreur" in t)
    assert broken.startswith("Une modification des fichiers de règles n’a pas pu être chargée")
    assert "rules/acme.yaml:3: rules[0].condition.above: required" in broken
    assert len(sent) == 4


def test_the_share_summary_writes_its_window_the_readers_way() -> None:
    alert = _alert(_decisions()[0])
    alert.values = {"count": 152_000, "window": "1h30m", "share": 0.85, "scored": 9, "negative": 8}
    fr = render_alert(alert, None, "firing", [], "text", Words("fr")).body
    en = render_alert(alert, None, "firing", [], "text", Words("en")).body
    assert fr.startswith(
        "152\u202f000 mentions de Acme sur 1 h 30 min, dont 8 négatives (85\u00a0%"
    )
    assert en.startswith("152,000 mentions of Acme in the last 1 h 30 min, 8 negative (85%")
    alert.values = {"count": 1, "window": "1h", "share": 0.0, "scored": 1, "negative": 0}
    fr = render_alert(alert, None, "firing", [], "text", Words("fr")).body
    en = render_alert(alert, None, "firing", [], "text", Words("en")).body
    assert fr.startswith("1 mention de Acme sur 1 h, dont 0 négative (0\u00a0%")  # French singular
    assert en.startswith("1 mention of Acme in the last 1 h, 0 negative (0%")
