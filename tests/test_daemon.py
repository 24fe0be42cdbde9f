"""The daemon in-process: stopping waits for work in flight; reloads keep the last good rules."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feed_server import FeedServer
from pipeline_helpers import write_setup

from warden.config import load_config
from warden.daemon import Daemon
from warden.store.models import Mention, Notification


def test_stop_lets_the_poll_in_flight_finish(tmp_path: Path, tiny_model_dir: Path) -> None:
    with FeedServer() as feed:
        for n in range(3):
            feed.add(f"s{n}", "Acme", f"Acme item {n}")
        feed.delay = 2.0
        config = load_config(
            write_setup(
                tmp_path,
                db_url=f"sqlite:///{tmp_path / 'w.db'}",
                feed_url=feed.url,
                receiver_url="console://",
                model_dir=tiny_model_dir,
                poll="1h",
            )
        )
        daemon = Daemon(config)
        daemon.start()
        assert feed.request_started.wait(30), "the first poll never started"
        started = time.monotonic()
        daemon.stop()  # what SIGTERM leads to
        assert time.monotonic() - started >= 1.0, "stop() did not wait for the poll"
        assert not daemon.scheduler.running
    with daemon.db.session() as session:  # stop() disposed the engine; it reconnects
        assert session.query(Mention).count() == 3


def test_broken_rule_edit_keeps_old_rules_and_tells_operators(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    config = load_config(
        write_setup(
            tmp_path,
            db_url=f"sqlite:///{tmp_path / 'w.db'}",
            feed_url="http://127.0.0.1:9/feed.xml",
            receiver_url="console://",
            model_dir=tiny_model_dir,
        )
    )
    daemon = Daemon(config)
    daemon.db.upgrade()
    from warden.rules.loader import load_rules

    daemon.ruleset = load_rules(config)
    rule_file = tmp_path / "rules" / "acme.yaml"
    rule_file.write_text("rules:\n  - name: x\n    condition: {kind: volume, window: 5m}\n")
    assert daemon.reload_rules(reason="test") is False
    assert [r.rule.name for r in daemon.ruleset.rules] == ["acme-volume"]
    with daemon.db.session() as session:
        (message,) = session.query(Notification).all()
        assert message.kind == "system" and message.receiver == "oncall"
        assert f"{rule_file}:3: rules[0].condition.above: required, but missing" in message.body
    # The same broken content reported again does not queue a second message.
    assert daemon.reload_rules(reason="test") is False
    with daemon.db.session() as session:
        assert session.query(Notification).count() == 1
    fixed = (
        "rules:\n  - name: y\n    entity: Acme\n"
        "    condition: {kind: volume, window: 5m, above: 2}\n"
    )
    rule_file.write_text(fixed)
    assert daemon.reload_rules(reason="test") is True
    assert [r.rule.name for r in daemon.ruleset.rules] == ["y"]
    # The repair is announced; the same mistake made again after it is a new broken state.
    rule_file.write_text("rules:\n  - name: x\n    condition: {kind: volume, window: 5m}\n")
    assert daemon.reload_rules(reason="test") is False
    assert daemon.reload_rules(reason="test") is False
    with daemon.db.session() as session:
        titles = [n.title for n in session.query(Notification).order_by(Notification.id)]
    assert titles == [
        "[WARDEN] rule files have errors; previous rules kept",
        "[WARDEN] rule files valid again",
        "[WARDEN] rule files have errors; previous rules kept",
    ]
    daemon.db.dispose()


def test_daemon_serves_webhook_pushes(tmp_path: Path, tiny_model_dir: Path) -> None:
    import hashlib
    import hmac
    import json

    import httpx
    from conftest import free_port

    port = free_port()
    config_path = write_setup(
        tmp_path,
        db_url=f"sqlite:///{tmp_path / 'w.db'}",
        feed_url="http://127.0.0.1:9/feed.xml",
        receiver_url="console://",
        model_dir=tiny_model_dir,
        web_port=port,
    )
    text = config_path.read_text().replace(
        "sources:\n",
        "sources:\n  - name: pushed\n    type: webhook\n    secret: ${HOOK_SECRET}\n",
    )
    config_path.write_text(text)
    config = load_config(config_path, env={"HOOK_SECRET": "k3y"})
    daemon = Daemon(config)
    daemon.start()
    try:
        body = json.dumps({"id": "p1", "text": "ACME Bank is down", "url": "https://x.example/1"})
        signature = "sha256=" + hmac.new(b"k3y", body.encode(), hashlib.sha256).hexdigest()
        url = f"http://127.0.0.1:{port}/hooks/pushed"
        bad = httpx.post(url, content=body, headers={"X-Warden-Signature": "sha256=00"})
        assert bad.status_code == 401
        good = httpx.post(url, content=body, headers={"X-Warden-Signature": signature})
        assert good.status_code in (200, 202), good.text
        health = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
        assert "pushed" in json.dumps(health)
    finally:
        daemon.stop()
    with daemon.db.session() as session:
        (mention,) = session.query(Mention).all()
        assert mention.source == "pushed"
        assert [e.entity for e in mention.entities] == ["Acme"]


def test_daemon_prunes_old_mentions_when_retention_is_set(
    tmp_path: Path, tiny_model_dir: Path
) -> None:
    import structlog
    from sqlalchemy import select

    from warden.sources.base import MentionDraft
    from warden.store.mentions import store_mentions

    path = write_setup(
        tmp_path,
        db_url=f"sqlite:///{tmp_path / 'w.db'}",
        feed_url="http://127.0.0.1:9/feed.xml",
        receiver_url="console://",
        model_dir=tiny_model_dir,
        poll="1h",
    )
    text = path.read_text().replace("database:\n", "database:\n  keep_mentions: 60d\n", 1)
    path.write_text(text)
    # The real clock: the scheduled prune first runs five minutes after the start, so the
    # one called below is the only one during the test.
    daemon = Daemon(load_config(path))
    daemon.start()
    now = datetime.now(UTC)
    try:
        job = daemon.scheduler.get_job("prune")
        assert job is not None, "no prune job although database.keep_mentions is set"
        assert job.next_run_time > now + timedelta(minutes=4)
        drafts = [
            MentionDraft("x", str(age), f"Acme, {age} days ago", now - timedelta(days=age))
            for age in (90, 30)
        ]
        with daemon.db.session() as session:
            store_mentions(session, drafts, now)
        with structlog.testing.capture_logs() as logs:
            daemon.prune_job()
        (pruned,) = [e for e in logs if e["event"] == "store.pruned"]
        assert pruned["mentions"] == 1
        with daemon.db.session() as session:
            assert list(session.scalars(select(Mention.external_id))) == ["30"]
    finally:
        daemon.stop()
