"""PostgreSQL stopped and started again under a running daemon: Warden waits, retries, and
loses no polled mention. The server is a private cluster this test creates (initdb) on its
own port under /tmp, so the shared server and the other tests never notice."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
import structlog
from conftest import free_port
from feed_server import FeedServer
from pipeline_helpers import write_setup
from service_helpers import until as wait_until
from sqlalchemy import func, select

from warden.config import load_config
from warden.daemon import Daemon
from warden.store.models import Mention, Score

until = partial(wait_until, timeout=60)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


class PrivateCluster:
    """initdb + pg_ctl as the postgres user, trust auth, listening on 127.0.0.1:`port`."""

    def __init__(self, bindir: Path, root: Path, port: int) -> None:
        self.bindir, self.data, self.port = bindir, root / "data", port
        self.root = root

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off"
        self._run("pg_ctl", "start", "-w", "-D", str(self.data), "-o", options, "-l",
                  str(self.root / "log"))  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("needs PostgreSQL's initdb and pg_ctl (and runuser when run as root)")
    root = Path(tempfile.mkdtemp(prefix="warden-pg-"))
    os.chmod(root, 0o777)
    server = PrivateCluster(Path(found[-1]).parent, root, free_port())
    server.init()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_postgres_restart_mid_run_loses_no_mention(
    tmp_path: Path, tiny_model_dir: Path, cluster: PrivateCluster
) -> None:
    with FeedServer() as feed, structlog.testing.capture_logs() as logs:
        for n in range(3):
            feed.add(f"a{n}", f"Acme {n}", f"Acme before the restart {n}")
        daemon = Daemon(
            load_config(
                write_setup(
                    tmp_path,
                    db_url=cluster.url,
                    feed_url=feed.url,
                    receiver_url="console://",
                    model_dir=tiny_model_dir,
                )
            )
        )

        def counts() -> tuple[int, int]:
            with daemon.db.session() as session:
                return (
                    session.scalar(select(func.count()).select_from(Mention)) or 0,
                    session.scalar(select(func.count()).select_from(Score)) or 0,
                )

        daemon.start()
        try:
            until(lambda: counts() == (3, 3))
            cluster.stop()
            for n in range(3):  # published while the server is down
                feed.add(f"b{n}", f"Acme {n}", f"Acme during the restart {n}")
            until(lambda: not daemon.db_watch.up)
            time.sleep(1.5)
            cluster.start()
            until(lambda: daemon.db_watch.up)
            until(lambda: counts() == (6, 6))
        finally:
            daemon.stop()
    events = [e["event"] for e in logs]
    assert events.count("database.unavailable") == 1
    assert events.count("database.recovered") == 1
    assert "job.failed" not in events
