"""The words of an alert message: a title a phone can show, and a body with the evidence in it.

Messages are read by comms teams as much as by engineers: they say what is happening, to whom,
since when, the numbers, and quote the mentions to read first, with links.
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
    return {
        "rule": alert.rule,
        "entity": alert.labels.get("entity", ""),
        "severity": alert.severity,
        "since": alert.active_since.strftime("%Y-%m-%d %H:%M UTC"),
        "top_mentions": "\n".join(format_mention(i, m) for i, m in enumerate(mentions, 1)),
        **alert.values,
    }


def _default_summary(alert: Alert) -> str:
    v = alert.values
    entity = alert.labels.get("entity", "")
    text = f"{v.get('count', '?')} mentions of {entity} in the last {v.get('window', '?')}"
    if "share" in v:
        text += f", {v.get('negative', 0)} negative ({float(v['share']):.0%} of scored)"
    return text


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
    title = (
        f"[{_KIND_PREFIX.get(kind, kind.upper())}] {alert.severity.upper()} {rule.name}: {entity}"
    )
    lines = [summary, ""]
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
