"""The evaluator on a real store (SQLite and PostgreSQL): learnt baselines, early firing,
group_by, post-based conditions, flatline, warm-up reporting, and the messages they produce."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog
from rules_helpers import add_mention, config_for, ruleset_from

from warden.alerts.stage import evaluate_once
from warden.clock import SimulatedClock
from warden.rules.evaluate import Evaluator
from warden.store.db import Database
from warden.store.models import Alert, Notification
from warden.store.rollup import BUCKET, bucket_index, load_buckets
from warden.web.pages.words import PageWords

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday
CALM_DAYS = 2.5
SURGE = START + timedelta(days=CALM_DAYS)

SPIKE_RULES = """\
rules:
  - name: spike
    entity: Acme
    condition: {kind: volume_spike, min_count: 10, warm_up: 2d}
    annotations:
      summary: "{{ count }} mentions of {{ entity }} where about {{ baseline }} are usual"
"""


def _calm(db: Database, entity: str = "Acme", per_bucket: int = 8, source: str = "hist") -> None:
    buckets = {
        (entity, bucket_index(START) + i, source, ""): (per_bucket, 0, 0, 0, 0.0, 0, 0)
        for i in range(int(CALM_DAYS * 288))
    }
    with db.session() as session:
        load_buckets(session, buckets, START)


def test_volume_spike_fires_within_the_bucket_and_says_why(db: Database, tmp_path: Path) -> None:
    _calm(db)
    config = config_for("Acme", db_url=db.url, receiver="json://localhost/")
    ruleset = ruleset_from(tmp_path, SPIKE_RULES)
    evaluator = Evaluator()
    clock = SimulatedClock(SURGE)
    assert evaluate_once(db, ruleset, config, clock, evaluator=evaluator) == []
    for n in range(40):
        add_mention(db, "Acme", SURGE + timedelta(seconds=20 + n), f"Acme outage {n}", likes=n)
    clock.set(SURGE + timedelta(minutes=2))  # mid-bucket: judged as it fills
    transitions = evaluate_once(db, ruleset, config, clock, evaluator=evaluator)
    assert [(t.rule, t.state, t.labels) for t in transitions] == [
        ("spike", "firing", {"entity": "Acme"})
    ]
    # Nothing here is scored: the message waits notifications.wait_for_scores (2 min).
    clock.set(SURGE + timedelta(minutes=4))
    assert evaluate_once(db, ruleset, config, clock, evaluator=evaluator) == []
    with db.session() as session:
        alert = session.query(Alert).one()
        assert alert.values["count"] == 40 and alert.values["baseline"] == 8.0
        assert len(alert.evidence) == 5
        message = session.query(Notification).one()
    assert message.title == "[ALERT] WARNING spike: Acme"
    assert message.body.startswith("40 mentions of Acme where about 8 are usual\n")
    assert "Why: 40 mentions in the last 5 min vs 8 expected (spike" in message.body
    assert "Seen: 40 · usual: 8" in message.body
    assert "Acme outage 39" in message.body  # the most engaged post is quoted first

    # Calm again: resolved once the next bucket has been judged normal.
    clock.set(SURGE + timedelta(minutes=15))
    for _ in range(2):
        states = [t.state for t in evaluate_once(db, ruleset, config, clock, evaluator=evaluator)]
        clock.advance(BUCKET)
        if states:
            break
    assert states == ["resolved"]


def test_warm_up_is_reported_once_per_rule_and_entity(db: Database, tmp_path: Path) -> None:
    config = config_for("Acme", "Beta", db_url=db.url)
    ruleset = ruleset_from(tmp_path, SPIKE_RULES.replace("entity: Acme", 'entity: "*"'))
    add_mention(db, "Acme", START)
    evaluator = Evaluator()
    clock = SimulatedClock(START + timedelta(minutes=5))
    with structlog.testing.capture_logs() as logs:
        for _ in range(3):
            evaluate_once(db, ruleset, config, clock, evaluator=evaluator)
            clock.advance(BUCKET)
    warming = [e for e in logs if e["event"] == "rule.warming_up"]
    assert sorted(e["labels"]["entity"] for e in warming) == ["Acme", "Beta"]
    assert "warming up" in warming[0]["reason"]
    assert [n.labels["entity"] for n in evaluator.notices] == ["Acme", "Beta"]


def test_group_by_source_and_a_mostly_negative_spike(db: Database, tmp_path: Path) -> None:
    _calm(db, source="x", per_bucket=4)
    _calm(db, source="news", per_bucket=4)
    config = config_for("Acme", db_url=db.url)
    ruleset = ruleset_from(
        tmp_path,
        """\
rules:
  - name: angry-spike
    entity: "*"
    group_by: [entity, source]
    condition:
      kind: all
      conditions:
        - {kind: volume_spike, min_count: 10}
        - {kind: negative_share, window: 5m, above: 0.5, min_count: 10}
""",
    )
    for n in range(30):
        add_mention(
            db, "Acme", SURGE + timedelta(seconds=10 * n), "bad", source="x", label="negative"
        )
    clock = SimulatedClock(SURGE + BUCKET)
    transitions = evaluate_once(db, ruleset, config, clock, evaluator=Evaluator())
    assert [(t.state, t.labels) for t in transitions] == [
        ("firing", {"entity": "Acme", "source": "x"})
    ]


def test_post_based_conditions_and_flatline(db: Database, tmp_path: Path) -> None:
    now = START + timedelta(hours=5)
    config = config_for("Acme", db_url=db.url)
    ruleset = ruleset_from(
        tmp_path,
        """\
rules:
  - name: words
    condition:
      {kind: keywords, phrases: ["rappel produit", "#boycott"], exclude: [jeu], min_count: 2}
  - name: vip
    condition: {kind: influential_author, followers: 100000}
  - name: viral
    condition: {kind: virality, min_gain: 1000, within: 1h}
  - name: quiet-feed
    condition: {kind: flatline, source: rss, silent_for: 2h}
""",
    )
    add_mention(db, "Acme", now - timedelta(hours=3), "old news", source="rss")
    a = add_mention(db, "Acme", now - timedelta(minutes=5), "Rappel produit chez Acme !")
    b = add_mention(db, "Acme", now - timedelta(minutes=4), "#Boycott Acme")
    add_mention(db, "Acme", now - timedelta(minutes=3), "le jeu #boycott Acme")  # excluded
    star = add_mention(
        db, "Acme", now - timedelta(minutes=2), "hello", author="star", followers=2_000_000
    )
    hit = add_mention(db, "Acme", now - timedelta(minutes=30), "viral", likes=5_000)
    clock = SimulatedClock(START)
    evaluator = Evaluator()
    evaluate_once(db, ruleset, config, clock, evaluator=evaluator)  # starts watching
    clock.set(now)
    transitions = evaluate_once(db, ruleset, config, clock, evaluator=evaluator)
    fired = {t.rule: t.labels for t in transitions if t.state == "firing"}
    assert fired == {
        "words": {"entity": "Acme"},
        "vip": {"entity": "Acme"},
        "viral": {"entity": "Acme"},
        "quiet-feed": {"source": "rss"},
    }
    with db.session() as session:
        evidence = {a.rule: a.evidence for a in session.query(Alert)}
        reasons = {a.rule: a.values["reason"] for a in session.query(Alert)}
    assert sorted(evidence["words"]) == [a, b]
    assert evidence["vip"] == [star]
    assert evidence["viral"] == [hit]
    assert "star (2,000,000 followers)" in reasons["vip"]
    assert reasons["quiet-feed"].startswith("silent for")


def test_above_means_more_than_in_every_condition(sqlite_db: Database, tmp_path: Path) -> None:
    """`above: 3` does not fire on 3 mentions but on 4; `above: 0.5` not on exactly half."""
    db = sqlite_db
    config = config_for("Acme", db_url=db.url)
    ruleset = ruleset_from(
        tmp_path,
        """\
rules:
  - name: volume
    condition: {kind: volume, window: 1h, above: 3}
  - name: share
    condition: {kind: negative_share, window: 1h, above: 0.5, min_count: 4}
""",
    )
    evaluator = Evaluator()
    at = START + timedelta(hours=1)
    for n, label in enumerate(["negative", "negative", "positive"]):
        add_mention(db, "Acme", at + timedelta(minutes=n), label=label)
    clock = SimulatedClock(at + timedelta(minutes=3))
    assert evaluate_once(db, ruleset, config, clock, evaluator=evaluator) == []  # 3 is not > 3
    add_mention(db, "Acme", at + timedelta(minutes=3), label="positive")  # 2 of 4: not > 0.5
    clock.set(at + timedelta(minutes=4))
    firing = evaluate_once(db, ruleset, config, clock, evaluator=evaluator)
    assert [t.rule for t in firing] == ["volume"]
    add_mention(db, "Acme", at + timedelta(minutes=5), label="negative")  # 3 of 5 negative
    clock.set(at + timedelta(minutes=6))
    firing = evaluate_once(db, ruleset, config, clock, evaluator=evaluator)
    assert [t.rule for t in firing] == ["share"]


def test_a_new_alert_quotes_its_own_burst_not_an_earlier_more_engaged_one(
    db: Database, tmp_path: Path
) -> None:
    _calm(db)
    config = config_for("Acme", db_url=db.url, receiver="json://localhost/")
    ruleset = ruleset_from(
        tmp_path,
        """\
rules:
  - name: angry-spike
    entity: Acme
    condition:
      kind: all
      conditions:
        - {kind: volume_spike, sensitivity: high, min_count: 10, warm_up: 2d}
        - {kind: negative_share, window: 15m, above: 0.5, min_count: 10}
""",
    )
    evaluator = Evaluator()
    clock = SimulatedClock(SURGE)
    evaluate_once(db, ruleset, config, clock, evaluator=evaluator)
    # An earlier burst, much liked: it fires and resolves.
    first = [
        add_mention(
            db,
            "Acme",
            SURGE + timedelta(seconds=5 + n),
            "earlier burst",
            label="negative",
            likes=99,
        )
        for n in range(30)
    ]
    clock.set(SURGE + timedelta(minutes=2))
    assert [t.state for t in evaluate_once(db, ruleset, config, clock, evaluator=evaluator)] == [
        "firing"
    ]
    resolved: list[str] = []
    while not resolved:
        clock.advance(BUCKET)
        resolved = [t.state for t in evaluate_once(db, ruleset, config, clock, evaluator=evaluator)]
    assert resolved == ["resolved"]
    # 35 minutes after the first, a new burst nobody engaged with.
    later = SURGE + timedelta(minutes=35)
    clock.set(later)
    evaluate_once(db, ruleset, config, clock, evaluator=evaluator)
    second = [
        add_mention(db, "Acme", later + timedelta(seconds=5 + n), "fresh burst", label="negative")
        for n in range(30)
    ]
    clock.set(later + timedelta(minutes=2))
    assert [t.state for t in evaluate_once(db, ruleset, config, clock, evaluator=evaluator)] == [
        "firing"
    ]
    with db.session() as session:
        old_alert, new_alert = session.query(Alert).order_by(Alert.id).all()
        assert set(old_alert.evidence) <= set(first)
        assert len(new_alert.evidence) == 5
        assert set(new_alert.evidence) <= set(second)
        message = session.query(Notification).filter_by(kind="firing").order_by(Notification.id)
        body = message.all()[-1].body
    assert "fresh burst" in body and "earlier burst" not in body
    # The page's Values table says which span each count covers (they differ per condition).
    rows = dict(PageWords("fr").alert_values(new_alert.values))
    assert rows["Mentions (5 min)"] == "30"
    assert rows["Mentions négatives (15 min)"] == rows["Évaluées (15 min)"] == "30"
    assert "Mentions" not in rows
