"""`warden test`: rule test files pass and fail with readable reports and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from warden.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_the_shipped_rule_tests_pass(capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(ROOT / "tests" / "rules" / "hourly.test.yaml")]
    files += [str(p) for p in sorted((ROOT / "rules" / "tests").glob("*.yaml"))]
    assert main(["test", *files]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "FAIL" not in out and " 0 failed" in out


def test_a_failing_expectation_names_file_test_time_and_difference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "r.yaml").write_text(
        (ROOT / "tests" / "rules" / "hourly.yaml").read_text(), encoding="utf-8"
    )
    test_file = tmp_path / "t.yaml"
    test_file.write_text(
        """\
rule_files: [r.yaml]
evaluation_interval: 1h
tests:
  - name: wrong on purpose
    interval: 1h
    input_series: [{entity: Acme, values: "20 20 20"}]
    alert_rule_test:
      - {eval_time: 2h, alertname: mostly-negative, exp_alerts: [{labels: {entity: Acme}}]}
      - {eval_time: 2h, alertname: no-such-rule}
""",
        encoding="utf-8",
    )
    assert main(["test", str(test_file)]) == 1
    out = capsys.readouterr().out
    assert f"{test_file}\n  FAIL  wrong on purpose\n" in out
    assert "at 2h: mostly-negative: expected {entity=Acme}, got none" in out
    assert "at 2h: no rule named 'no-such-rule' in the rule files" in out
    assert main(["test", str(test_file), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report[0]["passed"] is False and report[0]["test"] == "wrong on purpose"


def test_a_broken_test_file_is_a_located_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    test_file = tmp_path / "t.yaml"
    test_file.write_text(
        "rule_files: [r.yaml]\ntests:\n  - input_series: [{entity: A, values: '5+x3'}]\n"
        "    alert_rule_test: [{eval_time: 5m, alertname: a}]\n",
        encoding="utf-8",
    )
    assert main(["test", str(test_file)]) == 1
    err = capsys.readouterr().err
    assert f"{test_file}:3: tests[0].input_series[0].values: cannot read '5+x3'" in err
