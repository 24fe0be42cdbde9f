"""`warden run` as operators run it: a subprocess on a temporary config, stopped with a signal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from feed_server import FeedServer
from pipeline_helpers import write_setup
from smtp_server import SmtpSink

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("WARDEN_SENTIMENT_MODEL", None)
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
    return env


def _warden(*args: str) -> list[str]:
    return [sys.executable, "-m", "warden", *args]


def test_daemon_emails_an_alert_then_stops_cleanly_on_sigterm(
    tmp_path: Path, smtp: SmtpSink, tiny_model_dir: Path
) -> None:
    with FeedServer() as feed:
        config = write_setup(
            tmp_path,
            db_url=f"sqlite:///{tmp_path / 'warden.db'}",
            feed_url=feed.url,
            receiver_url=smtp.url(),
            model_dir=tiny_model_dir,
        )
        log_path = tmp_path / "warden.log"
        with log_path.open("w") as log_file:
            proc = subprocess.Popen(
                _warden("run", "-c", str(config)),
                stdout=log_file,
                stderr=subprocess.STDOUT,
                env=_env(),
                cwd=tmp_path,
            )
            try:
                # The first poll sets the feed's starting point; what comes after it is news.
                deadline = time.monotonic() + 60
                while feed.requests < 2 and time.monotonic() < deadline:
                    time.sleep(0.1)
                for n in range(6):
                    feed.add(f"n{n}", f"Acme outage {n}", f"Acme is terrible today, awful {n}")
                (mail,) = smtp.wait_for(1, timeout=120)
                assert "acme-volume" in mail.subject
                assert "6 mentions of Acme in 1h" in mail.text
                assert "https://news.example.com/n" in mail.text
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(timeout=30) == 0
            finally:
                if proc.poll() is None:
                    proc.kill()
    events = [
        json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")
    ]
    names = [e["event"] for e in events]
    for expected in (
        "database.ready",
        "rules.loaded",
        "daemon.started",
        "source.polled",
        "alert.firing",
        "notify.sent",
        "daemon.stopping",
        "daemon.stopped",
    ):
        assert expected in names, f"{expected} missing from the log: {names}"
    assert names[-1] == "daemon.stopped"
    polled = next(e for e in events if e["event"] == "source.polled")
    assert polled["source"] == "news" and polled["new"] == 6


def test_daemon_refuses_to_start_without_its_model(tmp_path: Path) -> None:
    config = write_setup(
        tmp_path,
        db_url=f"sqlite:///{tmp_path / 'warden.db'}",
        feed_url="http://127.0.0.1:9/feed.xml",
        receiver_url="console://",
        model_dir=tmp_path / "no-such-model",
    )
    result = subprocess.run(
        _warden("run", "-c", str(config)),
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert "no-such-model" in result.stderr
    assert "sentiment.model" in result.stderr or "WARDEN_SENTIMENT_MODEL" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_reports_rule_errors_with_file_and_line(tmp_path: Path, tiny_model_dir: Path) -> None:
    config = write_setup(
        tmp_path,
        db_url=f"sqlite:///{tmp_path / 'warden.db'}",
        feed_url="http://127.0.0.1:9/feed.xml",
        receiver_url="console://",
        model_dir=tiny_model_dir,
        rules="rules:\n  - name: r1\n    condition: {kind: volume, window: soon, above: 5}\n",
    )
    result = subprocess.run(
        _warden("check", "-c", str(config)), capture_output=True, text=True, env=_env(), timeout=60
    )
    assert result.returncode == 78  # EX_CONFIG
    rule_file = tmp_path / "rules" / "acme.yaml"
    assert f"{rule_file}:3: rules[0].condition.window: expected a duration like 5m" in result.stderr
    assert "Traceback" not in result.stderr
