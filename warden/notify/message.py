"""What an alert message says, before any channel writes it: alerts, figures and mentions.

`build_message` turns alerts (with their rule and quoted mentions) into plain data; the
channel templates in `warden.notify.render` decide how it looks. Everything here is raw: text
from outside (mentions, authors, URLs, entity names) is escaped later, for its channel.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from warden.durations import parse_duration
from warden.notify.values import write
from warden.notify.words import Words
from warden.rules.schema import Rule
from warden.rules.template import render, text_for
from warden.store.models import Alert, Mention

SNIPPET_CHARS = 280
SHORT_FINGERPRINT = 12
"""Hex digits of the fingerprint every channel prints (and `warden ack` takes)."""


@dataclass(frozen=True)
class MentionView:
    id: int
    who: str
    source: str
    followers: int | None
    sentiment: str | None  # negative / neutral / positive, None while not scored
    engagement: int
    published_at: datetime
    snippet: str
    url: str | None


@dataclass(frozen=True)
class AlertView:
    id: int
    short: str  # fingerprint prefix, as `warden ack` takes it
    rule: str
    severity: str
    state: str
    subject: str
    summary: str
    why: str | None
    now: str | None
    observed: Any
    expected: Any
    probability: float | None
    warming_up: bool
    since: datetime
    fired_at: datetime | None
    resolved_at: datetime | None
    description: str
    labels: dict[str, str]
    extra: list[tuple[str, str]]
    mentions: list[MentionView]
    sentiment: dict[str, int] = field(default_factory=dict)
    peak: Any = None  # highest observed figure while firing, written (`85%` for a share)
    lasted: str | None = None  # how long it fired, written for the reader ("1 h 10 min")
    ack_command: str = ""  # `warden ack <short>`, as every channel prints it
    silence_command: str = ""  # a `warden silence add ...` that runs as printed
    page_url: str | None = None  # the alert on the status page (web.public_url), if set
    chart_url: str | None = None  # its chart image on the status page, if set
    held: str | None = None  # when the condition last held, while keep_firing_for holds it


@dataclass(frozen=True)
class MessageView:
    kind: str  # firing, repeat, resolved, test
    alerts: list[AlertView]
    details_url: str | None = None


def snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1].rstrip() + "…"


def mention_view(mention: Mention, words: Words | None = None) -> MentionView:
    """One quoted mention; an author the source did not give is `unknown author` in `words`'
    language."""
    unknown = (words or Words()).unknown_author
    who = f"@{mention.author_handle}" if mention.author_handle else (mention.author_name or unknown)
    return MentionView(
        id=mention.id,
        who=who,
        source=mention.source,
        followers=mention.author_followers or None,
        sentiment=mention.score.label if mention.score is not None else None,
        engagement=mention.engagement,
        published_at=mention.published_at,
        snippet=snippet(mention.text),
        url=mention.url,
    )


def subject(labels: Mapping[str, str]) -> str:
    """`Acme (x, fr)`, or `source rss` for rules about a source rather than an entity."""
    name = labels.get("entity") or f"source {labels.get('source', '?')}"
    extra = [labels[k] for k in ("source", "lang") if labels.get(k) and labels.get("entity")]
    return f"{name} ({', '.join(extra)})" if extra else name


def format_mention(n: int, mention: Mention, words: Words | None = None) -> str:
    """One quoted mention as a line of plain text, in `words`' language, number format and
    time zone (English and UTC without it: rule tests and backtests print these)."""
    words = words or Words()
    view = mention_view(mention, words)
    facts = [view.source]
    if view.followers:
        facts.append(words.count(view.followers, "followers"))
    facts.append(words[view.sentiment] if view.sentiment else words.not_scored)
    if view.engagement:
        facts.append(words.count(view.engagement, "interactions"))
    facts.append(words.time(view.published_at, False))
    quoted = f"{words.open_quote}{view.snippet}{words.close_quote}"
    line = f"{n}. {view.who} ({', '.join(facts)}){words.colon} {quoted}"
    return line + (f"\n   {view.url}" if view.url else "")


def template_values(
    alert: Alert, mentions: Sequence[Mention], words: Words | None = None
) -> dict[str, Any]:
    """What `{{ placeholders }}` in a rule's annotations stand for: labels and figures, the
    quoted mentions and times written for the receiver (`words`: language, zone, numbers)."""
    words = words or Words()
    values = dict(alert.values)
    if "reason" in values or "why" in values:
        values["reason"] = reason_text(alert, words)
    return {
        **alert.labels,
        "rule": alert.rule,
        "entity": alert.labels.get("entity", ""),
        "severity": alert.severity,
        "since": words.time(alert.active_since),
        "top_mentions": "\n".join(format_mention(i, m, words) for i, m in enumerate(mentions, 1)),
        **values,
    }


def reason_text(alert: Alert, words: Words) -> str | None:
    """Why the alert's rule decided what it did at the last evaluation, in `words`' language
    (its stored English sentence for alerts recorded before reasons were data)."""
    english = alert.values.get("reason")
    why = alert.values.get("why")
    if why is None:
        return str(english) if english else None
    return words.reason(why, str(english) if english else None)


def resolved_text(alert: Alert, words: Words) -> str | None:
    """What the rule saw when the alert resolved (or that its rule changed or was removed),
    in `words`' language; None when nothing was recorded."""
    annotations = alert.annotations or {}
    english = annotations.get("resolved_reason")
    why: Any = annotations.get("resolved_why")  # JSON text: annotations hold strings
    with contextlib.suppress(TypeError, ValueError):
        why = json.loads(why) if isinstance(why, str) else why
    if why is None:
        return str(english) if english else None
    return words.reason(why, str(english) if english else None)


def held_text(alert: Alert, rule: Rule | None, words: Words) -> str | None:
    """When the rule's `keep_firing_for` holds the alert past its condition, when the condition
    last held and what the hold means, in `words`' language; None otherwise.

    A firing alert whose condition did not hold at the latest evaluation says until when it
    stays firing; a resolved one says how long after firing its condition last held (the
    story's length, which the resolution time overstates by the hold). None without a rule, a
    hold, or a time the condition last held, and for an alert resolved before its hold ran
    out (its rule was changed or removed).
    """
    if rule is None or rule.keep_firing_for <= timedelta(0) or alert.last_true_at is None:
        return None
    hold = words.duration(rule.keep_firing_for)
    when = words.time(alert.last_true_at)
    if alert.state == "resolved" and alert.fired_at is not None:
        closed = alert.resolved_at
        if closed is None or closed - alert.last_true_at < rule.keep_firing_for:
            return None  # not held to the end: resolved otherwise (its rule changed, ...)
        return words.held_resolved.format(
            time=when,
            lasted=words.duration(alert.last_true_at - alert.fired_at),
            hold=hold,
            colon=words.colon,
        )
    if alert.state == "firing" and alert.condition_lapsed:
        return words.held_firing.format(
            time=when,
            until=words.time(alert.last_true_at + rule.keep_firing_for),
            hold=hold,
            colon=words.colon,
        )
    return None


def value_formatter(words: Words, values: Mapping[str, Any]) -> Callable[[str, Any], str]:
    """How a placeholder's value is written: each figure by what it is (`warden.notify.values`:
    shares and a share rule's threshold as percentages, probabilities as odds, counts with
    separators), as the status page writes it; text (a window like `1h`) as stored."""

    def show(key: str, value: Any) -> str:
        if isinstance(value, str):
            return value
        if key.endswith("_share"):
            return words.percent(value)
        return write(words, key, value, values)

    return show


def ack_command(short: str) -> str:
    """The command acknowledging the alert whose fingerprint starts with `short`."""
    return f"warden ack {short}"


def silence_command(short: str, words: Words) -> str:
    """The command silencing that alert for 2 hours, with the comment `--comment` requires,
    in `words`' language. Every channel prints this one string, so it runs as printed."""
    return f'warden silence add --alert {short} --duration 2h --comment "{words.silence_comment}"'


def _duration(words: Words, text: object) -> str:
    """A stored duration (`1h30m`) as the reader writes it (`1 h 30 min`); as stored if not one."""
    try:
        return words.duration(parse_duration(str(text)))
    except ValueError:
        return str(text)


def _default_summary(alert: Alert, words: Words) -> str:
    v = alert.values
    entity = alert.labels.get("entity", "")
    if "window" in v and "share" in v and "scored" in v:
        return words.share_summary.format(
            count=words.count(v.get("count", "?"), "mention"),
            entity=entity,
            window=_duration(words, v["window"]),
            negative=words.count(v.get("negative", 0), "negative"),
            share=words.percent(float(v["share"])),
        )
    reason = reason_text(alert, words) or words.condition_holds
    return f"{subject(alert.labels)}{words.colon} {reason}"


def rule_annotations(
    alert: Alert, rule: Rule | None, mentions: Sequence[Mention], words: Words
) -> dict[str, str]:
    """The rule's annotations (`summary`, `runbook`, ...) rendered for one alert: the texts in
    `words`' language (else the English ones), with the alert's values in its formats; empty
    without a rule."""
    if rule is None or not rule.annotations:
        return {}
    values = template_values(alert, mentions, words)
    show = value_formatter(words, values)
    return {
        k: render(text_for(t, words.language), values, show) for k, t in rule.annotations.items()
    }


def alert_view(
    alert: Alert, rule: Rule | None, mentions: Sequence[Mention], words: Words
) -> AlertView:
    """The message data of one alert, its summary written in `words`' language and formats
    (the rule's annotation texts in that language, else in English)."""
    annotations = rule_annotations(alert, rule, mentions, words)
    summary = annotations["summary"] if "summary" in annotations else _default_summary(alert, words)
    reason = reason_text(alert, words)
    resolved = alert.state == "resolved"
    probability = alert.values.get("probability")
    views = [mention_view(m, words) for m in mentions]
    sentiment = {"negative": 0, "neutral": 0, "positive": 0, "not_scored": 0}
    for view in views:
        key = view.sentiment or "not_scored"
        sentiment[key] = sentiment.get(key, 0) + 1
    close_reason = resolved_text(alert, words)
    short = alert.fingerprint[:SHORT_FINGERPRINT]
    return AlertView(
        id=alert.id,
        short=short,
        rule=rule.name if rule is not None else alert.rule,
        severity=alert.severity,
        state=alert.state,
        subject=subject(alert.labels),
        summary=summary,
        why=reason if reason and not resolved and "summary" in annotations else None,
        now=(close_reason or reason) if (close_reason or reason) and resolved else None,
        observed=alert.values.get("observed", alert.values.get("count")),
        expected=alert.values.get("expected", alert.values.get("baseline")),
        probability=float(probability) if isinstance(probability, int | float) else None,
        warming_up=bool(alert.values.get("warming_up")),
        since=alert.active_since,
        fired_at=alert.fired_at,
        resolved_at=alert.resolved_at,
        description=text_for(rule.description, words.language) if rule is not None else "",
        labels=dict(sorted(alert.labels.items())),
        extra=[(k.capitalize(), t) for k, t in annotations.items() if k != "summary"],
        mentions=views,
        sentiment={k: v for k, v in sentiment.items() if v},
        peak=(
            write(words, "peak", alert.values["peak"], alert.values)
            if alert.values.get("peak") is not None
            else None
        ),
        lasted=(
            words.duration(alert.resolved_at - alert.fired_at)
            if resolved and alert.resolved_at and alert.fired_at
            else None
        ),
        ack_command=ack_command(short),
        silence_command=silence_command(short, words),
        held=held_text(alert, rule, words),
    )
