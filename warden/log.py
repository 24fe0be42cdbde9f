"""structlog set-up: JSON lines under systemd or in files, key=value on a terminal; secrets masked.

Events use stable keys so journald queries keep working: `event` (dotted name such as
`source.polled`), `source`, `rule`, `alert`, `receiver`, `mention`, `error`.

In JSON mode every line is one JSON object, whoever writes it: libraries logging through the
standard library (httpx, apscheduler, alembic, huggingface_hub, transformers) come out as
`{"event": "library.log", "logger": ..., "message": ...}`, Python warnings as
`{"event": "python.warning", ...}`, and with `capture_process=True` an uncaught exception in
any thread as `{"event": "python.uncaught", "exception": ...}`.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import sys
import threading
from collections.abc import MutableMapping
from types import TracebackType
from typing import Any, Literal

import structlog

_SECRET_KEYS = re.compile(r"(pass(word)?|secret|token|api[_-]?key|authorization|bearer)", re.I)
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]+):[^@/\s]+@", re.I
)


def mask_secrets(value: str) -> str:
    """Hide the password part of `scheme://user:password@host` URLs."""
    return _URL_CREDENTIALS.sub(r"\g<scheme>\g<user>:***@", value)


_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(value: str) -> str:
    """`value` with control characters (terminal escapes, NUL, direction overrides) written
    as `\\xNN` / `\\uNNNN`, so that no logged text can drive the terminal that reads it."""
    return _CONTROLS.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", value
    )


def _redact(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if _SECRET_KEYS.search(key) and value:
            event[key] = "***"
        elif isinstance(value, str):
            event[key] = visible(mask_secrets(value) if "://" in value else value)
    return event


_STDERR_LOCK = threading.RLock()
"""Held while a whole line goes to stderr: log lines and `say` lines never interleave."""

_CONSOLE_ZONE: dict[str, str | None] = {"zone": None}
"""The time zone console log lines are stamped in (None: UTC); JSON lines stay UTC."""


def set_console_zone(zone: str) -> None:
    """Stamp key=value log lines in `zone` (an IANA name), as the CLI shows its other times."""
    _CONSOLE_ZONE["zone"] = zone


def _console_time(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    zone = _CONSOLE_ZONE["zone"]
    now = datetime.now(UTC)
    local = now.astimezone(ZoneInfo(zone)) if zone else now
    event["timestamp"] = local.strftime("%Y-%m-%d %H:%M:%S %Z")
    return event


def say(line: str) -> None:
    """Write `line` and a newline to stderr in one piece: a progress line a log line from
    another thread cannot split."""
    with _STDERR_LOCK:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()


class _CurrentStderr:
    """Writes to whatever sys.stderr is at the time, not the object it was at start-up;
    text is held per thread until its newline, then written as one whole line."""

    def __init__(self) -> None:
        self._pending = threading.local()

    def write(self, text: str) -> int:
        held: str = getattr(self._pending, "text", "") + text
        head, newline, rest = held.rpartition("\n")
        self._pending.text = rest
        if newline:
            with _STDERR_LOCK:
                sys.stderr.write(head + newline)
        return len(text)

    def flush(self) -> None:
        held: str = getattr(self._pending, "text", "")
        self._pending.text = ""
        with _STDERR_LOCK:
            if held:  # a writer that flushes without a newline still gets its text out
                sys.stderr.write(held)
            sys.stderr.flush()

    def isatty(self) -> bool:
        return sys.stderr.isatty()


def use_json(fmt: Literal["auto", "json", "console"], stream: Any = None) -> bool:
    """JSON when asked, or when not on a terminal (journald sets JOURNAL_STREAM)."""
    if fmt != "auto":
        return fmt == "json"
    stream = stream or sys.stderr
    if os.environ.get("JOURNAL_STREAM"):
        return True
    return not (hasattr(stream, "isatty") and stream.isatty())


def _library_event(
    _logger: Any, _name: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A stdlib record (not a structlog event) gets a stable event name; its text is `message`."""
    record = event.get("_record")
    if record is None or event.get("_from_structlog"):
        return event
    event["message"] = str(event.get("event", ""))
    event["event"] = "python.warning" if record.name == "py.warnings" else "library.log"
    event["logger"] = record.name
    return event


LIBRARY_LOGGERS = ("httpx", "httpcore", "apscheduler", "alembic", "transformers", "huggingface_hub")
"""Libraries whose stdlib loggers are kept at WARNING and routed through Warden's handler."""


class _OverrunFilter(logging.Filter):
    """Drops APScheduler's "skipped: maximum number of running instances reached".

    Warden's jobs never overlap themselves by design: a scoring job draining a backlog, or a
    slow source's poll, simply runs past its next start, which APScheduler would report as a
    warning every interval. Kept at `logging.level: debug`.
    """

    keep = False

    def filter(self, record: logging.LogRecord) -> bool:
        return self.keep or "maximum number of running instances" not in record.getMessage()


_OVERRUN = _OverrunFilter()


def _adopt_library_loggers() -> None:
    """Make libraries that install their own handler (transformers) log through the root one."""
    for name in LIBRARY_LOGGERS:
        lib = logging.getLogger(name)
        lib.handlers[:] = []
        lib.propagate = True
        lib.setLevel(logging.WARNING)
    if "transformers" in sys.modules:
        try:
            from transformers.utils import logging as hf_logging

            hf_logging.disable_default_handler()
            hf_logging.enable_propagation()
        except Exception:  # an older or trimmed transformers: the handlers were cleared above
            pass


def adopt_library_loggers() -> None:
    """Call after importing a library that sets up its own log handler (transformers does)."""
    _adopt_library_loggers()


def _log_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None, thread: str
) -> None:
    structlog.get_logger("warden").critical(
        "python.uncaught",
        thread=thread,
        error=f"{kind.__name__}: {value}",
        exc_info=(kind, value, tb),
    )


def _capture_process() -> None:
    """Python warnings and uncaught exceptions (main thread and others) become log events."""
    logging.captureWarnings(True)

    def excepthook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, value, tb)
            return
        _log_uncaught(kind, value, tb, "MainThread")

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        _log_uncaught(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback, name)

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    # huggingface_hub and transformers install their own plain-text handler when imported;
    # import them now, so that the handlers exist to be removed before a model download
    # retries or a model load warns (both happen before Warden could adopt them later).
    for module in ("huggingface_hub.utils.logging", "transformers.utils.logging"):
        try:
            importlib.import_module(module)
        except Exception:  # not installed in this environment: nothing to adopt
            continue
    # Download progress bars are drawn on stderr with carriage returns: not log lines.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TQDM_DISABLE", "1")


def configure_logging(
    level: str = "info",
    fmt: Literal["auto", "json", "console"] = "auto",
    stream: Any = None,
    capture_process: bool = False,
) -> None:
    """Configure structlog (and the stdlib loggers of libraries) once, at start-up.

    Without `stream`, events go to the process's standard error as it is when each event is
    written (so a replaced or closed stderr object is never kept). `capture_process` (the
    daemon) also routes Python warnings and uncaught exceptions through the log.
    """
    stream = stream or _CurrentStderr()
    numeric = getattr(logging, level.upper(), logging.INFO)
    as_json = use_json(fmt, stream)
    stamp: Any = structlog.processors.TimeStamper(fmt="iso", utc=True) if as_json else _console_time
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        stamp,
        _redact,
    ]
    renderer: Any
    if as_json:
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False, sort_keys=False)
        shared.append(structlog.processors.format_exc_info)
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=stream.isatty() if hasattr(stream, "isatty") else False
        )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=stream),
        cache_logger_on_first_use=False,
    )
    # Libraries (apscheduler, httpx, alembic) log through the stdlib: keep them quiet and
    # render their records like Warden's own events (one JSON object per line in JSON mode).
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.processors.add_log_level,
                stamp,
                _library_event,
                _redact,
                *([structlog.processors.format_exc_info] if as_json else []),
            ],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if numeric < logging.WARNING else numeric)
    _OVERRUN.keep = numeric <= logging.DEBUG
    scheduler_log = logging.getLogger("apscheduler.scheduler")
    if _OVERRUN not in scheduler_log.filters:
        scheduler_log.addFilter(_OVERRUN)
    if capture_process:
        _capture_process()
    _adopt_library_loggers()


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
