"""JSON mode: whatever writes to the log (Warden, libraries through the stdlib, Python warnings,
an exception nobody caught) comes out as one JSON object per line."""

from __future__ import annotations

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


def test_libraries_warnings_and_uncaught_exceptions_are_json_lines(restore_hooks: None) -> None:
    out = io.StringIO()
    configure_logging("info", "json", stream=out, capture_process=True)
    get_logger("warden.test").info("source.polled", source="news", new=3)
    logging.getLogger("huggingface_hub.utils._http").warning(
        "Retrying in 1s [Retry 1/5]: https://user:s3cret@hub.example/x"
    )
    transformers_logger = logging.getLogger("transformers.modeling_utils")
    transformers_logger.addHandler(logging.StreamHandler(sys.stderr))  # as transformers does
    logging.getLogger("transformers").propagate = False
    configure_logging("info", "json", stream=out, capture_process=True)  # adopts them back
    transformers_logger.warning("Some weights were not initialized")
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

    events = lines(out)
    assert [e["event"] for e in events] == [
        "source.polled",
        "library.log",
        "library.log",
        "python.warning",
        "python.uncaught",
        "python.uncaught",
    ]
    retry = events[1]
    assert retry["logger"] == "huggingface_hub.utils._http" and retry["level"] == "warning"
    assert "s3cret" not in retry["message"] and "Retrying in 1s" in retry["message"]
    assert events[2]["message"] == "Some weights were not initialized"
    assert "imghdr is deprecated" in events[3]["message"]
    assert events[4]["thread"] == "poll:news" and "ZeroDivisionError" in events[4]["exception"]
    assert events[5]["level"] == "critical" and events[5]["error"] == "RuntimeError: boom"
