"""Database availability as a named condition: `database.unavailable` once, `database.recovered`.

Jobs report each database failure here instead of logging a traceback per job: the first one
is logged loudly (level error, with the reason: connection refused, read-only, disk full), the
next ones quietly, and the first success afterwards logs how long the outage lasted. /readyz
and /metrics read `up` and `error`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from warden.errors import StorageError
from warden.log import get_logger

log = get_logger(__name__)


_OUTAGE_SQLSTATES = ("08", "53", "57P", "25006", "58")
"""PostgreSQL error classes that mean the server cannot take the work now: connection
exceptions (08), insufficient resources such as a full disk (53), operator intervention such
as a shutdown (57P), read-only transaction (25006), system errors (58)."""


def is_outage(exc: BaseException) -> bool:
    """True for errors that mean "the database cannot be used right now", not a bug.

    SQLite reports a read-only file, a full disk and a lock that outlived the busy timeout as
    OperationalError; PostgreSQL is recognised by SQLSTATE class.
    """
    if isinstance(exc, OperationalError | InterfaceError | StorageError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = str(getattr(exc.orig, "sqlstate", "") or "")
    return sqlstate.startswith(_OUTAGE_SQLSTATES)


def describe(exc: BaseException) -> str:
    """The driver's message, first line only (no SQL statement, no parameters)."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    return f"{type(orig or exc).__name__}: {text[0] if text else ''}"


class DatabaseWatch:
    """Whether the database answered the last time a job used it. Thread-safe."""

    def __init__(self, on_outage: Callable[[], None] | None = None) -> None:
        self.on_outage = on_outage
        """Called once at the start of each outage (the daemon counts them in /metrics)."""
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self.error: str | None = None
        self.outages = 0

    @property
    def up(self) -> bool:
        return self._down_since is None

    def failed(self, exc: BaseException, job: str) -> None:
        """Record an outage seen by `job` (call only when `is_outage(exc)`)."""
        reason = describe(exc)
        with self._lock:
            first = self._down_since is None
            if first:
                self._down_since = time.monotonic()
                self.outages += 1
            self.error = reason
        if first and self.on_outage is not None:
            self.on_outage()
        if first:
            log.error("database.unavailable", job=job, error=reason, action="retrying every cycle")
        else:
            log.debug("database.still_unavailable", job=job, error=reason)

    def succeeded(self) -> None:
        """Record that a job used the database successfully."""
        if self._down_since is None:
            return
        with self._lock:
            since, self._down_since = self._down_since, None
            error, self.error = self.error, None
        if since is not None:
            log.info(
                "database.recovered", down_seconds=round(time.monotonic() - since, 1), error=error
            )
