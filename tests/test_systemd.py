"""The systemd side: sd_notify datagrams (READY, STATUS, RELOADING, WATCHDOG, STOPPING) read
from a real datagram socket, and the shipped unit checked by systemd-analyze."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from feed_server import FeedServer
from pipeline_helpers import write_setup

from warden import systemd
from warden.config import load_config
from warden.daemon import Daemon

UNIT = Path(__file__).resolve().parents[1] / "deploy" / "warden.service"


class NotifySocket:
    """A datagram socket standing in for systemd's; `messages()` returns what arrived."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.1)
        self.received: list[str] = []

    def drain(self, seconds: float) -> list[str]:
        """Messages arriving within `seconds` (and kept in `received`)."""
        got = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                got.append(self.sock.recv(4096).decode())
            except TimeoutError:
                continue
        self.received += got
        return got

    def wait_for(self, field: str, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for message in self.drain(0.2):
                if field in message.split("\n"):
                    return message
        raise AssertionError(f"{field} never sent; got {self.received}")


@pytest.fixture
def notify_socket(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[NotifySocket]:
    path = tmp_path / "notify.sock"
    sock = NotifySocket(path)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    yield sock
    sock.sock.close()


def test_notify_sends_one_datagram_and_is_silent_outside_systemd(
    notify_socket: NotifySocket, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert systemd.notify("READY=1", systemd.status_line("3 sources,\n 0 firing"))
    assert notify_socket.drain(0.3) == ["READY=1\nSTATUS=3 sources, 0 firing"]
    monkeypatch.delenv("NOTIFY_SOCKET")
    assert systemd.notify("READY=1") is False
    monkeypatch.setenv("WATCHDOG_USEC", "30000000")
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    interval = systemd.watchdog_interval()
    assert interval is not None and interval.total_seconds() == 30
    monkeypatch.setenv("WATCHDOG_PID", "1")  # meant for another process
    assert systemd.watchdog_interval() is None


def test_daemon_reports_ready_reload_watchdog_and_stops_pinging_when_stuck(
    tmp_path: Path,
    tiny_model_dir: Path,
    notify_socket: NotifySocket,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WATCHDOG_USEC", "600000")  # WatchdogSec=0.6s: pings every 0.3s
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    feed = FeedServer().__enter__()
    config_path = write_setup(
        tmp_path,
        db_url=f"sqlite:///{tmp_path / 'w.db'}",
        feed_url=feed.url,
        receiver_url="console://",
        model_dir=tiny_model_dir,
        poll="1h",
    )
    daemon = Daemon(load_config(config_path), config_path=config_path)
    daemon.start()
    try:
        ready = notify_socket.wait_for("READY=1")
        (status,) = [f for f in ready.split("\n") if f.startswith("STATUS=")]
        assert re.fullmatch(r"STATUS=1 sources, 1 rules; 0 firing; .*outbox 0", status), status
        pings = [m for m in notify_socket.drain(1.5) if m == "WATCHDOG=1"]
        assert len(pings) >= 3, notify_socket.received

        assert daemon.reload(reason="test")
        notify_socket.drain(0.5)
        reloading = next(m for m in notify_socket.received if "RELOADING=1" in m)
        assert re.search(r"^MONOTONIC_USEC=\d+$", reloading, re.M), reloading
        after = notify_socket.received.index(reloading)
        assert any("READY=1" in m for m in notify_socket.received[after:])

        daemon.scheduler.pause()  # the scheduler stops running jobs: the heartbeat goes stale
        notify_socket.drain(1.0)
        assert "WATCHDOG=1" not in notify_socket.drain(1.5), "still pinging while stuck"
        assert daemon.web is not None
        stuck = httpx.get(f"{daemon.web.url}/readyz")
        assert stuck.status_code == 503 and stuck.json()["not_ready"] == ["scheduler"]
        assert "no heartbeat" in stuck.json()["checks"]["scheduler"]["reason"]
        daemon.scheduler.resume()
        notify_socket.wait_for("WATCHDOG=1", timeout=5)
    finally:
        daemon.stop()
        feed.__exit__(None, None, None)
    assert any("STOPPING=1" in m for m in notify_socket.drain(0.3))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_unit_verifies_and_is_sandboxed(tmp_path: Path) -> None:
    # verify checks that ExecStart= exists: point it at this checkout's warden.
    warden = Path(sys.executable).parent / "warden"
    unit = tmp_path / "warden.service"
    unit.write_text(UNIT.read_text().replace("/opt/warden/.venv/bin/warden", str(warden)))
    verify = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert verify.returncode == 0 and not verify.stderr.strip(), verify.stderr
    security = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", "--no-pager", str(UNIT)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    found = re.search(r"Overall exposure level for warden.service: (\d+\.\d+)", security.stdout)
    assert found, security.stdout + security.stderr
    assert float(found.group(1)) <= 2.0
    text = UNIT.read_text()
    for setting in (
        "Type=notify",
        "WatchdogSec=",
        "StateDirectory=warden",
        "ConfigurationDirectory=warden",
        "RestartPreventExitStatus=78",
    ):
        assert setting in text
