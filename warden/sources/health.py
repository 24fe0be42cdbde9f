"""Per-source health as recorded in `source_state`: for `warden sources status` and /healthz."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.sources.settings import SourceSettings
from warden.store.models import SourceState


@dataclass
class SourceHealth:
    """How one source is doing; `status` is ok, failing, backing_off, disabled or never_polled."""

    source: str
    type: str | None
    status: str
    last_poll_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error_at: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    items_last_poll: int = 0
    total_items: int = 0
    backoff_until: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in asdict(self).items()}


def _status(row: SourceState | None, enabled: bool, now: datetime) -> str:
    if not enabled:
        return "disabled"
    if row is None or row.last_poll_at is None:
        return "never_polled"
    if row.backoff_until is not None and row.backoff_until > now:
        return "backing_off"
    return "failing" if (row.consecutive_failures or 0) > 0 else "ok"


def read_health(
    session: Session, configured: Sequence[SourceSettings], now: datetime
) -> list[SourceHealth]:
    """Health of every configured source, in config order (see `removed_sources` for the rest)."""
    rows = {r.source: r for r in session.scalars(select(SourceState))}
    out: list[SourceHealth] = []
    names = [s.name for s in configured]
    kinds = {s.name: s for s in configured}
    for name in names:
        row = rows.get(name)
        settings = kinds.get(name)
        health = SourceHealth(
            source=name,
            type=settings.type if settings else None,
            status=_status(row, settings.enabled if settings else True, now),
        )
        if row is not None:
            health.last_poll_at = row.last_poll_at
            health.last_success_at = row.last_success_at
            health.last_error_at = row.last_error_at
            health.last_error = row.last_error
            health.consecutive_failures = row.consecutive_failures or 0
            health.items_last_poll = row.items_last_poll or 0
            health.total_items = row.total_items or 0
            health.backoff_until = row.backoff_until
        out.append(health)
    return out


@dataclass
class RemovedSource:
    """A source the database still remembers but the config no longer names."""

    source: str
    last_seen: datetime | None  # its last poll (UTC), None when it never polled

    def as_json(self) -> dict[str, Any]:
        seen = self.last_seen.isoformat() if self.last_seen is not None else None
        return {"source": self.source, "last_seen": seen}


def removed_sources(session: Session, configured: Sequence[SourceSettings]) -> list[RemovedSource]:
    """Sources with a `source_state` row but no longer in the config, by name."""
    names = {s.name for s in configured}
    rows = session.scalars(select(SourceState).order_by(SourceState.source))
    return [RemovedSource(r.source, r.last_poll_at) for r in rows if r.source not in names]


def removed_line(removed: Sequence[RemovedSource], when: Callable[[datetime | None], str]) -> str:
    """``not configured any more: alerts-feed (last seen 2026-11-30 09:12:03 CET)``, or ""."""
    if not removed:
        return ""
    listed = ", ".join(f"{r.source} (last seen {when(r.last_seen)})" for r in removed)
    return f"not configured any more: {listed}"
