"""The on-call lifecycle on a controllable clock: grouping, inhibition, silences, ack,
escalation and quiet hours decide which messages reach the outbox, and when."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alerting_helpers import AT, RULE, add_alert, add_mention, config_with, ruleset

from warden.alerts import silences
from warden.alerts.ack import acknowledge
from warden.alerts.pipeline import notify
from warden.config import Config
from warden.store.db import Database
from warden.store.models import Alert, AlertGroup, Notification

RULES = ruleset(
    RULE,
    {**RULE, "name": "acme-volume", "severity": "warning"},
    {**RULE, "name": "acme-info", "severity": "info"},
)


def _run(db: Database, config: Config, at: datetime) -> list[tuple[str, str, list[int]]]:
    """One pipeline pass at `at`; the messages it enqueued: (receiver, kind, alert ids)."""
    with db.session() as session:
        before = session.query(Notification).count()
        notify(session, RULES, config, at)
        rows = session.query(Notification).order_by(Notification.id).offset(before).all()
        return [(n.receiver, n.kind, list(n.alert_ids or [])) for n in rows]


def _config(tmp_path: Path, receivers: list[dict[str, Any]] | None = None, **kw: Any) -> Config:
    return config_with(
        tmp_path, receivers or [{"name": "oncall", "urls": ["json://127.0.0.1:9/x"]}], **kw
    )


def test_grouping_sends_one_message_per_group_and_waits(tmp_path: Path, db: Database) -> None:
    config = _config(
        tmp_path,
        group_by=["entity"],
        group_wait="30s",
        group_interval="5m",
        repeat_interval="1h",
        inhibit_rules=[],
    )
    a = add_alert(db, "acme-negative")
    b = add_alert(db, "acme-volume", severity="warning")
    assert _run(db, config, AT) == []  # group_wait: more may come
    assert _run(db, config, AT + timedelta(seconds=30)) == [("oncall", "firing", [a, b])]
    with db.session() as session:
        body = session.query(Notification).one().body
    assert "1/2 · CRITICAL acme-negative: Acme" in body and "2/2 · WARNING acme-volume" in body
    c = add_alert(db, "acme-info", severity="info")
    assert _run(db, config, AT + timedelta(minutes=1)) == []  # group_interval
    assert _run(db, config, AT + timedelta(minutes=6)) == [("oncall", "firing", [a, b, c])]
    assert _run(db, config, AT + timedelta(minutes=30)) == []
    assert _run(db, config, AT + timedelta(minutes=66)) == [("oncall", "repeat", [a, b, c])]
    with db.session() as session:
        for alert in session.query(Alert):
            alert.state, alert.resolved_at = "resolved", AT + timedelta(minutes=70)
    assert _run(db, config, AT + timedelta(minutes=72)) == [("oncall", "resolved", [a, b, c])]
    assert _run(db, config, AT + timedelta(hours=3)) == []


def test_critical_inhibits_warnings_on_the_same_entity(tmp_path: Path, db: Database) -> None:
    config = _config(tmp_path)
    crit = add_alert(db, "acme-negative")
    add_alert(db, "acme-volume", severity="warning")
    other = add_alert(db, "acme-volume", {"entity": "Beta"}, severity="warning")
    assert sorted(_run(db, config, AT)) == [
        ("oncall", "firing", [crit]),
        ("oncall", "firing", [other]),
    ]


def test_silenced_alerts_are_recorded_but_not_sent_until_the_silence_ends(
    tmp_path: Path, db: Database
) -> None:
    config = _config(tmp_path)
    with db.session() as session:
        silences.add(
            session,
            [silences.parse_matcher("entity=Acme"), silences.parse_matcher("rule=~acme-.*")],
            timedelta(hours=2),
            "alice",
            "known outage",
            AT,
        )
    alert_id = add_alert(db)
    assert _run(db, config, AT) == []
    assert _run(db, config, AT + timedelta(hours=1)) == []
    with db.session() as session:
        assert session.get(Alert, alert_id) is not None  # still recorded
    assert _run(db, config, AT + timedelta(hours=2)) == [("oncall", "firing", [alert_id])]


def test_ack_stops_repeats_and_escalation_until_resolved(tmp_path: Path, db: Database) -> None:
    config = _config(
        tmp_path,
        [
            {
                "name": "oncall",
                "urls": ["json://127.0.0.1:9/x"],
                "escalate_to": "lead",
                "escalate_after": "15m",
            },
            {"name": "lead", "urls": ["json://127.0.0.1:9/lead"], "severities": []},
        ],
        repeat_interval="10m",
    )
    acked = add_alert(db, "acme-negative")
    loud = add_alert(db, "acme-negative", {"entity": "Beta"})
    assert len(_run(db, config, AT)) == 2
    with db.session() as session:
        fingerprint = session.get(Alert, acked).fingerprint  # type: ignore[union-attr]
        assert acknowledge(session, fingerprint[:8], "alice", AT).id == acked
    # Beta: repeated at 10 min, escalated to the lead at 15; Acme (acknowledged): neither.
    assert _run(db, config, AT + timedelta(minutes=10)) == [("oncall", "repeat", [loud])]
    assert _run(db, config, AT + timedelta(minutes=15)) == [("lead", "firing", [loud])]
    with db.session() as session:
        alert = session.get(Alert, acked)
        assert alert is not None
        alert.state, alert.resolved_at = "resolved", AT + timedelta(minutes=19)
    assert _run(db, config, AT + timedelta(minutes=19)) == [("oncall", "resolved", [acked])]


def test_quiet_hours_hold_warnings_but_critical_pierces(tmp_path: Path, db: Database) -> None:
    config = _config(
        tmp_path,
        [
            {
                "name": "oncall",
                "urls": ["json://127.0.0.1:9/x"],
                "timezone": "Europe/Paris",
                "quiet_hours": {"start": "22:00", "end": "07:00"},
            }
        ],
        inhibit_rules=[],
        repeat_interval="12h",
    )
    night = datetime.fromisoformat("2026-03-02T22:30:00+00:00")  # 23:30 in Paris
    warning = add_alert(db, "acme-volume", severity="warning", at=night)
    critical = add_alert(db, "acme-negative", {"entity": "Beta"}, at=night)
    assert _run(db, config, night) == [("oncall", "firing", [critical])]
    assert _run(db, config, night + timedelta(hours=7)) == []  # 06:30 Paris
    assert _run(db, config, night + timedelta(hours=7, minutes=30)) == [
        ("oncall", "firing", [warning])
    ]


def test_an_alert_waits_for_the_scores_of_the_mentions_it_quotes(
    tmp_path: Path, db: Database
) -> None:
    config = _config(tmp_path, wait_for_scores="2m")
    unscored = add_mention(db, "pas content", label=None)
    alert_id = add_alert(db, evidence=[unscored])
    assert _run(db, config, AT) == []
    assert _run(db, config, AT + timedelta(minutes=2)) == [("oncall", "firing", [alert_id])]


def test_alert_firing_is_logged_at_its_severity(db: Database) -> None:
    from structlog.testing import capture_logs

    from warden.alerts.lifecycle import apply_results
    from warden.rules.evaluate import RuleResult
    from warden.rules.schema import Rule

    levels = {}
    for severity in ("info", "warning", "critical"):
        rule = Rule.model_validate({**RULE, "name": f"r-{severity}", "severity": severity})
        with capture_logs() as logs, db.session() as session:
            apply_results(session, [RuleResult(rule, {"entity": "Acme"}, True, {})], AT)
        (event,) = [e for e in logs if e["event"] == "alert.firing"]
        levels[severity] = event["log_level"]
    assert levels == {"info": "info", "warning": "warning", "critical": "error"}


def test_a_group_resolved_before_its_first_message_sends_nothing(
    tmp_path: Path, db: Database
) -> None:
    config = _config(tmp_path, group_by=["entity"], group_wait="1m")
    alert_id = add_alert(db)
    assert _run(db, config, AT) == []
    with db.session() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        alert.state, alert.resolved_at = "resolved", AT + timedelta(seconds=30)
    assert _run(db, config, AT + timedelta(seconds=30)) == []
    assert _run(db, config, AT + timedelta(minutes=5)) == []
    with db.session() as session:
        assert session.query(AlertGroup).count() == 0


def test_a_resolved_alert_keeps_the_figures_it_fired_with_and_its_peak(db: Database) -> None:
    from datetime import timedelta

    from warden.alerts.lifecycle import apply_results
    from warden.rules.evaluate import RuleResult
    from warden.rules.schema import Rule
    from warden.store.models import Alert

    rule = Rule.model_validate({**RULE, "name": "r-peak"})
    labels = {"entity": "Acme"}
    steps = [(True, 4), (True, 9), (True, 5), (False, 0)]
    for n, (active, count) in enumerate(steps):
        values = {"count": count, "reason": f"{count} mentions in the last 5m"}
        with db.session() as session:
            apply_results(
                session, [RuleResult(rule, labels, active, values)], AT + timedelta(minutes=n)
            )
    with db.session() as session:
        (alert,) = session.query(Alert).filter(Alert.rule == "r-peak").all()
        assert alert.state == "resolved"
        assert alert.values["count"] == 5 and alert.values["peak"] == 9  # not "0 mentions"
        assert alert.annotations["resolved_reason"] == "0 mentions in the last 5m"


def test_evidence_refreshed_after_firing_does_not_hold_the_first_message(
    tmp_path: Path, db: Database
) -> None:
    config = _config(tmp_path, wait_for_scores="2m")
    scored = add_mention(db, "service lamentable", n=1)
    alert_id = add_alert(db, evidence=[scored])
    # the next evaluation quotes a newer post, not scored yet: no reason to wait for it
    newer = add_mention(db, "toujours en panne", n=2, label=None, at=AT + timedelta(seconds=20))
    with db.session() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        alert.evidence = [newer, scored]
    sent = _run(db, config, AT + timedelta(seconds=30))
    assert sent == [("oncall", "firing", [alert_id])]
    with db.session() as session:
        body = session.query(Notification).one().body
    assert "toujours en panne" in body and "not scored yet" in body  # the evidence as it stands


def test_after_its_inhibition_ends_an_alert_is_sent_only_if_it_still_fires(
    tmp_path: Path, db: Database
) -> None:
    config = _config(tmp_path)
    crit = add_alert(db, "acme-negative")
    gone = add_alert(db, "acme-info", severity="info", at=AT - timedelta(minutes=19))
    still = add_alert(db, "acme-volume", severity="warning")
    assert _run(db, config, AT) == [("oncall", "firing", [crit])]  # the others are inhibited
    later = AT + timedelta(minutes=19)
    with db.session() as session:
        for alert in session.query(Alert):
            alert.last_eval_at = later
            if alert.id == crit:
                alert.state, alert.resolved_at = "resolved", later
            elif alert.id == still:
                alert.last_true_at = later  # its condition still holds
            # `gone`: its condition stopped holding; only keep_firing_for keeps it open
    sent = _run(db, config, later)
    assert ("oncall", "firing", [still]) in sent
    assert all(gone not in ids for _, _, ids in sent)  # not sent stale after the inhibition
