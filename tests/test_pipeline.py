"""The whole flow in one process, on SQLite and PostgreSQL: feed → store → score → rule → e-mail."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from feed_server import FeedServer
from pipeline_helpers import write_setup
from smtp_server import SmtpSink

from warden.alerts.stage import evaluate_once
from warden.clock import SimulatedClock, SystemClock
from warden.config import load_config
from warden.entities import matcher_from_settings
from warden.notify.dispatcher import Dispatcher
from warden.rules.loader import load_rules
from warden.sentiment.loader import load_scorer
from warden.sentiment.stage import score_pending
from warden.sources.http import HttpFetcher
from warden.sources.poller import poll_source
from warden.sources.registry import build_source
from warden.store.db import Database
from warden.store.models import Alert, Mention, MentionEntity, Notification

ANGRY = "Acme is terrible, I hate this awful service"


def test_feed_to_email_on_both_databases(
    tmp_path: Path, db: Database, smtp: SmtpSink, tiny_model_dir: Path
) -> None:
    with FeedServer() as feed:
        config = load_config(
            write_setup(
                tmp_path,
                db_url=db.url,
                feed_url=feed.url,
                receiver_url=smtp.url(),
                model_dir=tiny_model_dir,
            )
        )
        clock = SimulatedClock(SystemClock().now())
        matcher = matcher_from_settings(config.entities)
        source = build_source(config.sources[0])
        http = HttpFetcher(sleep=lambda _s: None)

        def poll() -> tuple[int, int]:
            outcome = poll_source(db, source, matcher, http, clock, timedelta(minutes=1))
            assert outcome.error is None
            return outcome.inserted, outcome.duplicates

        feed.add("other", "Weather", "Sunny all week")  # matches no entity, still stored
        assert poll() == (1, 0)  # the first poll: the feed's past (backfill)
        for n in range(3):
            feed.add(f"a{n}", f"Acme news {n}", f"{ANGRY} #{n}")
        assert poll() == (3, 1)
        assert poll() == (0, 4)  # the same feed again: nothing new
        for n in range(3, 7):
            feed.add(f"a{n}", f"ACME Bank update {n}", f"{ANGRY} #{n}")
        assert poll() == (4, 4)
        # A restart (new fetcher, new adapter) neither skips nor re-imports.
        source = build_source(config.sources[0])
        http = HttpFetcher(sleep=lambda _s: None)
        assert poll() == (0, 8)

        scorer = load_scorer(config.sentiment)
        assert score_pending(db, scorer, clock) == 8
        assert score_pending(db, scorer, clock) == 0

        ruleset = load_rules(config)
        transitions = evaluate_once(db, ruleset, config, clock)
        assert [(t.rule, t.state, t.labels) for t in transitions] == [
            ("acme-volume", "firing", {"entity": "Acme"})
        ]
        dispatcher = Dispatcher(db, config.receivers, config.notifications, clock)
        assert dispatcher.dispatch_due().sent == 1
        (mail,) = smtp.wait_for(1)
        assert "acme-volume" in mail.subject and "Acme" in mail.subject
        assert "7 mentions of Acme in 1h (threshold 5)" in mail.text
        assert ANGRY in mail.text
        assert "https://news.example.com/a" in mail.text

        # Still firing on the next cycles: no new message.
        for _ in range(3):
            clock.advance(timedelta(minutes=1))
            assert evaluate_once(db, ruleset, config, clock) == []
            assert dispatcher.dispatch_due().sent == 0
        assert len(smtp.messages) == 1

        # Two hours later the mentions have left the window: one "resolved" message.
        clock.advance(timedelta(hours=2))
        transitions = evaluate_once(db, ruleset, config, clock)
        assert [t.state for t in transitions] == ["resolved"]
        assert dispatcher.dispatch_due().sent == 1
        resolved = smtp.wait_for(2)[1]
        assert "RESOLVED" in resolved.subject

    with db.session() as session:
        assert session.query(Mention).count() == 8
        alert = session.query(Alert).one()
        assert alert.state == "resolved" and alert.labels == {"entity": "Acme"}
        assert {n.kind for n in session.query(Notification)} == {"firing", "resolved"}


def test_undeliverable_message_is_retried_until_delivered(
    tmp_path: Path, sqlite_db: Database, tiny_model_dir: Path
) -> None:
    from conftest import free_port

    port = free_port()
    sink = SmtpSink(port=port)  # not started yet: the mail server is down
    with FeedServer() as feed:
        config = load_config(
            write_setup(
                tmp_path,
                db_url=sqlite_db.url,
                feed_url=feed.url,
                receiver_url=sink.url(),
                model_dir=tiny_model_dir,
            )
        )
        clock = SimulatedClock(SystemClock().now())
        source = build_source(config.sources[0])
        matcher = matcher_from_settings(config.entities)
        poll_source(sqlite_db, source, matcher, HttpFetcher(), clock, timedelta(minutes=1))
        for n in range(6):  # after the first poll (the feed's starting point): news
            feed.add(f"x{n}", "Acme", f"{ANGRY} {n}")
        poll_source(sqlite_db, source, matcher, HttpFetcher(), clock, timedelta(minutes=1))
    ruleset = load_rules(config)
    assert [t.state for t in evaluate_once(sqlite_db, ruleset, config, clock)] == ["firing"]
    dispatcher = Dispatcher(sqlite_db, config.receivers, config.notifications, clock)
    # Nothing is scored here: the alert waits for the scores of the mentions it quotes ...
    assert dispatcher.dispatch_due().failed == 0
    # ... for notifications.wait_for_scores (2 min), then goes out saying they are not scored.
    clock.advance(timedelta(minutes=2))
    evaluate_once(sqlite_db, ruleset, config, clock)

    report = dispatcher.dispatch_due()
    assert (report.sent, report.failed) == (0, 1)
    with sqlite_db.session() as session:
        row = session.query(Notification).one()
        assert row.status == "pending" and row.attempts == 1
        assert row.last_error and row.next_attempt_at > clock.now()
    # Not due yet: nothing is attempted.
    assert dispatcher.dispatch_due().failed == 0
    clock.advance(timedelta(seconds=1))
    assert dispatcher.dispatch_due().failed == 1  # still down; back-off doubles (capped at 2s)

    sink.start()
    try:
        clock.advance(timedelta(seconds=3))
        assert dispatcher.dispatch_due().sent == 1
        (mail,) = sink.wait_for(1)
        assert "not scored yet" in mail.text
        clock.advance(timedelta(minutes=5))
        assert dispatcher.dispatch_due().sent == 0  # delivered once, never twice
    finally:
        sink.stop()
    with sqlite_db.session() as session:
        row = session.query(Notification).one()
        assert row.status == "sent" and row.attempts == 3 and row.last_error is None


def test_a_new_feed_full_of_undated_items_is_history_not_a_surge(
    tmp_path: Path, db: Database, smtp: SmtpSink, tiny_model_dir: Path
) -> None:
    """Issue: a new feed whose 25 items carry no date fired a volume alert on its first poll.
    The first poll is stored, tagged and scored, but not counted; what comes after is."""
    with FeedServer() as feed:
        config = load_config(
            write_setup(
                tmp_path,
                db_url=db.url,
                feed_url=feed.url,
                receiver_url=smtp.url(),
                model_dir=tiny_model_dir,
            )
        )
        feed.dated = False
        clock = SimulatedClock(SystemClock().now())
        matcher = matcher_from_settings(config.entities)
        source = build_source(config.sources[0])
        http = HttpFetcher(sleep=lambda _s: None)
        ruleset = load_rules(config)
        for n in range(25):
            feed.add(f"old{n}", f"Acme archive {n}", ANGRY)
        first = poll_source(db, source, matcher, http, clock, timedelta(minutes=1))
        assert first.inserted == 25
        assert score_pending(db, load_scorer(config.sentiment), clock) == 25  # scored too
        assert evaluate_once(db, ruleset, config, clock) == []
        with db.session() as session:
            tagged = session.query(MentionEntity).count()
            assert tagged == 25 and session.query(Mention).filter_by(backfill=True).count() == 25
        clock.advance(timedelta(minutes=1))
        for n in range(6):  # news after Warden started watching: counted
            feed.add(f"new{n}", f"Acme today {n}", ANGRY)
        assert poll_source(db, source, matcher, http, clock, timedelta(minutes=1)).inserted == 6
        transitions = evaluate_once(db, ruleset, config, clock)
        assert [(t.rule, t.state) for t in transitions] == [("acme-volume", "firing")]
        with db.session() as session:
            alert = session.query(Alert).one()
            assert alert.values["count"] == 6
            evidence = session.query(Mention).filter(Mention.id.in_(alert.evidence)).all()
            assert evidence and not any(m.backfill for m in evidence)
