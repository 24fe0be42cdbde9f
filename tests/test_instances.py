"""Several instances: three `warden run` on one PostgreSQL database, one killed with SIGKILL
mid-run, share the work without doing any of it twice; SQLite refuses a second instance."""

from __future__ import annotations

import signal
import time
from functools import partial
from pathlib import Path

import pytest
from conftest import free_port
from feed_server import FeedServer
from pipeline_helpers import write_setup
from service_helpers import WardenProcess
from service_helpers import until as wait_until
from smtp_server import SmtpSink
from sqlalchemy import func, select

from warden.config import load_config
from warden.daemon import Daemon
from warden.errors import WardenError
from warden.store.db import Database
from warden.store.models import Mention, Score

until = partial(wait_until, timeout=90)


@pytest.mark.postgres
@pytest.mark.slow
def test_three_instances_one_killed_share_the_work_exactly_once(
    tmp_path: Path, tiny_model_dir: Path, pg_clean_url: str, smtp: SmtpSink
) -> None:
    db = Database(pg_clean_url)

    def stored() -> tuple[int, int]:
        with db.session() as session:
            mentions = session.scalar(select(func.count()).select_from(Mention)) or 0
            scores = session.scalar(select(func.count()).select_from(Score)) or 0
        return mentions, scores

    with FeedServer() as feed:
        feed.delay = 0.3  # a poll lasts long enough for two instances to overlap, if allowed
        for n in range(4):
            feed.add(f"a{n}", f"Acme {n}", f"Acme is awful today {n}")
        instances = []
        for k in range(3):
            folder = tmp_path / f"instance{k}"
            folder.mkdir()
            config = write_setup(
                folder,
                db_url=pg_clean_url,
                feed_url=feed.url,
                receiver_url=smtp.url(),
                model_dir=tiny_model_dir,
                web_port=free_port(),
            )
            instances.append(WardenProcess(config))
        try:
            for warden in instances:
                warden.wait_for("daemon.started", timeout=120)
            until(lambda: stored() == (4, 4))
            victim, survivors = instances[0], instances[1:]
            assert feed.most_in_flight == 1, "a source was polled by two instances at once"
            victim.proc.send_signal(signal.SIGKILL)
            victim.proc.wait(timeout=10)
            killed_at = time.monotonic()
            # A request the victim had in flight is still served after its death (the server
            # sleeps `delay`), and its lease is free at once: that overlap is no double poll.
            time.sleep(2 * feed.delay)
            feed.restart_overlap_count()
            # The first poll's 4 are history (backfill); 6 new ones in the hour: the rule
            # (above 5) fires.
            for n in range(6):
                feed.add(f"b{n}", f"Acme {n}", f"Acme is still awful {n}")
            until(lambda: stored() == (10, 10))
            (mail,) = smtp.wait_for(1, timeout=60)
            assert time.monotonic() - killed_at < 60, "no instance took over the evaluation"
            assert "acme-volume" in mail.subject
            time.sleep(3)  # further cycles on both survivors send nothing more
            assert len(smtp.messages) == 1
        finally:
            codes = [warden.stop() for warden in instances]
    db.dispose()
    assert codes[1:] == [0, 0]
    assert feed.most_in_flight == 1, "a source was polled by two instances at once"
    scored = sum(
        event["count"]
        for warden in instances
        for event in warden.events()
        if event["event"] == "sentiment.scored"
    )
    assert scored == 10  # every mention scored once, by one instance
    fired = [w for w in survivors if any(e["event"] == "alert.firing" for e in w.events())]
    assert len(fired) == 1


def test_sqlite_refuses_a_second_instance(tmp_path: Path, tiny_model_dir: Path) -> None:
    with FeedServer() as feed:
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
        first = Daemon(config)
        first.start()
        second = Daemon(config)
        try:
            with pytest.raises(
                WardenError, match=r"another Warden instance \(pid \d+\) is running"
            ):
                second.start()
        finally:
            second.stop()
            first.stop()
        third = Daemon(config)  # once the first has stopped, a new one starts
        third.start()
        third.stop()
