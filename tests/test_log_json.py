"""JSON mode: whatever writes to the log (Warden, libraries through the stdlib, Python warnings,
an exception nobody caught) comes out as one JSON object per line."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from warden.log import configure_logging, get_logger


@pytest.fixture
def restore_hooks() -> Iterator[None]:
    saved = sys.excepthook, threading.excepthook, logging.getLogger().handlers[:]
    yield
    sys.excepthook, threading.excepthook = saved[0], saved[1]
    logging.getLogger().handlers[:] = saved[2]
    logging.captureWarnings(False)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_libraries_warnings_and_uncaught_exceptions_are_json_lines(
    restore_hooks: None, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    out = io.StringIO()
    configure_logging("info", "json", stream=out, capture_process=True)
    get_logger("warden.test").info("source.polled", source="news", new=3)
    import huggingface_hub.constants
    from huggingface_hub.utils import http_backoff

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    with contextlib.suppress(Exception):  # the hub's own retry loop, against a closed port
        http_backoff("GET", "http://user:s3cret@127.0.0.1:9/x", max_retries=1, base_wait_time=0.01)
    from transformers.utils import logging as transformers_logging

    transformers_logging.get_logger("transformers.modeling_utils").warning(
        "Some weights were not initialized"
    )
    logging.getLogger("httpx").info("HTTP Request: GET ... 200")  # below WARNING: dropped
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("imghdr is deprecated", DeprecationWarning, stacklevel=1)
    worker = threading.Thread(target=lambda: 1 / 0, name="poll:news")
    worker.start()
    worker.join()
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]

    assert capfd.readouterr().err == ""  # nothing printed around the log (own handlers)
    events = lines(out)
    assert [e["event"] for e in events] == [
        "source.polled",
        "library.log",  # '... thrown while requesting GET ...'
        "library.log",  # 'Retrying in 0.01s [Retry 1/1].'
        "library.log",  # '... thrown while requesting GET ...'
        "library.log",
        "python.warning",
        "python.uncaught",
        "python.uncaught",
    ]
    thrown, retry = events[1], events[2]
    assert retry["logger"] == "huggingface_hub.utils._http" and retry["level"] == "warning"
    assert "Retrying in" in retry["message"]
    assert "s3cret" not in thrown["message"] and "127.0.0.1:9" in thrown["message"]
    assert events[4]["message"] == "Some weights were not initialized"
    assert "imghdr is deprecated" in events[5]["message"]
    assert events[6]["thread"] == "poll:news" and "ZeroDivisionError" in events[6]["exception"]
    assert events[7]["level"] == "critical" and events[7]["error"] == "RuntimeError: boom"


def _run(config: Any) -> Any:
    import os
    import subprocess

    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    env.pop("JOURNAL_STREAM", None)
    return subprocess.run(
        [sys.executable, "-m", "warden", "run", "-c", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_run_prints_config_errors_as_check_lines_with_console_format(tmp_path: Any) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "logging: {format: console}\nentities:\n  - {name: Acme, competitors: [Acmee]}\n"
    )
    result = _run(config)
    assert result.returncode == 78
    assert result.stderr.splitlines() == [
        f"{config}:3: entities[0].competitors[0]: entity 'Acme' names competitor 'Acmee', "
        "which is not an entity (other entities: none defined)"
    ]


def test_run_keeps_the_json_event_with_json_format(tmp_path: Any) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("logging: {format: json}\nentities:\n  - {name: Acme, competitors: [X]}\n")
    result = _run(config)
    assert result.returncode == 78
    (line,) = [json.loads(raw) for raw in result.stderr.splitlines()]
    assert line["event"] == "config.invalid"
    assert line["problems"][0].startswith(f"{config}:3: entities[0].competitors[0]: ")
