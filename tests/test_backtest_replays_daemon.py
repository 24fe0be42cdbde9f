"""A backtest of the stored mentions replays what the daemon did: the daemon's own jobs run on
a simulated clock over a scripted crisis (polled, tagged, scored by a real model, rolled up,
evaluated), then `warden backtest` replays the store it left; the transitions are the same,
sentiment rules included."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warden.cli import main
from warden.clock import SimulatedClock
from warden.config import load_config
from warden.daemon import Daemon
from warden.sources.poller import poll_source
from warden.sources.registry import build_source

T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
RUN_FOR = timedelta(minutes=50)
TICK = timedelta(seconds=15)

RULES = """\
rules:
  - name: volume-surge
    condition: {kind: volume, window: 10m, above: 12}
    keep_firing_for: 5m
  - name: negative-surge
    condition: {kind: negative_share, window: 15m, above: 0.6, min_count: 10}
    for: 30s
    keep_firing_for: 5m
    severity: critical
  - name: angry-words
    condition: {kind: keywords, phrases: [terrible], min_count: 3, window: 10m}
  - name: quiet-source
    condition: {kind: flatline, silent_for: 10m}
"""


def _scenario(path: Path) -> Path:
    """Twenty calm minutes, a five-minute storm of angry posts, then calm again."""
    lines = []
    for n in range(10):
        lines.append({"at": 120 * n, "text": f"the service Acme {n}"})
    for n in range(24):
        lines.append({"at": 1200 + 12 * n, "text": f"terrible Acme {n}"})
    for n in range(5):
        lines.append({"at": 1500 + 60 * n, "text": f"the product Acme {n}"})
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    return path


def _setup(tmp_path: Path, model_dir: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "crisis.yaml").write_text(RULES, encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(
        f"""\
database: {{url: "sqlite:///{tmp_path / "warden.db"}"}}
entities: [{{name: Acme}}]
sources:
  - {{name: demo, type: demo, scenario: {_scenario(tmp_path / "crisis.jsonl")}, interval: 30s}}
sentiment: {{model: "{model_dir}", offline: true, interval: 15s}}
rules: {{dir: rules, evaluate_every: 30s}}
""",
        encoding="utf-8",
    )
    return config


def _run_daemon_jobs(config_path: Path) -> list[dict[str, object]]:
    """The daemon's poll, score and evaluate jobs at their intervals on a simulated clock."""
    config = load_config(config_path)
    clock = SimulatedClock(T0)
    daemon = Daemon(config, clock=clock)
    daemon.prepare()
    settings = config.sources[0]
    source = build_source(settings)
    due = {"poll": T0, "score": T0, "evaluate": T0}
    every = {
        "poll": settings.interval,
        "score": config.sentiment.interval,
        "evaluate": config.rules.evaluate_every,
    }
    transitions = []
    try:
        now = T0
        while now <= T0 + RUN_FOR:
            clock.set(now)
            if now >= due["poll"]:
                poll_source(
                    daemon.db, source, daemon.matcher, daemon.http, clock, settings.interval
                )
            if now >= due["score"]:
                daemon.score_job()
            if now >= due["evaluate"]:
                transitions += daemon.evaluate_job()
            for job, at in due.items():
                if now >= at:
                    due[job] = at + every[job]
            now += TICK
    finally:
        daemon.http.close()
        daemon.db.dispose()
    return [
        {
            "rule": t.rule,
            "labels": t.labels,
            "state": t.state,
            "at": t.at.isoformat().replace("+00:00", "Z"),
        }
        for t in transitions
    ]


def test_backtest_of_the_store_reports_what_the_daemon_fired(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _setup(tmp_path, tiny_model_dir)
    live = _run_daemon_jobs(config)
    fired = {(t["rule"], t["state"]) for t in live}
    assert {("negative-surge", "firing"), ("volume-surge", "firing")} <= fired
    assert ("negative-surge", "resolved") in fired
    assert ("quiet-source", "firing") in fired
    capsys.readouterr()

    code = main(
        [
            "backtest",
            str(tmp_path / "rules"),
            "-c",
            str(config),
            "--from",
            T0.isoformat(),
            "--to",
            (T0 + RUN_FOR).isoformat(),
            "--json",
            "-q",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert captured.err == ""  # -q: nothing but errors
    replayed = [json.loads(line) for line in captured.out.splitlines()]
    assert replayed == live
