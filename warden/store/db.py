"""The database handle: engine, sessions, and schema upgrades through Alembic."""

from __future__ import annotations

import contextlib
import os
import socket
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from warden.errors import StorageError, WardenError
from warden.store.locks import lock_key

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the poller
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def instance_name() -> str:
    """This process as other instances see it: `warden:<host>:<pid>`."""
    return f"warden:{socket.gethostname()}:{os.getpid()}"


def sqlite_file(url: str) -> Path | None:
    """The file of a `sqlite:///...` URL; None for other databases and in-memory SQLite."""
    if not url.startswith("sqlite") or "///" not in url:
        return None
    path = url.split("///", 1)[1].split("?", 1)[0]
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        return None
    return Path(path)


def storage_problem(url: str) -> str | None:
    """Why Warden could not write the SQLite database at `url` (None when it can, or not SQLite).

    Creates nothing: the database's folder, or the nearest existing folder above it (where the
    daemon would create the rest), must be a writable folder; an existing folder must take a
    new file (SQLite writes its journal beside the database), an existing database file must
    be writable.
    """
    path = sqlite_file(url)
    if path is None:
        return None
    advice = (
        "set database.url to a writable place: under systemd a relative sqlite:/// path lands "
        "in the service's StateDirectory (/var/lib/warden), see docs/operations.md"
    )
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return (
            f"database.url: cannot write the SQLite folder {path.parent} "
            f"({folder} is not a folder); {advice}"
        )
    if folder != path.parent:
        if not os.access(folder, os.W_OK | os.X_OK):
            return (
                f"database.url: cannot create the SQLite folder {path.parent} "
                f"({folder} is not writable); {advice}"
            )
        return None
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".warden-write-test-"):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return f"database.url: cannot write the SQLite folder {folder} ({reason}); {advice}"
    if path.exists() and not os.access(path, os.W_OK):
        return f"database.url: the SQLite file {path} is not writable; {advice}"
    return None


class NoDatabase(WardenError):
    """A command that only reads found no SQLite database file (it creates none)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"no database at {path}: Warden creates it when it first starts (`warden run`), "
            "or run `warden db upgrade`"
        )


def database_problem(exc: DBAPIError, safe_url: str) -> str:
    """One line saying why the database at `safe_url` (password masked) could not be read.

    `exc` is what SQLAlchemy raised: a database that does not exist or cannot be reached, or
    one without Warden's tables (never upgraded). The line ends with what to do.
    """
    reason = str(exc.orig if exc.orig is not None else exc).strip()
    lines = [line.strip() for line in reason.splitlines() if line.strip()]
    first = lines[0] if lines else type(exc).__name__
    if "no such table" in reason or "UndefinedTable" in type(exc.orig).__name__:
        return (
            f"the database {safe_url} has no Warden tables ({first}): run `warden db upgrade`, "
            "or check database.url in config.yaml"
        )
    detail = next((line for line in lines if "does not exist" in line), first)
    return (
        f"cannot reach the database {safe_url}: {detail}; check database.url in config.yaml, "
        "that the server runs and the database exists (then `warden db upgrade`)"
    )


class DatabaseUnavailable(WardenError):
    """The database could not be reached or has no Warden tables (one line, URL masked)."""


class Database:
    """One engine and session factory per URL; SQLite gets WAL and a busy timeout.

    `existing=True` is for commands that only read (`db current`, `sources status`, a
    backtest of the stored mentions): a SQLite file that does not exist is a WardenError
    saying so, instead of an empty database created as a side effect of looking.
    """

    last_opened: ClassVar[str | None] = None
    """The masked URL of the newest handle, so the CLI can name it in a database error."""

    def __init__(self, url: str, echo: bool = False, *, existing: bool = False) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.is_sqlite:
            database = sqlite_file(url)
            if database is not None and existing and not database.is_file():
                raise NoDatabase(database)
            problem = None if existing else storage_problem(url)
            if problem is not None:
                raise StorageError(problem)
            if database is not None and not existing:
                try:
                    database.parent.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    raise StorageError(
                        f"database.url: cannot create the SQLite folder {database.parent} "
                        f"({exc.strerror})"
                    ) from None
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs["pool_pre_ping"] = True
            # Named in pg_stat_activity, so `warden status` can list the running instances.
            kwargs["connect_args"] = {
                "application_name": instance_name()[:63],
                "connect_timeout": 10,
            }
        self.engine: Engine = create_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        Database.last_opened = self.safe_url

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed when the block ends, rolled back if it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def alembic_config(self) -> Any:
        from alembic.config import Config as AlembicConfig

        if not (MIGRATIONS_DIR / "env.py").exists():
            raise WardenError(
                f"migrations not found at {MIGRATIONS_DIR}; install Warden from its source "
                "tree with `pip install -e .` (see README)"
            )
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return cfg

    def upgrade(self, revision: str = "head") -> None:
        """Apply every pending migration (idempotent; safe to call at each start)."""
        from alembic import command

        cfg = self.alembic_config()
        try:
            with self.engine.begin() as conn:
                if not self.is_sqlite:  # instances starting together migrate one at a time
                    conn.execute(
                        text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key("migrations")}
                    )
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        except OperationalError as exc:
            raise DatabaseUnavailable(database_problem(exc, self.safe_url)) from None

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.alembic_config()).get_current_head()

    @property
    def safe_url(self) -> str:
        """The URL with any password masked, for logs and messages."""
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()
