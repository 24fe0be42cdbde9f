"""Delivery faults: order after an outage, slow receivers, dead letters, rule edits, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from alerting_helpers import AT, RULE, add_alert, add_mention, config_with, ruleset
from conftest import free_port
from feed_server import FeedServer
from pipeline_helpers import write_setup
from smtp_server import SmtpSink
from structlog.testing import capture_logs
from webhook_server import WebhookServer

from warden.alerts.lifecycle import apply_results, fingerprint
from warden.alerts.pipeline import notify
from warden.clock import SimulatedClock, SystemClock
from warden.config import load_config
from warden.notify.dispatcher import Dispatcher, DispatchReport
from warden.rules.evaluate import RuleResult
from warden.rules.schema import Rule
from warden.store.db import Database
from warden.store.models import Alert, AlertGroup, Notification
from warden.web.server import health_report


def _statuses(db: Database) -> list[tuple[str, str]]:
    with db.session() as session:
        rows = session.query(Notification).order_by(Notification.id)
        return [(n.kind, n.status) for n in rows]


def test_after_an_outage_a_resolved_alert_is_not_preceded_by_a_late_alert(
    tmp_path: Path, sqlite_db: Database
) -> None:
    port = free_port()  # nothing listens yet: the receiver is down
    config = config_with(
        tmp_path,
        [{"name": "hook", "urls": [f"json://127.0.0.1:{port}/hook"], "timeout": "2s"}],
    )
    clock = SimulatedClock(AT)
    dispatcher = Dispatcher(sqlite_db, config.receivers, config.notifications, clock)
    alert_id = add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "bad")])
    with sqlite_db.session() as session:
        notify(session, ruleset(RULE), config, clock.now())
    assert dispatcher.dispatch_due().failed == 1
    clock.advance(timedelta(minutes=10))
    with sqlite_db.session() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        alert.state, alert.resolved_at = "resolved", clock.now()
        notify(session, ruleset(RULE), config, clock.now())
    # The ALERT never went out; the RESOLVED message replaces it rather than follow it.
    assert _statuses(sqlite_db) == [("firing", "superseded"), ("resolved", "pending")]
    with WebhookServer(port=port) as hook:
        assert dispatcher.dispatch_due().sent == 1
        (request,) = hook.wait_for(1)
    assert request.json["title"].startswith("[RESOLVED]")
    assert (
        "Resolved at 2026-03-02 09:15 UTC (firing since 2026-03-02 09:05 UTC, lasted 10 min)."
        in (request.json["message"])
    )
    assert _statuses(sqlite_db) == [("firing", "superseded"), ("resolved", "sent")]


def test_messages_of_one_stream_go_out_in_order(tmp_path: Path, sqlite_db: Database) -> None:
    with WebhookServer() as hook:
        config = config_with(tmp_path, [{"name": "hook", "urls": [hook.json_url()]}])
        clock = SimulatedClock(AT)
        with sqlite_db.session() as session:
            for n, kind in enumerate(("firing", "repeat")):
                session.add(
                    Notification(
                        receiver="hook",
                        target=0,
                        kind=kind,
                        idempotency_key=f"k{n}",
                        stream="hook:0:topic",
                        severity="warning",
                        title=kind,
                        body=kind,
                        status="pending",
                        attempts=0,
                        uncertain=0,
                        # the older one is in back-off: due later than the newer one
                        next_attempt_at=AT + timedelta(seconds=30 if n == 0 else 0),
                        created_at=AT,
                    )
                )
        dispatcher = Dispatcher(sqlite_db, config.receivers, config.notifications, clock)
        assert dispatcher.dispatch_due().sent == 0  # the newer one waits for the older
        clock.advance(timedelta(seconds=30))
        assert dispatcher.dispatch_due().sent == 1
        assert dispatcher.dispatch_due().sent == 1
        titles = [r.json["title"] for r in hook.wait_for(2)]
    assert titles == ["firing", "repeat"]


@pytest.mark.slow
def test_slow_webhook_gets_one_copy_within_its_timeout(tmp_path: Path, sqlite_db: Database) -> None:
    with WebhookServer(delay=8) as hook:
        config = config_with(
            tmp_path, [{"name": "slow", "urls": [hook.json_url()], "timeout": "12s"}]
        )
        add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "bad")])
        with sqlite_db.session() as session:
            notify(session, ruleset(RULE), config, AT)
        report = Dispatcher(
            sqlite_db, config.receivers, config.notifications, SimulatedClock(AT)
        ).dispatch_due()
        assert report.sent == 1
        assert hook.arrived == 1
    assert _statuses(sqlite_db) == [("firing", "sent")]


def test_a_message_that_may_have_arrived_is_resent_once_with_its_key(
    tmp_path: Path, sqlite_db: Database
) -> None:
    with WebhookServer(delay=3) as hook:
        config = config_with(
            tmp_path,
            [{"name": "slow", "urls": [hook.json_url()], "timeout": "1s", "uncertain_retries": 1}],
        )
        add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "bad")])
        with sqlite_db.session() as session:
            notify(session, ruleset(RULE), config, AT)
        clock = SimulatedClock(AT)
        dispatcher = Dispatcher(sqlite_db, config.receivers, config.notifications, clock)
        first = dispatcher.dispatch_due()
        assert (first.sent, first.failed) == (0, 1)
        for _ in range(3):
            clock.advance(timedelta(seconds=5))
            dispatcher.dispatch_due()
        requests = hook.wait_for(2)
        time.sleep(0.5)
        assert hook.arrived == 2  # the first try and one re-send, never more
    keys = {r.headers["idempotency-key"] for r in requests}
    assert len(keys) == 1 and next(iter(keys)).startswith("slow|alert:")
    with sqlite_db.session() as session:
        row = session.query(Notification).one()
        assert row.status == "unconfirmed" and row.uncertain == 2
        assert "may have arrived" in (row.last_error or "")


def test_dead_message_goes_to_the_fallback_receiver(
    tmp_path: Path, sqlite_db: Database, smtp: SmtpSink
) -> None:
    port = free_port()
    config = config_with(
        tmp_path,
        [
            {
                "name": "hook",
                "urls": [f"json://127.0.0.1:{port}/down"],
                "dead_after": "30m",
                "fallback": "mail",
            },
            {"name": "mail", "urls": [smtp.url()], "severities": []},
        ],
    )
    add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "bad")])
    with sqlite_db.session() as session:
        notify(session, ruleset(RULE), config, AT)
    clock = SimulatedClock(AT)
    dispatcher = Dispatcher(sqlite_db, config.receivers, config.notifications, clock)
    assert dispatcher.dispatch_due().failed == 1
    clock.advance(timedelta(minutes=31))
    assert dispatcher.dispatch_due().dead == 1
    assert dispatcher.dispatch_due().sent == 1
    (mail,) = smtp.wait_for(1)
    assert mail.subject.startswith("[UNDELIVERED to hook] [ALERT] CRITICAL acme-negative")
    assert "Warden could not deliver this to hook" in mail.text
    assert _statuses(sqlite_db) == [("firing", "dead"), ("firing", "sent")]
    status, health = health_report(sqlite_db, [], clock)()
    assert status == 200 and health["outbox"] == {"dead": 1, "sent": 1}


def _result(rule: Rule, labels: dict[str, str], active: bool = True) -> RuleResult:
    return RuleResult(rule, labels, active, {"count": 9, "reason": "9 mentions"})


def test_editing_a_firing_rules_labels_carries_or_closes_its_alert(
    tmp_path: Path, sqlite_db: Database
) -> None:
    old = Rule.model_validate({**RULE, "labels": {"team": "comms"}})
    new = Rule.model_validate({**RULE, "labels": {"team": "crisis"}})
    with sqlite_db.session() as session:
        apply_results(session, [_result(old, {"entity": "Acme", "team": "comms"})], AT)
        (alert,) = session.query(Alert).all()
        alert_id = alert.id
        assert alert.state == "firing"
        # The label changes while the condition still holds: same alert, new fingerprint.
        later = AT + timedelta(minutes=1)
        moved = apply_results(session, [_result(new, {"entity": "Acme", "team": "crisis"})], later)
        assert moved == []  # no second ALERT
        (alert,) = session.query(Alert).all()
        assert alert.id == alert_id and alert.state == "firing"
        assert alert.labels == {"entity": "Acme", "team": "crisis"}
        assert alert.fingerprint == fingerprint(RULE["name"], alert.labels)
        # Edited again, now to a rule whose condition no longer holds there: resolved.
        other = Rule.model_validate({**RULE, "labels": {"team": "x"}})
        done = apply_results(
            session, [_result(other, {"entity": "Acme", "team": "x"}, active=False)], later
        )
        assert [t.state for t in done] == ["resolved"]
        assert alert.state == "resolved" and alert.annotations["resolved_reason"] == "rule changed"
        # A rule removed from the files resolves its alerts too.
        apply_results(session, [_result(old, {"entity": "Beta", "team": "comms"})], later)
        beta = session.query(Alert).filter(Alert.state == "firing").one()
        apply_results(session, [], later, rule_names=[])
        assert beta.state == "resolved" and beta.annotations["resolved_reason"] == "rule removed"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("WARDEN_SENTIMENT_MODEL", None)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    return env


@pytest.mark.slow
def test_sigkill_between_send_and_record_loses_nothing_and_duplicates_at_most_once(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    db_path = tmp_path / "warden.db"
    with FeedServer() as feed, WebhookServer(delay=60) as hook:
        config = write_setup(
            tmp_path,
            db_url=f"sqlite:///{db_path}",
            feed_url=feed.url,
            receiver_url=hook.json_url(),
            model_dir=tiny_model_dir,
        )
        with config.open("a") as f:
            f.write("    timeout: 1s\n")
        command = [sys.executable, "-m", "warden", "run", "-c", str(config)]
        log_path = tmp_path / "warden.log"
        with log_path.open("w") as log_file:
            first = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, env=_env())
            try:
                # The first poll sets the feed's starting point; what comes after it is news.
                deadline = time.monotonic() + 60
                while feed.requests < 2 and time.monotonic() < deadline:
                    time.sleep(0.1)
                for n in range(6):
                    feed.add(f"n{n}", f"Acme outage {n}", f"Acme is terrible today, awful {n}")
                deadline = time.monotonic() + 120
                while hook.arrived == 0 and time.monotonic() < deadline:
                    time.sleep(0.05)
                assert hook.arrived == 1, "the first message never reached the webhook"
                first.send_signal(signal.SIGKILL)  # mid-request: sent, not recorded
                first.wait(timeout=10)
            finally:
                if first.poll() is None:
                    first.kill()
            hook.delay = 0
        # Warden restarted: its dispatcher finds the message leased and never recorded. Its
        # clock is set past the lease instead of waiting for it.
        loaded = load_config(config)
        db = Database(loaded.database_url)
        later = SimulatedClock(SystemClock().now() + timedelta(minutes=1))
        with capture_logs() as logs:
            report = Dispatcher(db, loaded.receivers, loaded.notifications, later).dispatch_due()
        assert report.sent == 1
        with db.session() as session:
            statuses = [n.status for n in session.query(Notification)]
        assert [e["event"] for e in logs if e["event"].startswith("notify.")] == [
            "notify.interrupted",
            "notify.sent",
        ]
    assert statuses == ["sent"], statuses
    assert hook.arrived == 2  # one duplicate at most, with the same key
    assert len({r.headers["idempotency-key"] for r in hook.received}) == 1
    events = [json.loads(x) for x in log_path.read_text().splitlines() if x.startswith("{")]
    assert "notify.enqueued" in [e["event"] for e in events]
    assert "notify.sent" not in [e["event"] for e in events]  # killed before recording it


EDITED_RULES = """\
rules:
  - name: acme-volume
    entity: Acme
    condition: {{kind: volume, window: 1h, above: 3}}
    labels: {{team: {team}}}
"""


def test_a_rule_file_edit_sends_no_second_alert_and_leaves_nothing_open(
    tmp_path: Path, db: Database
) -> None:
    import rules_helpers

    from warden.alerts.stage import evaluate_once
    from warden.rules.evaluate import Evaluator

    config = rules_helpers.config_for("Acme", db_url=db.url, receiver="json://127.0.0.1:9/")
    clock = SimulatedClock(AT)
    evaluator = Evaluator()
    for n in range(5):
        rules_helpers.add_mention(db, "Acme", AT - timedelta(minutes=n), label="negative")

    def cycle(team: str) -> list[str]:
        rules = rules_helpers.ruleset_from(tmp_path, EDITED_RULES.format(team=team))
        done = evaluate_once(db, rules, config, clock, evaluator=evaluator)
        clock.advance(timedelta(minutes=1))
        return [t.state for t in done]

    assert cycle("comms") == ["firing"]
    assert cycle("crisis") == []  # labels edited while firing: carried, not re-sent
    with db.session() as session:
        (alert,) = session.query(Alert).all()
        assert alert.state == "firing" and alert.labels == {"entity": "Acme", "team": "crisis"}
        assert [n.kind for n in session.query(Notification)] == ["firing"]
    removed = rules_helpers.ruleset_from(tmp_path, "rules: []\n")
    done = evaluate_once(db, removed, config, clock)
    assert [t.state for t in done] == ["resolved"]
    clock.advance(timedelta(minutes=2))
    evaluate_once(db, removed, config, clock)
    with db.session() as session:
        (alert,) = session.query(Alert).all()
        assert alert.state == "resolved" and alert.annotations["resolved_reason"] == "rule removed"
        assert [n.kind for n in session.query(Notification).order_by(Notification.id)] == [
            "firing",
            "resolved",
        ]
        assert "Now: rule removed" in session.query(Notification).all()[-1].body


def test_a_resolution_held_by_an_outage_is_dropped_when_the_same_alert_fires_again(
    tmp_path: Path, sqlite_db: Database
) -> None:
    from warden.alerts.listing import list_alerts

    port = free_port()
    sink = SmtpSink(port)
    config = config_with(
        tmp_path,
        [{"name": "mail", "urls": [sink.url()], "timeout": "5s"}],
        group_by=["..."],
    )
    clock = SimulatedClock(AT)
    dispatcher = Dispatcher(sqlite_db, config.receivers, config.notifications, clock)
    first = add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "bad")])
    sink.start()
    try:
        with sqlite_db.session() as session:
            notify(session, ruleset(RULE), config, clock.now())
        assert dispatcher.dispatch_due().sent == 1
        sink.wait_for(1)
    finally:
        sink.stop()
    # The mail server goes down; the alert resolves and its RESOLVED cannot be sent.
    clock.advance(timedelta(minutes=10))
    with sqlite_db.session() as session:
        alert = session.get(Alert, first)
        assert alert is not None
        alert.state, alert.resolved_at = "resolved", clock.now()
        notify(session, ruleset(RULE), config, clock.now())
    assert dispatcher.dispatch_due().failed == 1
    # The same rule and labels fire again (a new alert) before the server is back.
    clock.advance(timedelta(minutes=1))
    second = add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "worse")], at=clock.now())
    with sqlite_db.session() as session:
        notify(session, ruleset(RULE), config, clock.now())
    sink = SmtpSink(port)
    sink.start()
    try:
        clock.advance(timedelta(minutes=1))
        for _ in range(3):
            dispatcher.dispatch_due()
            clock.advance(timedelta(seconds=5))
        time.sleep(0.5)
        received = sink.messages
    finally:
        sink.stop()
    # The inbox's latest says what is true: firing. The stale RESOLVED never went out.
    assert [m.subject.split("]")[0] for m in received] == ["[ALERT"]
    assert _statuses(sqlite_db) == [
        ("firing", "sent"),
        ("resolved", "superseded"),
        ("firing", "sent"),
    ]
    with sqlite_db.session() as session:
        rows = {r.id: r for r in list_alerts(session, config, clock.now(), timedelta(days=1))}
    assert rows[first].delivery["mail"]["status"] == "superseded"
    assert rows[first].delivery["mail"]["kind"] == "resolved"
    assert rows[second].delivery["mail"]["status"] == "sent"


def test_a_resolution_failing_while_the_same_alert_fires_again_is_not_retried(
    tmp_path: Path, sqlite_db: Database
) -> None:
    port = free_port()  # the mail server is down
    config = config_with(
        tmp_path,
        [{"name": "mail", "urls": [SmtpSink(port).url()], "timeout": "2s"}],
        group_by=["..."],
    )
    clock = SimulatedClock(AT)
    dispatcher = Dispatcher(sqlite_db, config.receivers, config.notifications, clock)
    first = add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "bad")])
    clock.advance(timedelta(minutes=10))
    with sqlite_db.session() as session:
        alert = session.get(Alert, first)
        assert alert is not None
        alert.state, alert.resolved_at = "resolved", clock.now()
        alert.last_notified_at = AT
        session.add(
            AlertGroup(
                key=f"mail|alert:{first}",
                receiver="mail",
                labels={},
                first_seen_at=AT,
                last_sent_at=AT,
                firing_ids=[first],
            )
        )
        notify(session, ruleset(RULE), config, clock.now())
    # The RESOLVED is being tried (leased) when the same rule and labels fire again: the new
    # ALERT cannot replace it yet; once that attempt fails, it is dropped, not retried.
    leased = dispatcher._lease(10, DispatchReport())
    add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "worse")], at=clock.now())
    with sqlite_db.session() as session:
        notify(session, ruleset(RULE), config, clock.now())
    ((target, ids),) = leased.items()
    dispatcher._serve(target, ids)
    assert _statuses(sqlite_db) == [("resolved", "superseded"), ("firing", "pending")]
    sink = SmtpSink(port)
    sink.start()
    try:
        clock.advance(timedelta(minutes=1))
        assert dispatcher.dispatch_due().sent == 1
        (mail,) = sink.wait_for(1)
    finally:
        sink.stop()
    assert mail.subject.startswith("[ALERT]")
