"""Silences: label matchers with an author, a comment and an expiry, as in Alertmanager.

A silenced alert is still recorded and shown (`warden alerts`); it is only not sent. Matchers
are written `name=value`, `name!=value`, `name=~regex` or `name!~regex`; `rule` and `severity`
match the alert's rule name and severity as if they were labels.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.errors import WardenError
from warden.store.models import Alert, Silence

_MATCHER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")


def parse_matcher(text: str) -> dict[str, str]:
    """`entity=Acme` → {"name": "entity", "op": "=", "value": "Acme"}; WardenError if not."""
    m = _MATCHER.match(text)
    if m is None:
        raise WardenError(
            f"matcher {text!r}: expected name=value, name!=value, name=~regex or name!~regex"
        )
    name, op, value = m.groups()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    elif value.startswith(("=", "~")):
        raise WardenError(
            f"matcher {text!r}: the value starts with {value[0]!r}; write {name}{op}"
            f"{value[1:]} (or quote a value that really starts so: {name}{op}'{value}')"
        )
    if op in ("=~", "!~"):
        try:
            re.compile(value)
        except re.error as exc:
            raise WardenError(f"matcher {text!r}: not a regular expression ({exc})") from None
    return {"name": name, "op": op, "value": value}


def alert_labels(alert: Alert) -> dict[str, str]:
    """The labels matchers see: the alert's own, plus `rule` and `severity`."""
    return {**alert.labels, "rule": alert.rule, "severity": alert.severity}


def matches(matchers: Sequence[dict[str, str]], labels: dict[str, str]) -> bool:
    for m in matchers:
        value = labels.get(m["name"], "")
        op = m["op"]
        if op == "=" and value != m["value"]:
            return False
        if op == "!=" and value == m["value"]:
            return False
        if op == "=~" and re.fullmatch(m["value"], value) is None:
            return False
        if op == "!~" and re.fullmatch(m["value"], value) is not None:
            return False
    return True


def active(session: Session, now: datetime) -> list[Silence]:
    """Silences in force at `now`."""
    query = select(Silence).where(Silence.starts_at <= now, Silence.ends_at > now)
    return list(session.scalars(query.order_by(Silence.id)))


def silenced_by(alert: Alert, silences: Sequence[Silence]) -> Silence | None:
    labels = alert_labels(alert)
    return next((s for s in silences if matches(s.matchers, labels)), None)


def add(
    session: Session,
    matchers: Sequence[dict[str, str]],
    duration: timedelta,
    author: str,
    comment: str,
    now: datetime,
) -> Silence:
    """Create a silence from now for `duration`; WardenError without matchers or comment."""
    if not matchers:
        raise WardenError("a silence needs at least one matcher (entity=Acme, rule=...)")
    if not comment.strip():
        raise WardenError("a silence needs a comment saying why (--comment)")
    if duration <= timedelta(0):
        raise WardenError("a silence must last more than 0s")
    silence = Silence(
        matchers=list(matchers),
        starts_at=now,
        ends_at=now + duration,
        created_by=author,
        comment=comment,
        created_at=now,
    )
    session.add(silence)
    session.flush()
    return silence


def expire(session: Session, silence_id: int, now: datetime) -> tuple[Silence, bool]:
    """End a silence now: (the silence, whether it was still in force); WardenError if there
    is no such silence. An already-expired silence is left as it was."""
    silence = session.get(Silence, silence_id)
    if silence is None:
        raise WardenError(f"no silence #{silence_id} (see `warden silence list --all`)")
    if silence.ends_at > now:
        silence.ends_at = now
        return silence, True
    return silence, False


def describe(matchers: Sequence[dict[str, str]]) -> str:
    return ", ".join(f"{m['name']}{m['op']}{m['value']}" for m in matchers)
