"""Per-source health as recorded in `source_state`: for `warden sources status` and /healthz."""

from __future__ import annotations

from collections.abc import Sequence
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
    """Health of every configured source (in config order), then of unconfigured leftovers."""
    rows = {r.source: r for r in session.scalars(select(SourceState))}
    out: list[SourceHealth] = []
    names = [s.name for s in configured] + sorted(set(rows) - {s.name for s in configured})
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
