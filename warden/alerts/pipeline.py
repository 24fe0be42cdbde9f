"""From alert state to the outbox, as a short list of stages, each its own module:

    inhibit (warden.alerts.inhibit) → silence (warden.alerts.silences)
    → route, then escalate unacknowledged alerts (warden.alerts.routing, .escalation)
    → group and de-duplicate against what was last sent (warden.alerts.grouping)
    → hold for quiet hours (warden.alerts.quiet) and for scores of quoted mentions
    → render for each receiver's channel and enqueue (warden.notify.render, .outbox)

Sending is the dispatcher's job, through the outbox. Everything here runs in the evaluate
stage's transaction, right after the alerts' states were advanced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warden.alerts import grouping, quiet, silences
from warden.alerts.escalation import escalated
from warden.alerts.grouping import Decision
from warden.alerts.inhibit import inhibited
from warden.alerts.routing import receivers_for
from warden.config import Config, ReceiverSettings
from warden.log import get_logger
from warden.notify.channels import channel_for
from warden.notify.links import with_links
from warden.notify.message import MessageView, alert_view
from warden.notify.outbox import enqueue
from warden.notify.render import Rendered, Renderer
from warden.notify.words import Words
from warden.rules.loader import RuleSet
from warden.store.models import Alert, AlertGroup, Mention

log = get_logger(__name__)


@dataclass
class _Group:
    receiver: ReceiverSettings
    key: str
    labels: dict[str, str]
    firing: list[Alert] = field(default_factory=list)


@dataclass(frozen=True)
class Muted:
    """Why a firing alert is not sent: `by` "silence" (id: the silence, until: its end) or
    "inhibition" (id: the inhibiting alert, until: None, as long as that one fires)."""

    by: str
    id: int
    until: datetime | None = None

    def __str__(self) -> str:
        return (
            f"silenced by #{self.id}" if self.by == "silence" else f"inhibited by alert #{self.id}"
        )

    def as_json(self) -> dict[str, object]:
        return {
            "by": self.by,
            "id": self.id,
            "until": self.until.isoformat() if self.until else None,
        }


def muted_alerts(
    session: Session, firing: Sequence[Alert], config: Config, now: datetime
) -> dict[int, Muted]:
    """{alert id: why it is not sent} for inhibited and silenced firing alerts."""
    muted = {
        target: Muted("inhibition", source)
        for target, source in inhibited(firing, config.notifications.inhibit_rules).items()
    }
    active = silences.active(session, now)
    for alert in firing:
        found = silences.silenced_by(alert, active)
        if found is not None and alert.id not in muted:
            muted[alert.id] = Muted("silence", found.id, found.ends_at)
    return muted


def _quoted(session: Session, alert: Alert, limit: int) -> list[Mention]:
    return [m for i in alert.evidence[:limit] if (m := session.get(Mention, i)) is not None]


def waiting_for_scores(
    session: Session, alerts: Sequence[Alert], config: Config, now: datetime
) -> bool:
    """Whether a first message should still wait for sentiment scores.

    The wait is bounded by `wait_for_scores` from the alert's first firing, and only mentions
    fetched by then count: evidence refreshed afterwards with new, unscored posts neither
    restarts nor prolongs it. The message then shows the evidence as it stands.
    """
    wait = config.notifications.wait_for_scores
    for alert in alerts:
        if alert.fired_at is None or now - alert.fired_at >= wait:
            continue
        quoted = _quoted(session, alert, config.notifications.top_mentions)
        if any(m.score is None and m.fetched_at <= alert.fired_at for m in quoted):
            return True
    return False


def _stale(alert: Alert) -> bool:
    """A firing alert nobody was told about whose condition no longer held at the last
    evaluation (it is only kept firing by `keep_firing_for`, e.g. while it was inhibited):
    it is not sent as news. Alertmanager-like: once its inhibition or silence ends, an alert
    is sent only if it still fires, with its current figures."""
    return alert.last_notified_at is None and alert.condition_lapsed


def notify(session: Session, ruleset: RuleSet, config: Config, now: datetime) -> int:
    """Run the stages for every firing or just-resolved alert; returns messages enqueued."""
    settings = config.notifications
    receivers = {r.name: r for r in config.receivers}
    firing = list(session.scalars(select(Alert).where(Alert.state == "firing").order_by(Alert.id)))
    muted = muted_alerts(session, firing, config, now)
    groups: dict[str, _Group] = {}
    for alert in firing:
        if alert.id in muted or _stale(alert):
            continue
        rule = ruleset.get(alert.rule)
        first = receivers_for(rule, config.receivers, alert.labels) if rule is not None else []
        for receiver in escalated(alert, first, receivers, now):
            key, labels = grouping.group_of(alert, settings.group_by)
            name = grouping.log_key(receiver.name, key)
            group = groups.setdefault(name, _Group(receiver, key, labels))
            group.firing.append(alert)
    entries = {e.key: e for e in session.scalars(select(AlertGroup))}
    told_ids = {i for e in entries.values() for i in e.firing_ids}
    by_id = {a.id: a for a in firing}
    missing = told_ids - set(by_id)
    if missing:
        for alert in session.scalars(select(Alert).where(Alert.id.in_(missing))):
            by_id[alert.id] = alert
    for name, known in entries.items():
        if known.receiver not in receivers:
            session.delete(known)  # the receiver left config.yaml
        elif name not in groups:
            groups[name] = _Group(receivers[known.receiver], "", dict(known.labels))
    renderer = Renderer(settings.templates_dir)
    sent = 0
    for name, group in groups.items():
        try:
            with session.begin_nested():  # one group's failure leaves the others (and states) be
                sent += _notify_group(
                    session, ruleset, config, renderer, name, group, entries.get(name), by_id, now
                )
        except Exception as exc:
            log.error(
                "notify.group_failed",
                receiver=group.receiver.name,
                group=name,
                error=f"{type(exc).__name__}: {exc}",
                exc_info=True,
            )
    session.flush()
    return sent


def _notify_group(
    session: Session,
    ruleset: RuleSet,
    config: Config,
    renderer: Renderer,
    name: str,
    group: _Group,
    entry: AlertGroup | None,
    by_id: dict[int, Alert],
    now: datetime,
) -> int:
    """Decide, hold or send one group's message at one receiver; returns messages enqueued."""
    settings = config.notifications
    resolved = [
        by_id[i]
        for i in (entry.firing_ids if entry is not None else [])
        if i in by_id and by_id[i].state == "resolved"
    ]
    if entry is None and group.firing:
        entry = AlertGroup(
            key=name,
            receiver=group.receiver.name,
            labels=group.labels,
            first_seen_at=now,
            last_sent_at=None,
            firing_ids=[],
        )
        session.add(entry)
    if entry is not None and entry.last_sent_at is None and not group.firing:
        session.delete(entry)  # resolved or muted before its first message: nobody was told
        return 0
    decision = grouping.decide(entry, group.firing, resolved, settings, now)
    if decision is None or entry is None:
        return 0
    worst = max(decision.alerts, key=lambda a: _RANK.get(a.severity, 1)).severity
    if quiet.held(group.receiver, worst, now):
        return 0
    if decision.kind != "resolved" and waiting_for_scores(session, decision.firing, config, now):
        return 0
    sent = _enqueue(session, ruleset, config, renderer, group.receiver, name, decision, now)
    if decision.firing:
        entry.firing_ids = [a.id for a in decision.firing]
        entry.last_sent_at = now
    else:
        session.delete(entry)
    for alert in decision.firing:
        alert.last_notified_at = now
    return sent


_RANK = {"info": 0, "warning": 1, "critical": 2}


def message_for(
    session: Session,
    ruleset: RuleSet,
    config: Config,
    kind: str,
    alerts: Sequence[Alert],
    words: Words,
) -> MessageView:
    """The message data for `alerts`, in `words`' language."""
    limit = config.notifications.top_mentions
    public = config.web.public_url
    views = [
        with_links(alert_view(a, ruleset.get(a.rule), _quoted(session, a, limit), words), public)
        for a in alerts
    ]
    return MessageView(kind, views, config.notifications.details_url)


def stream_topic(name: str, alerts: Sequence[Alert]) -> str:
    """The outbox stream of a group's messages at one receiver (`name`: `receiver|group`).

    A group of one alert (`group_by: ["..."]`) is keyed by the alert's id, which changes each
    time its rule and labels fire anew; its stream is the alert's fingerprint instead, so the
    messages of successive alerts of one rule and labels go out in the order they were
    written, and a new ALERT replaces an older RESOLVED still waiting to be sent.
    """
    _, _, key = name.partition("|")
    if key.startswith("alert:") and len(alerts) == 1:
        return f"fingerprint:{alerts[0].fingerprint}"
    return f"group:{name}"


def _enqueue(
    session: Session,
    ruleset: RuleSet,
    config: Config,
    renderer: Renderer,
    receiver: ReceiverSettings,
    name: str,
    decision: Decision,
    now: datetime,
) -> int:
    words = Words(receiver.language, receiver.timezone)
    message = message_for(session, ruleset, config, decision.kind, decision.alerts, words)

    def render(target: ReceiverSettings, index: int) -> Rendered:
        channel = channel_for(target.urls[index], target.kind)
        return renderer.render(message, channel, words, target.max_length)

    alerts = decision.alerts
    severity = max(alerts, key=lambda a: _RANK.get(a.severity, 1)).severity
    stamp = now.strftime("%Y%m%dT%H%M%S")
    rows = enqueue(
        session,
        alerts[0],
        decision.kind,
        [receiver],
        "",
        "",
        now,
        severity=severity,
        key_prefix=f"{name}:{decision.kind}:{stamp}",
        render=render,
        topic=stream_topic(name, alerts),
        alert_ids=[a.id for a in alerts],
    )
    log.info(
        "notify.enqueued",
        receiver=receiver.name,
        kind=decision.kind,
        alerts=[a.id for a in alerts],
        messages=len(rows),
    )
    return len(rows)
