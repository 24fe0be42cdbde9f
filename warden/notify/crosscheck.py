"""Receiver settings valid one by one but wrong together, located in config.yaml.

`fallback` and `escalate_to` must name another receiver, escalations must not loop back, a
receiver's `max_length` must fit every channel its URLs write to (CHANNELS: SMS 1600, Slack
3000, ...). Each problem is `file:line: key.path: message` at the key itself; doubtful but
workable settings (`escalate_to` relying on the default `escalate_after`) are warnings.
"""

from __future__ import annotations

from typing import Any

from warden.closest import unknown_hint
from warden.notify.channels import CHANNELS, kind_of_url
from warden.notify.settings import ReceiverSettings
from warden.yamlfile import Loc, YamlDocument, format_loc


def _at(doc: YamlDocument, loc: Loc, message: str) -> str:
    return f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}: {message}"


def _escalation_loop(start: str, targets: dict[str, str | None]) -> list[str] | None:
    """The receivers `start` escalates through back to itself, or None when it ends."""
    chain = [start]
    nxt = targets.get(start)
    while nxt is not None and nxt in targets:
        if nxt == start:
            return [*chain, start]
        if nxt in chain:
            return None  # a loop further down: reported from its own members
        chain.append(nxt)
        nxt = targets.get(nxt)
    return None


def receiver_problems(doc: YamlDocument, receivers: list[ReceiverSettings]) -> list[str]:
    """Unknown or self references, escalation loops, and max_length over a channel's limit."""
    names = {r.name for r in receivers}
    targets = {r.name: r.escalate_to for r in receivers}
    problems = []
    for i, receiver in enumerate(receivers):
        for field in ("fallback", "escalate_to"):
            name = getattr(receiver, field)
            loc: Loc = ("receivers", i, field)
            if name is None:
                continue
            if name not in names:
                hint = unknown_hint(name, names - {receiver.name}, "other receivers")
                problems.append(_at(doc, loc, f"{name!r} is not a receiver{hint}"))
            elif name == receiver.name:
                problems.append(
                    _at(doc, loc, f"receiver {name!r} names itself; name another receiver")
                )
        loop = _escalation_loop(receiver.name, targets)
        if loop is not None and len(loop) > 2:
            problems.append(
                _at(
                    doc,
                    ("receivers", i, "escalate_to"),
                    f"escalation loops back: {' -> '.join(loop)}; end the chain at one receiver",
                )
            )
        if receiver.max_length is not None:
            for url in receiver.urls:
                channel = CHANNELS[kind_of_url(url, receiver.kind)]
                if receiver.max_length > channel.max_length:
                    problems.append(
                        _at(
                            doc,
                            ("receivers", i, "max_length"),
                            f"{receiver.max_length} is over the {channel.kind} limit of "
                            f"{channel.max_length} characters",
                        )
                    )
                    break
    return problems


def receiver_warnings(doc: YamlDocument, receivers: list[ReceiverSettings]) -> list[str]:
    """Settings that work but are likely not meant: escalate_to on the default delay."""
    warnings = []
    raw: Any = doc.data.get("receivers") if isinstance(doc.data, dict) else None
    for i, receiver in enumerate(receivers):
        given = raw[i] if isinstance(raw, list) and i < len(raw) else {}
        if receiver.escalate_to is not None and "escalate_after" not in (given or {}):
            warnings.append(
                _at(
                    doc,
                    ("receivers", i, "escalate_to"),
                    "no escalate_after: escalating after the default 15m; set it to say when",
                )
            )
    return warnings
