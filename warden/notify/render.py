"""The words of an alert message: a title a phone can show, and a body with the evidence in it.

Messages are read by comms teams as much as by engineers: they say what is happening, to whom,
since when, what was seen against what is usual and why the rule judged it unusual, and quote
the mentions to read first, with links.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from warden.rules.schema import Rule
from warden.rules.template import render
from warden.store.models import Alert, Mention

_KIND_PREFIX = {"firing": "ALERT", "repeat": "STILL FIRING", "resolved": "RESOLVED"}
SNIPPET_CHARS = 280


def _snippet(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1].rstrip() + "…"


def format_mention(n: int, mention: Mention) -> str:
    who = f"@{mention.author_handle}" if mention.author_handle else (mention.author_name or "?")
    facts = [mention.source]
    if mention.author_followers:
        facts.append(f"{mention.author_followers:,} followers")
    if mention.score is not None:
        facts.append(mention.score.label)
    engagement = mention.engagement
    if engagement:
        facts.append(f"{engagement:,} interactions")
    when = mention.published_at.strftime("%H:%M UTC")
    line = f'{n}. {who} ({", ".join(facts)}, {when}): "{_snippet(mention.text)}"'
    if mention.url:
        line += f"\n   {mention.url}"
    return line


def template_values(alert: Alert, mentions: Sequence[Mention]) -> dict[str, Any]:
    """What `{{ placeholders }}` stand for: the alert's labels and the figures behind it."""
    return {
        **alert.labels,
        "rule": alert.rule,
        "entity": alert.labels.get("entity", ""),
        "severity": alert.severity,
        "since": alert.active_since.strftime("%Y-%m-%d %H:%M UTC"),
        "top_mentions": "\n".join(format_mention(i, m) for i, m in enumerate(mentions, 1)),
        **alert.values,
    }


def _subject(alert: Alert) -> str:
    labels = alert.labels
    subject = labels.get("entity") or f"source {labels.get('source', '?')}"
    extra = [labels[k] for k in ("source", "lang") if labels.get(k) and labels.get("entity")]
    return f"{subject} ({', '.join(extra)})" if extra else subject


def _default_summary(alert: Alert) -> str:
    v = alert.values
    entity = alert.labels.get("entity", "")
    if "window" in v and "share" in v and "scored" in v:
        return (
            f"{v.get('count', '?')} mentions of {entity} in the last {v['window']}, "
            f"{v.get('negative', 0)} negative ({float(v['share']):.0%} of scored)"
        )
    reason = str(v.get("reason") or "the rule's condition holds")
    return f"{_subject(alert)}: {reason}"


def _figures(values: dict[str, Any]) -> str | None:
    """`Seen: 120 · usual: 8` when the rule compares with a baseline."""
    observed = values.get("observed", values.get("count"))
    expected = values.get("expected", values.get("baseline"))
    if observed is None or expected is None:
        return None
    line = f"Seen: {_plain(observed)} · usual: {_plain(expected)}"
    probability = values.get("probability")
    if isinstance(probability, int | float) and probability > 0:
        line += f" (chance of this by normal variation: {probability:.1g})"
    return line


def _plain(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}".rstrip("0").rstrip(".")
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_alert(
    alert: Alert, rule: Rule, kind: str, mentions: Sequence[Mention]
) -> tuple[str, str]:
    """(title, body) of the message for `alert` entering `kind` (firing, repeat, resolved)."""
    values = template_values(alert, mentions)
    entity = alert.labels.get("entity", "")
    summary = (
        render(rule.annotations["summary"], values)
        if "summary" in rule.annotations
        else (_default_summary(alert))
    )
    prefix = _KIND_PREFIX.get(kind, kind.upper())
    title = f"[{prefix}] {alert.severity.upper()} {rule.name}: {_subject(alert)}"
    lines = [summary, ""]
    reason = alert.values.get("reason")
    if reason and kind != "resolved" and "summary" in rule.annotations:
        lines.append(f"Why: {reason}")
    elif reason and kind == "resolved":
        lines.append(f"Now: {reason}")
    figures = _figures(alert.values)
    if figures and kind != "resolved":
        lines.append(figures)
    if alert.values.get("warming_up"):
        lines.append(
            "Note: part of this rule is still learning what is usual for "
            f"{entity or 'this source'} (warming up); it judges with less history for now."
        )
    if kind == "resolved":
        lines.append(
            f"Resolved at {alert.resolved_at:%Y-%m-%d %H:%M UTC} "
            f"(firing since {alert.fired_at:%H:%M UTC})."
            if alert.resolved_at and alert.fired_at
            else "Resolved."
        )
    else:
        lines.append(f"Since {values['since']}.")
    if rule.description:
        lines.append(f"Rule: {rule.name} ({alert.severity}) — {rule.description}")
    else:
        lines.append(f"Rule: {rule.name} ({alert.severity})")
    labels = ", ".join(f"{k}={v}" for k, v in sorted(alert.labels.items()))
    lines.append(f"Labels: {labels}")
    for key, template in rule.annotations.items():
        if key != "summary":
            lines.append(f"{key.capitalize()}: {render(template, values)}")
    if mentions and kind != "resolved":
        lines += ["", "Read first:", values["top_mentions"]]
    lines += ["", f"Alert #{alert.id} · fingerprint {alert.fingerprint[:12]}"]
    return title, "\n".join(lines)
