"""One daemon per SQLite database: an exclusive lock on `<database>.lock`, held while it runs.

SQLite has a single writer and no advisory locks, so the stage locks that let several
instances share a PostgreSQL database do not exist there; a second `warden run` on the same
SQLite file is refused at start with the first one's process id, instead of two daemons
polling, scoring and notifying twice. The lock is the kernel's (flock): it goes away with the
process, even after SIGKILL.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from warden.errors import WardenError


class SoleInstanceLock:
    """`acquire()` or WardenError naming the running instance; `release()` when stopping."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise WardenError(
                f"another Warden instance (pid {holder}) is running on the SQLite database "
                f"{self.path.with_suffix('')}; SQLite takes one instance: stop it first, or "
                "move to PostgreSQL to run several (docs/operations.md)"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None
