"""Column types that behave the same on SQLite and PostgreSQL (aware UTC datetimes).

`epoch_seconds` reads such a column as epoch seconds computed by the database, for readers of
many rows that would otherwise build a `datetime` per row.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, cast, extract, func
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC; refuses naive input so no local time sneaks in."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a timezone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite raw strings from text() queries
            value = datetime.fromisoformat(value)
        moment: datetime = value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class epoch_seconds(FunctionElement[int]):  # lower case, as SQL functions are
    """Whole seconds since the epoch of a `UTCDateTime` column, worked out by the database."""

    type = BigInteger()
    inherit_cache = True


@compiles(epoch_seconds)
def _epoch_seconds_sqlite(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps naive UTC as text ("2026-11-26 09:15:59.999732"); strftime('%s') reads it
    # as UTC but rounds it to the millisecond first (that one would become 09:16:00), so the
    # fraction is cut off beforehand: whole seconds, as `int(moment.timestamp())` gives.
    (column,) = element.clauses
    whole_seconds = func.substr(column, 1, 19)
    return str(compiler.process(cast(func.strftime("%s", whole_seconds), BigInteger), **kw))


@compiles(epoch_seconds, "postgresql")
def _epoch_seconds_postgresql(element: epoch_seconds, compiler: SQLCompiler, **kw: Any) -> str:
    # A timestamp without time zone holding UTC: its epoch is the UTC one.
    (column,) = element.clauses
    return str(compiler.process(cast(func.floor(extract("epoch", column)), BigInteger), **kw))
