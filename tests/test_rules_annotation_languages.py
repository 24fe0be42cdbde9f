"""Annotations per language: `summary: {en: ..., fr: ...}` is checked text by text when the
rule file loads, and every reader (a receiver, the status page, `warden test`) gets the text
in their language, falling back to `en`; a plain string is every language's text."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alerting_helpers import AT, RULE, add_alert, add_mention, config_with, ruleset
from sqlalchemy import select
from web_helpers import add_alert as add_page_alert
from web_helpers import alert_pages, write_config

from warden.alerts.pipeline import notify
from warden.clock import SimulatedClock
from warden.config import Config
from warden.errors import ConfigError
from warden.rules.loader import load_rule_paths, load_rules
from warden.rules.testing import run_test_file
from warden.store.db import Database
from warden.store.models import Notification

ROOT = Path(__file__).resolve().parent.parent
FR = "{{ count }} mentions concernant {{ entity }}, dont {{ share }} négatives"
EN = "{{ count }} mentions of {{ entity }}, {{ share }} negative"
RECEIVERS = [
    {"name": "english", "language": "en", "urls": ["json://localhost/en"]},
    {"name": "french", "language": "fr", "urls": ["json://localhost/fr"]},
]


def _bodies(tmp_path: Path, db: Database, summary: Any) -> dict[str, str]:
    """The message each receiver gets about one alert of a rule with this summary, as the
    pipeline writes it into the outbox."""
    config = config_with(tmp_path, RECEIVERS)
    add_alert(db, evidence=[add_mention(db, "Service lamentable")])
    rule = {**RULE, "annotations": {"summary": summary}}
    with db.session() as session:
        notify(session, ruleset(rule), config, AT + timedelta(minutes=5))
    with db.session() as session:
        return {n.receiver: n.body for n in session.scalars(select(Notification))}


def test_each_receiver_reads_the_summary_in_its_language(
    tmp_path: Path, sqlite_db: Database
) -> None:
    bodies = _bodies(tmp_path, sqlite_db, {"en": EN, "fr": FR})
    assert bodies["english"].startswith("152,000 mentions of Acme, 85% negative")
    assert bodies["french"].startswith(
        "152\u202f000 mentions concernant Acme, dont 85\u00a0% négatives"
    )
    first = {name: body.splitlines()[0] for name, body in bodies.items()}
    assert "concernant" not in first["english"] and "of Acme" not in first["french"]


def test_a_plain_summary_is_every_receivers_text(tmp_path: Path, sqlite_db: Database) -> None:
    bodies = _bodies(tmp_path, sqlite_db, EN)
    assert bodies["english"].startswith("152,000 mentions of Acme, 85% negative")
    assert bodies["french"].startswith("152\u202f000 mentions of Acme, 85\u00a0% negative")


def test_a_text_only_in_english_is_what_french_readers_get(
    tmp_path: Path, sqlite_db: Database
) -> None:
    bodies = _bodies(tmp_path, sqlite_db, {"en": EN})
    assert bodies["french"].startswith("152\u202f000 mentions of Acme, 85\u00a0% negative")


def _rule_file(tmp_path: Path, summary: str) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - name: surge\n"
        "    condition: {kind: volume, window: 10m, above: 15}\n"
        "    annotations:\n"
        "      summary:\n" + textwrap.indent(summary, "        "),
        encoding="utf-8",
    )
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_rule_paths([path])
    return caught.value.problems


def test_a_wrong_placeholder_in_the_french_text_names_its_file_and_line(tmp_path: Path) -> None:
    path = _rule_file(tmp_path, 'en: "{{ count }} mentions"\nfr: "{{ compte }} mentions"\n')
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:7: rules[0].annotations.summary.fr: ")
    assert "unknown placeholder {{ compte }}" in problem


def test_an_unknown_language_is_refused_by_name(tmp_path: Path) -> None:
    path = _rule_file(tmp_path, 'en: "{{ count }} mentions"\nde: "{{ count }} Erwähnungen"\n')
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:7: rules[0].annotations.summary.de: ")
    assert "unknown language 'de'; expected one of en, fr" in problem


def test_texts_per_language_need_the_english_fallback(tmp_path: Path) -> None:
    path = _rule_file(tmp_path, 'fr: "{{ count }} mentions"\n')
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:5: rules[0].annotations.summary: ")
    assert "must include `en`" in problem


def test_a_text_that_is_not_a_string_is_one_error(tmp_path: Path) -> None:
    path = _rule_file(tmp_path, 'en: "{{ count }} mentions"\nfr: [1, 2]\n')
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:7: rules[0].annotations.summary.fr: expected a text")


def test_the_shipped_rules_load_with_a_french_summary_each(tmp_path: Path) -> None:
    config = config_with(tmp_path, RECEIVERS)
    loaded = load_rules(config, sorted((ROOT / "rules").glob("*.yaml")))
    assert len(loaded) >= 7
    for item in loaded.rules:
        summary = item.rule.annotations["summary"]
        assert isinstance(summary, dict) and set(summary) == {"en", "fr"}, item.rule.name
        assert "'" not in summary["fr"], item.rule.name  # French apostrophes are ’
        assert " :" not in summary["fr"] and " ;" not in summary["fr"], item.rule.name
        description = item.rule.description
        assert isinstance(description, dict) and set(description) == {"en", "fr"}, item.rule.name
        assert "'" not in description["fr"], item.rule.name


def test_each_receiver_reads_the_rule_description_in_its_language(
    tmp_path: Path, sqlite_db: Database
) -> None:
    config = config_with(tmp_path, RECEIVERS)
    add_alert(sqlite_db, evidence=[add_mention(sqlite_db, "Service lamentable")])
    rule = {
        **RULE,
        "description": {"en": "Far more than usual.", "fr": "Bien plus qu’à l’habitude."},
    }
    with sqlite_db.session() as session:
        notify(session, ruleset(rule), config, AT + timedelta(minutes=5))
    with sqlite_db.session() as session:
        bodies = {n.receiver: n.body for n in session.scalars(select(Notification))}
    assert "— Far more than usual." in bodies["english"] and "habitude" not in bodies["english"]
    assert "— Bien plus qu’à l’habitude." in bodies["french"]


def _description_file(tmp_path: Path, second: str) -> Path:
    """A rule file whose rule's description has `en` and then `second` (line 5)."""
    path = tmp_path / "rules.yaml"
    path.write_text(
        "rules:\n"
        "  - name: surge\n"
        "    description:\n"
        "      en: Many mentions.\n"
        f"      {second}\n"
        "    condition: {kind: volume, window: 10m, above: 15}\n",
        encoding="utf-8",
    )
    return path


def test_a_placeholder_in_a_description_is_refused_at_its_line(tmp_path: Path) -> None:
    path = _description_file(tmp_path, 'fr: "{{ count }} mentions."')
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:5: rules[0].description.fr: ")
    assert "no placeholders ({{ count }})" in problem


def test_an_unknown_language_in_a_description_is_refused_at_its_line(tmp_path: Path) -> None:
    path = _description_file(tmp_path, "de: Viele Erwähnungen.")
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:5: rules[0].description.de: ")
    assert "unknown language 'de'" in problem


def test_warden_test_compares_with_the_text_of_the_language_asked(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        textwrap.dedent(
            """\
            rules:
              - name: surge
                entity: Acme
                condition: {kind: volume, window: 10m, above: 15}
                annotations:
                  summary:
                    en: "{{ count }} mentions of {{ entity }}"
                    fr: "{{ count }} mentions concernant {{ entity }}"
            """
        ),
        encoding="utf-8",
    )
    tests = tmp_path / "tests.yaml"
    tests.write_text(
        textwrap.dedent(
            """\
            rule_files: [rules.yaml]
            evaluation_interval: 5m
            tests:
              - input_series:
                  - {entity: Acme, metric: count, values: "20 20 20"}
                alert_rule_test:
                  - eval_time: 10m
                    alertname: surge
                    exp_alerts:
                      - labels: {entity: Acme}
                        annotations: {summary: "40 mentions of Acme"}  # 20 + 20 in 10m
                  - eval_time: 10m
                    alertname: surge
                    language: fr
                    exp_alerts:
                      - labels: {entity: Acme}
                        annotations: {summary: "40 mentions concernant Acme"}
                  - eval_time: 10m
                    alertname: surge
                    language: fr
                    exp_alerts:
                      - labels: {entity: Acme}
                        annotations: {summary: "40 mentions of Acme"}
            """
        ),
        encoding="utf-8",
    )
    (outcome,) = run_test_file(tests)
    # English by default, French when asked: the last check expects the wrong text.
    assert outcome.failures == [
        "at 10m: surge {entity=Acme}: annotation summary (fr) is '40 mentions concernant Acme', "
        "expected '40 mentions of Acme'"
    ]


PAGE_RULES = """\
rules:
  - name: acme-volume
    entity: Acme
    condition: {kind: volume, window: 1h, above: 5}
    annotations:
      summary:
        en: "{{ count }} mentions of {{ entity }} in {{ window }}"
        fr: "{{ count }} mentions concernant {{ entity }} en {{ window }}"
      runbook: "Call the comms lead."
"""


def _page_config(tmp_path: Path) -> tuple[Config, Path]:
    config = write_config(tmp_path, {"language": "fr"})
    rules = tmp_path / "rules.yaml"
    rules.write_text(PAGE_RULES, encoding="utf-8")
    return config, rules


def test_the_alert_page_shows_the_summary_in_the_page_language(tmp_path: Path) -> None:
    config, rules = _page_config(tmp_path)
    loaded = load_rules(config, [rules])
    db = Database(config.database_url)
    db.upgrade()
    alert = add_page_alert(
        db, [], values={"count": 1200, "window": "1h"}, annotations={"summary": "stored"}
    )
    french, english = alert_pages(config, db, SimulatedClock(AT), loaded, alert)
    assert "1\u202f200 mentions concernant Acme en 1h" in french
    assert "Résumé" in french and "Call the comms lead." in french
    assert "1,200 mentions of Acme in 1h" in english and "concernant" not in english
    assert "stored" not in french and "stored" not in english  # the rule's texts win
