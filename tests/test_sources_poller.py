"""poll_source: health, back-off, and a failing source never stopping anything."""

from __future__ import annotations

from datetime import timedelta

import pytest
import structlog

from warden.clock import SimulatedClock
from warden.entities import EntityMatcher
from warden.errors import SourceError
from warden.sources.base import MentionDraft, PollResult, PollState
from warden.sources.health import read_health
from warden.sources.http import HttpFetcher
from warden.sources.ingest import failure_backoff
from warden.sources.poller import poll_source
from warden.sources.settings import DemoSource
from warden.store.db import Database
from warden.store.models import Mention

MINUTE = timedelta(minutes=1)


class Scripted:
    """A source whose polls return or raise what the test queued."""

    def __init__(self, name: str, *outcomes: object) -> None:
        self.name = name
        self.outcomes = list(outcomes)

    def poll(self, state: PollState, http: HttpFetcher, clock: SimulatedClock) -> PollResult:
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        assert isinstance(outcome, PollResult)
        return outcome


def drafts(*ids: str, clock: SimulatedClock) -> PollResult:
    items = [MentionDraft("s", i, f"text {i}", clock.now()) for i in ids]
    return PollResult(items, PollState(cursor={"last": ids[-1] if ids else None}))


def test_health_backoff_and_recovery(
    source_db: Database, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    source = Scripted(
        "s",
        drafts("1", "2", clock=sim_clock),
        SourceError("HTTP 500"),
        RuntimeError("bug in a parser"),
        drafts("3", clock=sim_clock),
    )
    matcher = EntityMatcher([])

    def poll() -> object:
        return poll_source(source_db, source, matcher, fetcher, sim_clock, MINUTE)

    first = poll()
    assert first.inserted == 2  # type: ignore[attr-defined]
    sim_clock.advance(MINUTE)
    assert poll().error == "HTTP 500"  # type: ignore[attr-defined]
    sim_clock.advance(MINUTE)
    with structlog.testing.capture_logs() as logs:
        crashed = poll()
    assert crashed.error == "RuntimeError: bug in a parser"  # type: ignore[attr-defined]
    failed = [e for e in logs if e["event"] == "source.failed"]
    assert failed[0]["source"] == "s" and failed[0]["consecutive_failures"] == 2
    with source_db.session() as session:
        (health,) = read_health(session, [DemoSource(name="s", type="demo")], sim_clock.now())
    assert health.status == "backing_off" and health.consecutive_failures == 2
    assert health.backoff_until == sim_clock.now() + failure_backoff(2, MINUTE)
    assert poll().backing_off  # type: ignore[attr-defined]
    sim_clock.advance(failure_backoff(2, MINUTE))
    assert poll().inserted == 1  # type: ignore[attr-defined]
    with source_db.session() as session:
        (health,) = read_health(session, [DemoSource(name="s", type="demo")], sim_clock.now())
        assert session.query(Mention).count() == 3
    assert health.status == "ok" and health.total_items == 3 and health.items_last_poll == 1
    assert health.last_error == "RuntimeError: bug in a parser"


def test_failure_backoff_doubles_up_to_an_hour() -> None:
    assert failure_backoff(1, MINUTE) == timedelta(0)
    assert [failure_backoff(n, MINUTE).total_seconds() for n in (2, 3, 4)] == [120, 240, 480]
    assert failure_backoff(30, MINUTE) == timedelta(hours=1)


def test_push_sources_are_not_polled(
    source_db: Database, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    from pydantic import TypeAdapter

    from warden.sources.registry import build_source, is_polled
    from warden.sources.settings import SourceSettings

    settings = TypeAdapter(SourceSettings).validate_python(
        {"type": "webhook", "name": "hook", "token": "t"}
    )
    assert not is_polled(settings)
    outcome = poll_source(
        source_db, build_source(settings), EntityMatcher([]), fetcher, sim_clock, MINUTE
    )
    assert outcome.error is None and outcome.inserted == 0
    with source_db.session() as session:
        assert read_health(session, [settings], sim_clock.now())[0].status == "never_polled"


@pytest.mark.postgres
def test_one_instance_at_a_time_polls_a_source(
    pg_clean_url: str, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    from warden.store.locks import try_stage_lock

    db = Database(pg_clean_url)
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    db.upgrade()
    other_instance = Database(pg_clean_url)
    source = Scripted("shared", drafts("1", clock=sim_clock))
    with other_instance.session() as session:
        assert try_stage_lock(session, "source:shared")  # the other instance is polling
        busy = poll_source(db, source, EntityMatcher([]), fetcher, sim_clock, MINUTE)
    assert busy.busy and source.outcomes  # nothing was fetched
    done = poll_source(db, source, EntityMatcher([]), fetcher, sim_clock, MINUTE)
    assert done.inserted == 1 and not done.busy
    other_instance.dispose()
    db.dispose()


def test_the_first_successful_poll_of_any_source_is_backfill(
    source_db: Database, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    """What a source had before Warden first saw it is history: every source type goes
    through poll_source, which marks the first successful poll's mentions as backfill."""
    source = Scripted(
        "s",
        SourceError("HTTP 503"),  # a first poll that fails sets no starting point
        drafts("1", "2", clock=sim_clock),
        drafts("3", clock=sim_clock),
    )
    matcher = EntityMatcher([])
    for _ in range(3):
        sim_clock.advance(MINUTE * 10)  # past any back-off
        poll_source(source_db, source, matcher, fetcher, sim_clock, MINUTE)
    with source_db.session() as session:
        flags = {m.external_id: m.backfill for m in session.query(Mention)}
    assert flags == {"1": True, "2": True, "3": False}
