"""Running rule test files: fill a scratch store, replay the rules, compare the firing alerts.

Each test case gets its own temporary SQLite store and evaluator, and runs the same
`evaluate_once` as the daemon on a simulated clock, so what passes here behaves the same live.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from warden.alerts.replay import replay, scratch_database, steps
from warden.config import Config, EntitySettings, RulesSettings
from warden.durations import format_duration
from warden.notify.message import template_values
from warden.rules.loader import RuleSet, load_rule_paths
from warden.rules.notation import expand_series
from warden.rules.template import render, text_for
from warden.rules.testfile import RuleTestFile, TestCase, load_test_file
from warden.sentiment.labels import LABEL_VALUES
from warden.sources.normalize import text_key
from warden.store.db import Database
from warden.store.models import Alert, Mention, MentionEntity, Score
from warden.store.rollup import BucketKey, Figures, bucket_index, load_buckets, roll_up

_FIELDS = ("count", "scored", "negative", "positive", "sentiment_sum", "reach", "engagement")


@dataclass
class CaseOutcome:
    """The result of one test case: passed, or the failures found (one line each)."""

    file: str
    test: str
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def _label_text(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + "}"


def _fill(db: Database, case: TestCase) -> None:
    start = case.start
    with db.session() as session:
        for i, m in enumerate(case.input_mentions):
            at = start + m.at
            mention = Mention(
                source=m.source,
                external_id=f"test-{i}",
                text=m.text,
                text_key=text_key(m.text),
                lang=m.lang,
                author_handle=m.author,
                author_followers=m.followers,
                published_at=at,
                fetched_at=at,
                likes=m.likes,
                reposts=m.reposts,
                replies=0,
                scored=m.sentiment is not None,
            )
            mention.entities = [MentionEntity(entity=m.entity, published_at=at)]
            if m.sentiment is not None:
                mention.score = Score(
                    label=m.sentiment,
                    score=LABEL_VALUES[m.sentiment],
                    confidence=1.0,
                    model="test",
                    scored_at=at,
                )
            session.add(mention)
        session.flush()
        roll_up(session, start)
        figures: dict[BucketKey, list[float]] = defaultdict(lambda: [0.0] * len(_FIELDS))
        for series in case.input_series:
            m_index = _FIELDS.index(series.metric)
            for i, value in enumerate(expand_series(series.values)):
                index = bucket_index(start + i * case.interval)
                key = (series.entity, index, series.source, series.lang)
                figures[key][m_index] += value
        buckets: dict[BucketKey, Figures] = {}
        for key, acc in figures.items():
            if acc[1] == 0 and (acc[2] or acc[3]):
                acc[1] = acc[0] or acc[2] + acc[3]  # scored defaults to the count
            buckets[key] = (
                int(acc[0]),
                int(acc[1]),
                int(acc[2]),
                int(acc[3]),
                float(acc[4]),
                int(acc[5]),
                int(acc[6]),
            )
        load_buckets(session, buckets, start)


def _firing(db: Database) -> dict[str, list[Alert]]:
    out: dict[str, list[Alert]] = defaultdict(list)
    with db.session() as session:
        for alert in session.scalars(select(Alert).where(Alert.state == "firing")):
            out[alert.rule].append(alert)
    return out


def _check(
    case: TestCase, ruleset: RuleSet, at: timedelta, firing: dict[str, list[Alert]]
) -> list[str]:
    problems = []
    for test in (t for t in case.alert_rule_test if t.eval_time == at):
        when = format_duration(at)
        rule = ruleset.get(test.alertname)
        if rule is None:
            problems.append(f"at {when}: no rule named {test.alertname!r} in the rule files")
            continue
        got = {_label_text(a.labels): a for a in firing.get(test.alertname, [])}
        want = [_label_text(e.labels) for e in test.exp_alerts]
        if sorted(got) != sorted(want):
            problems.append(
                f"at {when}: {test.alertname}: expected "
                f"{', '.join(sorted(want)) or 'no alert'}, got {', '.join(sorted(got)) or 'none'}"
            )
            continue
        for expected in test.exp_alerts:
            alert = got[_label_text(expected.labels)]
            values: dict[str, Any] = template_values(alert, [])
            for key, text in expected.annotations.items():
                actual = render(text_for(rule.annotations.get(key, ""), test.language), values)
                if actual != text:
                    problems.append(
                        f"at {when}: {test.alertname} {_label_text(expected.labels)}: "
                        f"annotation {key}{'' if test.language == 'en' else f' ({test.language})'}"
                        f" is {actual!r}, expected {text!r}"
                    )
    return problems


def run_case(path: Path, spec: RuleTestFile, case: TestCase, ruleset: RuleSet) -> CaseOutcome:
    """Run one test case in its own scratch store."""
    entities = sorted(
        {s.entity for s in case.input_series}
        | {m.entity for m in case.input_mentions}
        | {e for r in ruleset.rules for e in r.rule.entities}
    )
    config = Config(
        entities=[EntitySettings(name=e) for e in entities],
        rules=RulesSettings(evaluate_every=spec.evaluation_interval),
    )
    outcome = CaseOutcome(str(path), case.name or f"test {spec.tests.index(case) + 1}")
    checks = sorted({t.eval_time for t in case.alert_rule_test})
    end = case.start + checks[-1]
    grid = set(steps(case.start, end, spec.evaluation_interval))
    moments = sorted(grid | {case.start + t for t in checks})
    with tempfile.TemporaryDirectory(prefix="warden-test-") as scratch:
        db = scratch_database(Path(scratch))
        try:
            _fill(db, case)
            for moment, _ in replay(db, ruleset, config, moments):
                offset = moment - case.start
                if offset in checks:
                    outcome.failures += _check(case, ruleset, offset, _firing(db))
        finally:
            db.dispose()
    return outcome


def run_test_file(path: Path) -> list[CaseOutcome]:
    """Run every test case of a rule test file; ConfigError if the file or its rules are bad."""
    spec = load_test_file(path)
    ruleset = load_rule_paths([path.parent / f for f in spec.rule_files])
    return [run_case(path, spec, case, ruleset) for case in spec.tests]
