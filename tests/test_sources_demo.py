"""The demo replay: scripted crisis played against the clock, resumable, looping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import structlog

from warden.clock import SimulatedClock
from warden.errors import SourceError
from warden.sources.base import PollState
from warden.sources.demo import DemoReplay, load_scenario
from warden.sources.http import HttpFetcher
from warden.sources.settings import DemoSource

START = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def test_items_come_when_their_time_has_come(tmp_path: Path, fetcher: HttpFetcher) -> None:
    scenario = tmp_path / "s.jsonl"
    scenario.write_text(
        '{"id": "a", "at": 0, "text": "<b>Acme</b> opens", "lang": "en"}\n'
        '{"id": "b", "at": 600, "text": "Acme is down", "followers": 10}\n'
        '{"id": "c", "at": 1200, "text": "  "}\n'
    )
    replay = DemoReplay(DemoSource(type="demo", name="demo", scenario=scenario, speed=60))
    clock = SimulatedClock(START)
    first = replay.poll(PollState(), fetcher, clock)
    assert [d.text for d in first.drafts] == ["Acme opens"]
    clock.advance(timedelta(seconds=10))  # 600 scenario seconds at 60x
    second = replay.poll(first.state, fetcher, clock)
    assert [d.external_id for d in second.drafts] == ["0:b"]
    assert second.drafts[0].published_at == START + timedelta(seconds=10)
    clock.advance(timedelta(seconds=10))
    third = replay.poll(second.state, fetcher, clock)
    assert third.drafts == [] and third.skipped == 1  # no text


def test_loop_starts_a_new_round(tmp_path: Path, fetcher: HttpFetcher) -> None:
    scenario = tmp_path / "s.jsonl"
    scenario.write_text('{"id": "a", "at": 0, "text": "again"}\n')
    replay = DemoReplay(DemoSource(type="demo", name="demo", scenario=scenario, speed=1, loop=True))
    clock = SimulatedClock(START)
    state = replay.poll(PollState(), fetcher, clock).state
    clock.advance(timedelta(seconds=61))
    state = replay.poll(state, fetcher, clock).state
    again = replay.poll(state, fetcher, clock)
    assert [d.external_id for d in again.drafts] == ["1:a"]


def test_bundled_scenario_and_bad_lines(tmp_path: Path) -> None:
    assert len(load_scenario(None)) > 10
    bad = tmp_path / "s.jsonl"
    bad.write_text('{"at": 0, "text": "ok"}\n{"text": "no time"}\n')
    with pytest.raises(SourceError, match=r"s.jsonl:2: expected a JSON object"):
        load_scenario(bad)


def test_an_ended_scenario_says_so_once_and_how_to_replay(
    tmp_path: Path, fetcher: HttpFetcher
) -> None:
    scenario = tmp_path / "s.jsonl"
    scenario.write_text('{"id": "a", "at": 0, "text": "Acme opens"}\n')
    settings = DemoSource(type="demo", name="demo", scenario=scenario, speed=1)
    clock = SimulatedClock(START)
    with structlog.testing.capture_logs() as logs:
        state = DemoReplay(settings).poll(PollState(), fetcher, clock).state
        replay = DemoReplay(settings)
        state = replay.poll(state, fetcher, clock).state
    (ended,) = [e for e in logs if e["event"] == "demo.ended"]
    assert "loop: true" in ended["hint"] and "make clean" in ended["hint"]
    # A second `make demo`: a new process on the same database resumes after the end.
    with structlog.testing.capture_logs() as logs:
        replay = DemoReplay(settings)
        for _ in range(3):
            clock.advance(timedelta(seconds=30))
            assert replay.poll(state, fetcher, clock).drafts == []
    (again,) = [e for e in logs if e["event"].startswith("demo.")]
    assert again["event"] == "demo.already_played" and again["log_level"] == "warning"
    assert "earlier run" in again["hint"] and "loop: true" in again["hint"]
