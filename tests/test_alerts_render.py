"""Alert messages in operator language: what is seen against what is usual, why, and since when."""

from __future__ import annotations

from datetime import UTC, datetime

from warden.notify.render import render_alert
from warden.rules.schema import Rule
from warden.store.models import Alert

AT = datetime(2026, 3, 2, 9, 5, tzinfo=UTC)


def _alert(labels: dict[str, str], values: dict[str, object], **kw: object) -> Alert:
    kw.setdefault("state", "firing")
    return Alert(
        id=7,
        rule="r",
        fingerprint="0123456789abcdef" * 4,
        labels=labels,
        severity="critical",
        active_since=AT,
        fired_at=AT,
        last_true_at=AT,
        last_eval_at=AT,
        values=values,
        annotations={},
        evidence=[],
        **kw,
    )


def test_default_summary_is_the_detectors_reason_with_seen_and_usual() -> None:
    rule = Rule.model_validate(
        {"name": "spike", "severity": "critical", "condition": {"kind": "volume_spike"}}
    )
    alert = _alert(
        {"entity": "Acme", "source": "x"},
        {
            "count": 120,
            "observed": 120,
            "expected": 8.0,
            "probability": 2e-9,
            "reason": "120 mentions in the last 5 min vs 8 expected (spike): unusual",
        },
    )
    message = render_alert(alert, rule, "firing", [])
    assert message.title == "[ALERT] CRITICAL spike: Acme (x)"
    lines = message.body.splitlines()
    assert lines[0] == "Acme (x): 120 mentions in the last 5 min vs 8 expected (spike): unusual"
    assert "Seen: 120 · usual: 8 (chance of this by normal variation: 1 in 500,000,000)" in lines
    assert "Since 2026-03-02 09:05 UTC." in lines


def test_warm_up_and_resolution_are_said() -> None:
    rule = Rule.model_validate(
        {
            "name": "quiet",
            "condition": {
                "kind": "any",
                "conditions": [
                    {"kind": "flatline", "source": "rss", "silent_for": "2h"},
                    {"kind": "volume_spike", "direction": "down"},
                ],
            },
        }
    )
    firing = _alert({"source": "rss"}, {"reason": "silent for 3h", "warming_up": True})
    message = render_alert(firing, rule, "firing", [])
    assert message.title == "[ALERT] CRITICAL quiet: source rss"
    assert "still learning what is usual" in message.body
    resolved = _alert(
        {"source": "rss"},
        {"reason": "silent for 0:05:00"},
        resolved_at=datetime(2026, 3, 2, 10, 0, tzinfo=UTC),
        state="resolved",
    )
    message = render_alert(resolved, rule, "resolved", [])
    assert message.title.startswith("[RESOLVED]")
    assert "Resolved at 2026-03-02 10:00 UTC (firing since 2026-03-02 09:05 UTC)." in message.body
