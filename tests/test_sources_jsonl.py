"""The `jsonl` source: tailing, partial lines, truncation, rotation, malformed lines."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import structlog
from pydantic import TypeAdapter

from warden.clock import SimulatedClock
from warden.sources.base import PollState
from warden.sources.http import HttpFetcher
from warden.sources.registry import build_source
from warden.sources.settings import SourceSettings


def line(n: int, **extra: Any) -> str:
    return json.dumps({"id": n, "text": f"mention {n}", "author": f"a{n}", **extra}) + "\n"


def tail(path: Path, **extra: Any) -> Any:
    data = {"type": "jsonl", "name": "export", "path": str(path), **extra}
    return build_source(TypeAdapter(SourceSettings).validate_python(data))


def texts(result: Any) -> list[str]:
    return [d.text for d in result.drafts]


def test_tails_new_complete_lines_only(
    tmp_path: Path, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(line(1) + line(2) + '{"id": 3, "te')
    source = tail(path)
    first = source.poll(PollState(), fetcher, sim_clock)
    assert texts(first) == ["mention 1", "mention 2"]
    assert first.drafts[0].author_handle == "a1"
    with path.open("a") as f:
        f.write('xt": "mention 3"}\n' + line(4))
    second = source.poll(first.state, fetcher, sim_clock)
    assert texts(second) == ["mention 3", "mention 4"]
    assert source.poll(second.state, fetcher, sim_clock).drafts == []


def test_malformed_line_logged_with_file_and_line(
    tmp_path: Path, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(line(1) + "not json\n\n" + json.dumps({"id": 9}) + "\n" + line(2))
    with structlog.testing.capture_logs() as logs:
        result = tail(path).poll(PollState(), fetcher, sim_clock)
    assert texts(result) == ["mention 1", "mention 2"] and result.skipped == 2
    skipped = [e for e in logs if e["event"] == "source.item_skipped"]
    assert [e["where"] for e in skipped] == [f"{path}:2", f"{path}:4"]
    assert skipped[0]["reason"] == "malformed JSON" and skipped[0]["source"] == "export"


def test_truncation_and_rotation_restart_from_the_top(
    tmp_path: Path, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(line(1) + line(2))
    source = tail(path)
    state = source.poll(PollState(), fetcher, sim_clock).state
    path.write_text(line(3))  # truncated and rewritten, shorter
    after_truncation = source.poll(state, fetcher, sim_clock)
    assert texts(after_truncation) == ["mention 3"]
    with path.open("a") as f:
        f.write(line(4))  # written just before the rotation, not yet read
    rotated = tmp_path / "m.jsonl.1"
    os.rename(path, rotated)
    path.write_text(line(5) + line(6) + line(7))
    assert texts(source.poll(after_truncation.state, fetcher, sim_clock)) == [
        "mention 4",
        "mention 5",
        "mention 6",
        "mention 7",
    ]


def test_rotation_with_a_long_tail_resumes_in_the_old_file(
    tmp_path: Path, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(line(1))
    source = tail(path, max_lines=2)
    state = source.poll(PollState(), fetcher, sim_clock).state
    with path.open("a") as f:
        f.write(line(2) + line(3) + line(4))
    os.rename(path, tmp_path / "m.jsonl.1")
    path.write_text(line(5))
    first = source.poll(state, fetcher, sim_clock)
    assert texts(first) == ["mention 2", "mention 3"]
    second = source.poll(first.state, fetcher, sim_clock)
    assert texts(second) == ["mention 4", "mention 5"]
    assert source.poll(second.state, fetcher, sim_clock).drafts == []


def test_start_at_end_and_max_lines(
    tmp_path: Path, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(line(1))
    source = tail(path, start_at="end", max_lines=2)
    state = source.poll(PollState(), fetcher, sim_clock).state
    with path.open("a") as f:
        f.write(line(2) + line(3) + line(4))
    first = source.poll(state, fetcher, sim_clock)
    assert texts(first) == ["mention 2", "mention 3"]
    assert texts(source.poll(first.state, fetcher, sim_clock)) == ["mention 4"]


def test_missing_file_is_a_source_error(
    tmp_path: Path, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    import pytest

    from warden.errors import SourceError

    with pytest.raises(SourceError, match="cannot read"):
        tail(tmp_path / "absent.jsonl").poll(PollState(), fetcher, sim_clock)


def test_a_backlog_longer_than_one_poll_is_history_to_its_end(
    tmp_path: Path, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    """start_at: beginning reads what the file held when first seen as backfill, even when
    that takes several polls; the lines written after are news."""
    path = tmp_path / "m.jsonl"
    path.write_text(line(1) + line(2) + line(3))
    source = tail(path, max_lines=2)
    first = source.poll(PollState(), fetcher, sim_clock)
    with path.open("a") as f:
        f.write(line(4))
    second = source.poll(first.state, fetcher, sim_clock)
    third = source.poll(second.state, fetcher, sim_clock)
    flags = [(d.text, d.backfill) for r in (first, second, third) for d in r.drafts]
    assert flags == [
        ("mention 1", True),
        ("mention 2", True),
        ("mention 3", True),
        ("mention 4", False),
    ]
    assert "history_end" not in second.state.cursor  # the history has been read


def test_an_item_answering_another_keeps_its_id(
    tmp_path: Path, fetcher: HttpFetcher, sim_clock: SimulatedClock
) -> None:
    path = tmp_path / "m.jsonl"
    path.write_text(line(1) + line(2, reply_to=1) + line(3, thread={"parent": "1"}))
    drafts = tail(path).poll(PollState(), fetcher, sim_clock).drafts
    assert [d.reply_to for d in drafts] == [None, "1", None]
    mapped = tail(path, fields={"reply_to": "thread.parent"}).poll(PollState(), fetcher, sim_clock)
    assert [d.reply_to for d in mapped.drafts] == [None, None, "1"]
