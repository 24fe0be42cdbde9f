"""What a config reload applies: live sections swapped in (receivers, logging, intervals),
restart-only ones kept and named."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import structlog
from pipeline_helpers import write_setup

from warden.config import load_config
from warden.daemon import Daemon
from warden.reconfigure import compare
from warden.sources.base import MentionDraft
from warden.store.mentions import store_mentions
from warden.web.server import build_web_server


def test_compare_sorts_live_and_restart_only_changes(tmp_path: Path) -> None:
    path = write_setup(
        tmp_path,
        db_url=f"sqlite:///{tmp_path / 'w.db'}",
        feed_url="http://127.0.0.1:9/feed.xml",
        receiver_url="console://",
        model_dir=tmp_path,
    )
    running = load_config(path)
    text = path.read_text()
    edited = (
        text.replace("level: info", "level: debug")
        .replace('urls: ["console://"]', 'urls: ["console://", "json://127.0.0.1:9/x"]')
        .replace("interval: 1s\nrules:", "interval: 3s\n  batch_size: 8\nrules:")
        .replace("port: 0", "port: 8788")
    )
    path.write_text(edited)
    changes = compare(running, load_config(path))
    assert changes.applied == ["receivers", "logging", "sentiment.interval"]
    assert changes.restart_needed == ["web.port", "sentiment"]
    assert changes.config is not None
    assert changes.config.web.port == 0  # kept until a restart
    assert changes.config.sentiment.batch_size == running.sentiment.batch_size
    assert changes.config.sentiment.interval.total_seconds() == 3
    assert len(changes.config.receivers[0].urls) == 2


@pytest.fixture
def restore_hooks() -> Iterator[None]:
    """A reload reconfigures logging process-wide; put the test process back as it was."""
    saved = sys.excepthook, threading.excepthook, logging.getLogger().handlers[:]
    yield
    sys.excepthook, threading.excepthook = saved[0], saved[1]
    logging.getLogger().handlers[:] = saved[2]
    logging.captureWarnings(False)


def test_reload_applies_receivers_logging_and_intervals(
    tmp_path: Path, restore_hooks: None
) -> None:
    path = write_setup(
        tmp_path,
        db_url=f"sqlite:///{tmp_path / 'w.db'}",
        feed_url="http://127.0.0.1:9/feed.xml",
        receiver_url="console://",
        model_dir=tmp_path,
        poll="1h",
    )
    daemon = Daemon(load_config(path), config_path=path)
    daemon.db.upgrade()
    daemon.scheduler.start(paused=True)
    daemon._add_job("evaluate", daemon.config.rules.evaluate_every, daemon.evaluate_job)
    try:
        path.write_text(
            path.read_text()
            .replace("level: info", "level: warning")
            .replace("name: oncall", "name: comms")
            .replace("evaluate_every: 1s", "evaluate_every: 30s")
        )
        assert daemon.reload_config(reason="test")
        assert list(daemon.dispatcher.receivers) == ["comms"]
        job = daemon.scheduler.get_job("evaluate")
        assert job is not None and job.trigger.interval.total_seconds() == 30
        assert not structlog.get_logger().is_enabled_for(20)  # info is now filtered out
    finally:
        daemon.scheduler.shutdown(wait=False)
        daemon.db.dispose()


def _web_setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("OLD_TOKEN", "old-token-0123456789")
    monkeypatch.setenv("NEW_TOKEN", "new-token-0123456789")
    path = write_setup(
        tmp_path,
        db_url=f"sqlite:///{tmp_path / 'w.db'}",
        feed_url="http://127.0.0.1:9/feed.xml",
        receiver_url="console://",
        model_dir=tmp_path,
        poll="1h",
    )
    path.write_text(
        path.read_text().replace("  port: 0\n", '  port: 0\n  auth: {token: "${OLD_TOKEN}"}\n')
    )
    return path


def test_a_new_status_page_token_applies_live_but_not_with_a_new_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _web_setup(tmp_path, monkeypatch)
    running = load_config(path)
    text = path.read_text()
    path.write_text(text.replace("${OLD_TOKEN}", "${NEW_TOKEN}"))
    changes = compare(running, load_config(path))
    assert changes.applied == ["web"] and changes.restart_needed == []
    assert changes.config is not None and changes.config.web.auth is not None
    assert changes.config.web.auth.token == "new-token-0123456789"
    # With the listener's address changed too, the whole section waits for a restart: the
    # token is validated against the address it guards.
    path.write_text(text.replace("${OLD_TOKEN}", "${NEW_TOKEN}").replace("port: 0", "port: 8788"))
    changes = compare(running, load_config(path))
    assert changes.applied == [] and changes.restart_needed == ["web.port"]
    assert changes.config is not None and changes.config.web.auth is not None
    assert changes.config.web.auth.token == "old-token-0123456789"


def test_turning_the_page_off_and_rotating_the_token_applies_the_token_now(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page stays on until a restart; the new token guards it meanwhile. Removing auth
    with the page off would leave the page kept on open: then nothing of web applies."""
    path = _web_setup(tmp_path, monkeypatch)
    running = load_config(path)
    text = path.read_text()
    off = "  status_page: false\n"
    path.write_text(
        text.replace("${OLD_TOKEN}", "${NEW_TOKEN}").replace("  port: 0\n", "  port: 0\n" + off)
    )
    changes = compare(running, load_config(path))
    assert changes.applied == ["web"] and changes.restart_needed == ["web.status_page"]
    assert changes.config is not None and changes.config.web.status_page
    assert changes.config.web.auth is not None
    assert changes.config.web.auth.token == "new-token-0123456789"
    public = text.replace("127.0.0.1", "0.0.0.0", 1)  # web.host: the page needs auth there
    path.write_text(public)
    exposed = load_config(path)
    path.write_text(public.replace('  auth: {token: "${OLD_TOKEN}"}\n', off))
    changes = compare(exposed, load_config(path))
    assert changes.applied == [] and changes.restart_needed == ["web.status_page"]
    assert changes.config is not None and changes.config.web.auth is not None  # kept


def test_reloading_a_leaked_token_revokes_it_on_the_running_status_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_hooks: None
) -> None:
    path = _web_setup(tmp_path, monkeypatch)
    daemon = Daemon(load_config(path), config_path=path)
    daemon.db.upgrade()
    daemon.web = build_web_server(
        daemon.config, daemon.db, daemon.matcher, daemon.clock, current=lambda: daemon.config
    )
    daemon.web.start()
    try:

        def status(token: str) -> int:
            headers = {"Authorization": f"Bearer {token}"}
            return httpx.get(f"{daemon.web.url}/", headers=headers, timeout=10).status_code

        assert status("old-token-0123456789") == 200
        old = {"Authorization": "Bearer old-token-0123456789"}
        with httpx.stream("GET", f"{daemon.web.url}/stream/events", headers=old) as live:
            chunks = live.iter_text()
            assert next(chunks).startswith("retry:")
            path.write_text(path.read_text().replace("${OLD_TOKEN}", "${NEW_TOKEN}"))
            assert daemon.reload_config(reason="test")
            with daemon.db.session() as session:  # stored after the revocation
                draft = MentionDraft("news", "1", "Acme secret after revoke", daemon.clock.now())
                store_mentions(session, [draft], daemon.clock.now())
            rest = "".join(chunks)  # the stream ends at its next poll
        assert "secret" not in rest and "event: mention" not in rest
        assert status("old-token-0123456789") == 401
        assert status("new-token-0123456789") == 200
    finally:
        daemon.web.stop()
        daemon.db.dispose()
