"""structlog set-up: JSON lines under systemd or in files, key=value on a terminal; secrets masked.

Events use stable keys so journald queries keep working: `event` (dotted name such as
`source.polled`), `source`, `rule`, `alert`, `receiver`, `mention`, `error`.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog

_SECRET_KEYS = re.compile(r"(pass(word)?|secret|token|api[_-]?key|authorization|bearer)", re.I)
_URL_CREDENTIALS = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]+):[^@/\s]+@", re.I
)


def mask_secrets(value: str) -> str:
    """Hide the password part of `scheme://user:password@host` URLs."""
    return _URL_CREDENTIALS.sub(r"\g<scheme>\g<user>:***@", value)


def _redact(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        if _SECRET_KEYS.search(key) and value:
            event[key] = "***"
        elif isinstance(value, str) and "://" in value:
            event[key] = mask_secrets(value)
    return event


class _CurrentStderr:
    """Writes to whatever sys.stderr is at the time, not the object it was at start-up."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
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


def configure_logging(
    level: str = "info", fmt: Literal["auto", "json", "console"] = "auto", stream: Any = None
) -> None:
    """Configure structlog (and the stdlib loggers of libraries) once, at start-up.

    Without `stream`, events go to the process's standard error as it is when each event is
    written (so a replaced or closed stderr object is never kept).
    """
    stream = stream or _CurrentStderr()
    numeric = getattr(logging, level.upper(), logging.INFO)
    as_json = use_json(fmt, stream)
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
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
    # Libraries (apscheduler, httpx, alembic) log through the stdlib: keep them quiet and routed.
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING if numeric < logging.WARNING else numeric)
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
