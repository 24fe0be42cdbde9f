"""Acknowledgement: someone is on it. An acknowledged alert gets no repeats and no escalation
until it resolves (its resolution is still sent)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.errors import WardenError
from warden.store.models import Alert

MIN_PREFIX = 4


def find_alert(session: Session, ref: str) -> Alert:
    """The alert `ref` names: `#12` / `12` (its number) or a fingerprint prefix (at least 4
    hex digits, as printed in messages); WardenError when none or several match."""
    ref = ref.strip().lstrip("#")
    if ref.isdigit():
        alert = session.get(Alert, int(ref))
        if alert is not None:
            return alert
    if len(ref) < MIN_PREFIX or not all(c in "0123456789abcdef" for c in ref.lower()):
        raise WardenError(
            f"no alert {ref!r}: give its number (#12) or a fingerprint prefix of at least "
            f"{MIN_PREFIX} hex digits, as printed in the message"
        )
    found = list(
        session.scalars(
            select(Alert).where(Alert.fingerprint.startswith(ref.lower())).order_by(Alert.id.desc())
        )
    )
    open_ones = [a for a in found if a.state != "resolved"]
    candidates = open_ones or found[:1]
    if not candidates:
        raise WardenError(f"no alert has a fingerprint starting with {ref!r}")
    if len(open_ones) > 1:
        ids = ", ".join(f"#{a.id}" for a in open_ones)
        raise WardenError(f"{ref!r} matches several open alerts ({ids}); give more digits")
    return candidates[0]


def acknowledge(session: Session, ref: str, by: str, now: datetime) -> Alert:
    """Mark the alert acknowledged by `by`; WardenError if it is already resolved."""
    alert = find_alert(session, ref)
    if alert.state == "resolved":
        raise WardenError(f"alert #{alert.id} is already resolved; nothing to acknowledge")
    if alert.acked_at is None:
        alert.acked_at = now
        alert.acked_by = by
    return alert
