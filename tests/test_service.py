"""`warden run` as systemd runs it, output piped: JSON lines only, the HTTP endpoints answer,
SIGHUP re-reads config.yaml and the rules, and broken edits are announced once per new state."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import httpx
import pytest
from conftest import free_port
from feed_server import FeedServer
from pipeline_helpers import write_setup
from prometheus_client.parser import text_string_to_metric_families
from service_helpers import WardenProcess, until
from smtp_server import SmtpSink

from warden.cli import main

pytestmark = pytest.mark.slow


def test_piped_output_is_json_and_health_readiness_metrics_answer(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    with FeedServer() as feed:
        config = write_setup(
            tmp_path,
            db_url=f"sqlite:///{tmp_path / 'w.db'}",
            feed_url=feed.url,
            receiver_url="json://127.0.0.1:9/hook",  # unreachable: notify.failed, retried
            model_dir=tiny_model_dir,
            web_port=port,
        )
        # Python's warnings shown (as a developer's shell might): the libraries' import-time
        # DeprecationWarnings come out, and must be JSON lines like the rest.
        warden = WardenProcess(config, env={"PYTHONWARNINGS": "default::DeprecationWarning"})
        try:
            warden.wait_for("daemon.started")
            # The first poll sets the feed's starting point; what comes after it is news.
            deadline = time.monotonic() + 60
            while feed.requests < 2 and time.monotonic() < deadline:
                time.sleep(0.1)
            for n in range(6):
                feed.add(f"m{n}", f"Acme {n}", f"Acme is slow today {n}")
            warden.wait_for("sentiment.scored", timeout=60)
            base = f"http://127.0.0.1:{port}"
            health = httpx.get(f"{base}/healthz")
            assert health.status_code == 200 and health.json()["sources"][0]["source"] == "news"
            ready = httpx.get(f"{base}/readyz")
            assert ready.status_code == 200, ready.text
            assert ready.json() == {
                "ready": True,
                "checks": {n: {"ok": True} for n in ("database", "model", "scheduler", "rules")},
            }
            warden.wait_for("notify.failed", timeout=60)

            def read_metrics() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
                metrics = httpx.get(f"{base}/metrics")
                assert metrics.headers["content-type"].startswith("text/plain")
                return {
                    (s.name, tuple(sorted(s.labels.items()))): s.value
                    for family in text_string_to_metric_families(metrics.text)
                    for s in family.samples
                }

            # The failed attempt is counted by its sender thread as soon as it is recorded.
            def failure_counted() -> bool:
                return read_metrics()[("warden_notifications_failed_total", ())] >= 1

            until(failure_counted, timeout=10)
            samples = read_metrics()
            assert samples[("warden_source_mentions_total", (("source", "news"),))] == 6
            assert (
                samples[("warden_source_last_success_timestamp_seconds", (("source", "news"),))] > 0
            )
            assert samples[("warden_scoring_backlog", ())] == 0
            assert samples[("warden_scored_mentions_total", ())] == 6
            assert samples[("warden_database_up", ())] == 1
            assert samples[("warden_ready", ())] == 1
            assert samples[("warden_rule_evaluation_seconds_count", ())] >= 1
            assert samples[("warden_notifications_failed_total", ())] >= 1
            assert samples[("warden_alerts", (("state", "firing"),))] == 1
            assert samples[("warden_notifications", (("state", "pending"),))] >= 1
            assert httpx.get(f"{base}/nope").status_code == 404
            # The status page, on the same listener, shows the daemon's scored mentions.
            stream = httpx.get(f"{base}/stream")
            assert stream.status_code == 200 and "Acme is slow today 5" in stream.text
            assert 'class="unscored"' not in stream.text.split("<tbody>")[1]
            # `warden status` asks the running instance too.
            assert main(["status", "--json", "-c", str(config)]) == 0
            status = json.loads(capsys.readouterr().out)
            assert status["listener"]["running"] and status["listener"]["ready"]
            assert status["sources"][0]["total_items"] == 6 and len(status["firing"]) == 1
        finally:
            code = warden.stop()
    assert code == 0
    events = warden.events()  # every line is one JSON object
    assert events[-1]["event"] == "daemon.stopped"
    assert any(e["event"] == "python.warning" for e in events), "no warning seen"


def test_sighup_reloads_config_and_rules_and_announces_each_broken_state(
    tmp_path: Path, tiny_model_dir: Path, smtp: SmtpSink
) -> None:
    with FeedServer() as feed, FeedServer() as second:
        second.add("s1", "Acme second", "Acme from the second feed")
        config = write_setup(
            tmp_path,
            db_url=f"sqlite:///{tmp_path / 'w.db'}",
            feed_url=feed.url,
            receiver_url=smtp.url(),
            model_dir=tiny_model_dir,
            poll="1h",
        )
        good = config.read_text()
        warden = WardenProcess(config)
        try:
            warden.wait_for("daemon.started")
            # A new source and a new entity alias: applied on SIGHUP, the source polled at once.
            edited = good.replace("aliases: [ACME Bank]", "aliases: [ACME Bank, Acmé]").replace(
                "sources:\n",
                f'sources:\n  - name: second\n    type: rss\n    url: "{second.url}"\n'
                "    interval: 1h\n",
            )
            config.write_text(edited)
            mark = len(warden.lines)
            warden.signal(signal.SIGHUP)
            reloaded = warden.wait_for("config.reloaded", after=mark)
            assert reloaded["applied"] == ["entities", "sources"]
            assert reloaded["restart_needed"] == []
            warden.wait_for("source.polled", after=mark, source="second")

            # A broken config.yaml: kept the running one, told the receivers once.
            config.write_text(edited.replace("interval: 1h\n", "interval: often\n", 1))
            for _ in range(2):
                mark = len(warden.lines)
                warden.signal(signal.SIGHUP)
                failed = warden.wait_for("config.reload_failed", after=mark)
                assert "interval" in failed["problems"][0]
                warden.wait_for("rules.reloaded", after=mark)
            (broken,) = smtp.wait_for(1, timeout=30)
            assert "config.yaml has errors" in broken.subject
            # Fixed: announced as repaired. The same mistake again: announced again.
            config.write_text(edited)
            mark = len(warden.lines)
            warden.signal(signal.SIGHUP)
            warden.wait_for("config.reloaded", after=mark)
            config.write_text(edited.replace("interval: 1h\n", "interval: often\n", 1))
            mark = len(warden.lines)
            warden.signal(signal.SIGHUP)
            warden.wait_for("config.reload_failed", after=mark)
            mails = smtp.wait_for(3, timeout=30)
            assert [m.subject.split("] ", 1)[1] for m in mails] == [
                "config.yaml has errors; previous config kept",
                "config.yaml valid again",
                "config.yaml has errors; previous config kept",
            ]
            # A restart-only change is reported, not applied.
            config.write_text(
                edited.replace("workers: 4", "workers: 2")
                if "workers" in edited
                else edited + "daemon:\n  workers: 2\n"
            )
            mark = len(warden.lines)
            warden.signal(signal.SIGHUP)
            restart = warden.wait_for("config.restart_needed", after=mark)
            assert restart["sections"] == ["daemon"]
            time.sleep(0.2)
        finally:
            code = warden.stop()
    assert code == 0
    warden.events()  # JSON throughout
