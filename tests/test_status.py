"""`warden status`: sources, backlog, firing alerts, silences, outbox, instances and their
leases, as a table and as JSON, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from pipeline_helpers import write_setup

from warden.cli import main
from warden.sources.base import MentionDraft
from warden.sources.ingest import record_success, source_state
from warden.store.db import Database
from warden.store.locks import lock_key
from warden.store.mentions import store_mentions
from warden.store.models import Alert, Notification, Silence


def fill(db: Database) -> None:
    now = datetime.now(UTC).replace(microsecond=0)  # leases are compared with the real clock
    with db.session() as session:
        store_mentions(session, [MentionDraft("news", "1", "Acme is down", now)], now)
        record_success(source_state(session, "news"), now, 1)
        alert = Alert(
            rule="acme-volume",
            fingerprint="f" * 64,
            labels={"entity": "Acme"},
            severity="critical",
            state="firing",
            active_since=now,
            fired_at=now,
            last_true_at=now,
            last_eval_at=now,
            # A reason can quote outside text (an author's handle): no terminal escapes.
            values={"reason": "6 mentions in the last 5m vs 1 expected, @x\x1b]0;pwned\x07y"},
            annotations={},
            evidence=[],
        )
        session.add(alert)
        session.add(
            Silence(
                matchers=[{"name": "entity", "op": "=", "value": "Acme"}],
                starts_at=now - timedelta(minutes=5),
                ends_at=now + timedelta(hours=2),
                created_by="marie",
                comment="known outage, statement out",
                created_at=now - timedelta(minutes=5),
            )
        )
        session.flush()
        for n, attempts in enumerate((0, 2)):
            session.add(
                Notification(
                    alert_id=alert.id,
                    receiver="oncall",
                    target=0,
                    kind="firing",
                    idempotency_key=f"k{n}",
                    severity="critical",
                    title="t",
                    body="b",
                    status="pending",
                    attempts=attempts,
                    next_attempt_at=now,
                    lease_until=now + timedelta(minutes=2) if n else None,
                    created_at=now,
                )
            )


def test_status_table_and_json(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill(db)
    config = write_setup(
        tmp_path,
        db_url=db_url,
        feed_url="http://127.0.0.1:9/feed.xml",
        receiver_url="console://",
        model_dir=tmp_path,
    )
    other = None
    if db.dialect == "postgresql":  # another instance holding the evaluation lease
        dsn = db_url.replace("postgresql+psycopg://", "postgresql://")
        other = psycopg.connect(dsn, application_name="warden:elsewhere:42")
        other.execute("SELECT pg_advisory_lock(%s)", (lock_key("evaluate"),))
    try:
        assert main(["status", "--offline", "-c", str(config)]) == 0
        table = capsys.readouterr().out
        assert main(["status", "--offline", "--json", "-c", str(config)]) == 0
        report = json.loads(capsys.readouterr().out)
    finally:
        if other is not None:
            other.close()
    assert "news" in table and "acme-volume" in table and "entity=Acme" in table
    assert "scoring backlog: 1" in table
    assert "outbox: 2 pending (1 failing), 0 sent, 0 dead, 0 unconfirmed, 0 superseded" in table
    assert "known outage, statement out" in table and "marie" in table
    (news,) = report["sources"]
    assert news["source"] == "news" and news["status"] == "ok" and news["last_poll_at"]
    assert report["scoring_backlog"] == 1
    (alert,) = report["firing"]
    assert alert["rule"] == "acme-volume" and alert["labels"] == {"entity": "Acme"}
    assert alert["reason"].startswith("6 mentions in the last 5m vs 1 expected")
    assert "6 mentions in the last 5m vs 1 expected, @xy" in table and "\x1b" not in table
    assert report["outbox"] == {
        "pending": 2,
        "failing": 1,
        "sent": 0,
        "dead": 0,
        "unconfirmed": 0,
        "superseded": 0,
    }
    (silence,) = report["silences"]
    assert silence["by"] == "marie" and silence["until"]
    assert silence["matchers"] == [{"name": "entity", "op": "=", "value": "Acme"}]
    stages = {lease["stage"]: lease["holder"] for lease in report["leases"]}
    assert any(stage.startswith("notification:") for stage in stages)
    if other is not None:
        assert report["instances"] == [
            {
                "name": "warden:elsewhere:42",
                "connected_since": report["instances"][0]["connected_since"],
            }
        ]
        assert stages["evaluate"] == "warden:elsewhere:42"
        assert "warden:elsewhere:42" in table


def test_status_when_the_database_cannot_be_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_setup(
        tmp_path,
        db_url="postgresql+psycopg://nobody@127.0.0.1:9/none",
        feed_url="http://127.0.0.1:9/feed.xml",
        receiver_url="console://",
        model_dir=tmp_path,
    )
    assert main(["status", "--offline", "-c", str(config)]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the database postgresql+psycopg://nobody@127.0.0.1:9/none" in err
    assert "Traceback" not in err


def test_status_before_the_first_start_says_how_to_create_the_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_setup(
        tmp_path,
        db_url=f"sqlite:///{tmp_path / 'new.db'}",
        feed_url="http://127.0.0.1:9/feed.xml",
        receiver_url="console://",
        model_dir=tmp_path,
    )
    assert main(["status", "--offline", "-c", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"no database at {tmp_path / 'new.db'}" in err and "warden db upgrade" in err
    assert not (tmp_path / "new.db").exists()  # looking creates nothing


def test_a_source_removed_from_the_config_is_one_line_not_a_failing_row(
    db: Database, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from warden.clock import SimulatedClock
    from warden.config import load_config
    from warden.sources.ingest import record_failure
    from warden.web.server import health_report

    fill(db)
    seen = datetime(2026, 11, 30, 8, 12, 3, tzinfo=UTC)
    with db.session() as session:
        record_failure(source_state(session, "alerts-feed"), seen, "HTTP 500", timedelta(minutes=5))
    config = write_setup(
        tmp_path,
        db_url=db_url,
        feed_url="http://127.0.0.1:9/feed.xml",
        receiver_url="console://",
        model_dir=tmp_path,
    )
    assert main(["status", "--offline", "-c", str(config)]) == 0
    table = capsys.readouterr().out
    assert main(["status", "--offline", "--json", "-c", str(config)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert main(["sources", "status", "-c", str(config)]) == 0
    sources_table = capsys.readouterr().out
    for text in (table, sources_table):
        (line,) = [row for row in text.splitlines() if "alerts-feed" in row]
        assert line.startswith("not configured any more: alerts-feed (last seen 2026-11-30 ")
        assert "failing" not in line
    assert [s["source"] for s in report["sources"]] == ["news"]
    assert report["removed_sources"] == [
        {"source": "alerts-feed", "last_seen": "2026-11-30T08:12:03+00:00"}
    ]
    loaded = load_config(config)
    status, body = health_report(db, list(loaded.sources), SimulatedClock(seen))()
    assert status == 200 and body["status"] == "ok"
    assert [s["source"] for s in body["sources"]] == ["news"]
    assert body["removed_sources"] == ["alerts-feed"]
