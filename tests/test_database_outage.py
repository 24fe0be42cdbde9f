"""The database goes away mid-run (PostgreSQL refusing connections, then read-only): Warden
names the condition, /readyz and /metrics show it, jobs retry, and no polled mention is lost.

The outage is made on this test's own database (ALLOW_CONNECTIONS false, then
default_transaction_read_only), so other databases on the shared server are untouched.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

import httpx
import psycopg
import pytest
import structlog
from conftest import PG_DSN
from feed_server import FeedServer
from pipeline_helpers import write_setup
from service_helpers import until as wait_until
from sqlalchemy import func, select

from warden.config import load_config
from warden.daemon import Daemon
from warden.store.models import Mention, Score

until = partial(wait_until, timeout=30)

pytestmark = pytest.mark.postgres


def admin(sql: str) -> None:
    with psycopg.connect(PG_DSN, autocommit=True) as conn:
        conn.execute(sql)


def kick(name: str) -> None:
    admin(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()"
    )


def counts(daemon: Daemon) -> tuple[int, int]:
    with daemon.db.session() as session:
        mentions = session.scalar(select(func.count()).select_from(Mention)) or 0
        scores = session.scalar(select(func.count()).select_from(Score)) or 0
    return mentions, scores


def test_outage_is_named_shown_and_loses_no_mention(
    tmp_path: Path, tiny_model_dir: Path, pg_clean_url: str
) -> None:
    name = pg_clean_url.rsplit("/", 1)[1]
    with FeedServer() as feed, structlog.testing.capture_logs() as logs:
        for n in range(3):
            feed.add(f"a{n}", f"Acme {n}", f"Acme before the outage {n}")
        path = write_setup(
            tmp_path,
            db_url=pg_clean_url,
            feed_url=feed.url,
            receiver_url="console://",
            model_dir=tiny_model_dir,
        )
        text = path.read_text().replace(
            "sources:\n", "sources:\n  - {name: pushed, type: webhook, token: t0k}\n"
        )
        path.write_text(text)
        config = load_config(path)
        daemon = Daemon(config)
        daemon.start()
        assert daemon.web is not None
        base = daemon.web.url
        try:
            until(lambda: counts(daemon) == (3, 3))
            admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            kick(name)
            for n in range(3):  # published while the database is down
                feed.add(f"b{n}", f"Acme {n}", f"Acme during the outage {n}")
            until(lambda: not daemon.db_watch.up)
            ready = httpx.get(f"{base}/readyz", timeout=30)
            assert ready.status_code == 503
            assert ready.json()["not_ready"] == ["database"]
            # The reason is the last failure seen: the kicked session's, or a refused connection.
            reason = ready.json()["checks"]["database"]["reason"]
            assert reason.startswith("database unavailable: ")
            assert "not currently accepting connections" in reason or "AdminShutdown" in reason
            assert "warden_database_up 0.0" in httpx.get(f"{base}/metrics", timeout=30).text
            push = httpx.post(
                f"{base}/hooks/pushed",
                json={"id": "p1", "text": "Acme pushed during the outage"},
                headers={"Authorization": "Bearer t0k"},
                timeout=30,
            )
            assert push.status_code == 503 and push.headers["Retry-After"] == "5"
            time.sleep(2)  # several cycles fail: still one database.unavailable
            admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            until(lambda: daemon.db_watch.up)
            until(lambda: counts(daemon) == (6, 6))
            assert httpx.get(f"{base}/readyz", timeout=30).status_code == 200
            push = httpx.post(  # the sender retries after Retry-After: stored now
                f"{base}/hooks/pushed",
                json={"id": "p1", "text": "Acme pushed during the outage"},
                headers={"Authorization": "Bearer t0k"},
                timeout=30,
            )
            assert push.status_code == 200 and push.json()["accepted"] == 1

            # Read-only (a replica promoted the wrong way, a full disk): loud, and not ready.
            admin(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
            kick(name)
            feed.add("c0", "Acme", "Acme while read-only")
            until(lambda: not daemon.db_watch.up)
            assert "read-only" in (daemon.db_watch.error or "")
            assert httpx.get(f"{base}/readyz", timeout=30).status_code == 503
            admin(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
            kick(name)
            until(lambda: counts(daemon) == (8, 8))
        finally:
            admin(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
            admin(f'ALTER DATABASE "{name}" RESET default_transaction_read_only')
            daemon.stop()
    events = [e["event"] for e in logs]
    assert events.count("database.unavailable") == 2
    assert events.count("database.recovered") == 2
    assert "job.failed" not in events and "webhook.failed" not in events
    with daemon.db.session() as session:  # every mention stored once
        ids = list(session.scalars(select(Mention.external_id).order_by(Mention.external_id)))
    assert len(ids) == len(set(ids)) == 8
