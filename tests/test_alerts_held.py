"""An alert held by `keep_firing_for` says when its condition last held, in messages and pages.

The shipped volume rules keep an alert firing six hours after the condition clears (one story,
one page), so the RESOLVED message comes six hours after the surge ended: it must say when the
condition last held, and a firing alert in its hold must say until when it stays firing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from web_helpers import NOW, alert_pages, write_config
from web_helpers import add_alert as add_page_alert

from warden.clock import SimulatedClock
from warden.notify.render import render_alert
from warden.notify.words import Words
from warden.rules.loader import load_rules
from warden.rules.schema import Rule
from warden.store.db import Database
from warden.store.models import Alert

FIRED = datetime(2026, 3, 2, 9, 35, tzinfo=UTC)
LAST_HELD = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
CHANNELS = ("text", "slack", "markdown", "telegram", "html")


def _rule(hold: str | None) -> Rule:
    body: dict[str, object] = {"name": "vol", "condition": {"kind": "volume_spike"}}
    if hold:
        body["keep_firing_for"] = hold
    return Rule.model_validate(body)


def _alert(state: str, last_eval: datetime, resolved: datetime | None = None) -> Alert:
    return Alert(
        id=7,
        rule="vol",
        fingerprint="0123456789abcdef" * 4,
        labels={"entity": "Acme"},
        severity="critical",
        state=state,
        active_since=FIRED,
        fired_at=FIRED,
        resolved_at=resolved,
        last_true_at=LAST_HELD,
        last_eval_at=last_eval,
        values={"observed": 900, "expected": 40.0, "reason": "900 mentions vs 40 expected"},
        annotations={},
        evidence=[],
    )


def _bodies(alert: Alert, rule: Rule, kind: str, language: str) -> dict[str, str]:
    return {
        channel: render_alert(alert, rule, kind, [], channel, Words(language))
        .body.replace("\\", "")  # MarkdownV2 escapes
        .replace("&#39;", "'")
        for channel in CHANNELS
    }


def test_a_resolution_says_when_the_condition_last_held_and_why_it_came_later() -> None:
    resolved = _alert(
        "resolved", datetime(2026, 3, 2, 22, 0, tzinfo=UTC), FIRED + timedelta(hours=12, minutes=25)
    )
    for channel, body in _bodies(resolved, _rule("6h"), "resolved", "en").items():
        assert "Condition last held at 2026-03-02 16:00 UTC, 6 h 25 min after it fired" in body, (
            channel
        )
        assert "keeps an alert firing 6 h longer (keep_firing_for)" in body, channel
        assert "firing since 2026-03-02 09:35 UTC, lasted 12 h 25 min" in body, channel
        if channel != "html":
            assert "\nCondition last held" in body and "alert.\n" in body, channel  # its own line
    for channel, body in _bodies(resolved, _rule("6h"), "resolved", "fr").items():
        assert (
            "Condition vérifiée pour la dernière fois le 2026-03-02 16:00 UTC, 6 h 25 min après "
            "le déclenchement\u202f: la règle garde une alerte en cours 6 h de plus"
        ) in body, channel


def test_a_firing_alert_in_its_hold_says_until_when_it_stays_firing() -> None:
    held = _alert("firing", datetime(2026, 3, 2, 18, 0, tzinfo=UTC))
    for channel, body in _bodies(held, _rule("6h"), "repeat", "en").items():
        assert (
            "Condition last held at 2026-03-02 16:00 UTC: the alert stays firing until "
            "2026-03-02 22:00 UTC unless it holds again (keep_firing_for 6 h)"
        ) in body, channel
    # While the condition holds, there is nothing to say.
    holding = _alert("firing", LAST_HELD)
    for channel, body in _bodies(holding, _rule("6h"), "repeat", "en").items():
        assert "Condition last held" not in body, channel


def test_an_alert_closed_before_its_hold_ran_out_says_nothing_of_a_hold() -> None:
    """Its rule was edited 19 s after the condition last held: no hold explains the end."""
    closed = _alert("resolved", LAST_HELD, LAST_HELD + timedelta(seconds=19))
    for channel, body in _bodies(closed, _rule("6h"), "resolved", "en").items():
        assert "Condition last held" not in body and "keep_firing_for" not in body, channel


def test_without_a_hold_a_resolution_says_nothing_of_one() -> None:
    resolved = _alert(
        "resolved", LAST_HELD + timedelta(minutes=5), LAST_HELD + timedelta(minutes=5)
    )
    for channel, body in _bodies(resolved, _rule(None), "resolved", "en").items():
        assert "Condition last held" not in body and "keep_firing_for" not in body, channel


RULES = """\
rules:
  - name: acme-volume
    entity: Acme
    condition: {kind: volume, window: 1h, above: 5}
    keep_firing_for: 6h
"""


def test_the_alert_page_says_when_the_condition_last_held(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"language": "fr"})
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    loaded = load_rules(config, [rules])
    db = Database(config.database_url)
    db.upgrade()
    alert = add_page_alert(db, [])
    with db.session() as session:
        row = session.execute(select(Alert).where(Alert.id == alert)).scalar_one()
        row.last_true_at = NOW - timedelta(hours=2)
    french, english = alert_pages(config, db, SimulatedClock(NOW), loaded, alert)
    assert "Maintien" in french and "jusqu’au 2026-03-02 13:05" in french
    assert "Kept firing" in english
    assert "Condition last held at 2026-03-02 07:05" in english
    assert "stays firing until 2026-03-02 13:05" in english
