"""`warden test TESTFILE...`: run rule unit tests (input series, expected alerts) like promtool."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from warden.cli.common import add_json_option, plural, print_json
from warden.errors import ConfigError
from warden.log import configure_logging
from warden.rules.testing import CaseOutcome, run_test_file

EPILOG = """\
examples:
  warden test rules/tests/*.yaml         run every rule test file
  warden test rules/tests/demo.yaml --json

A test file names the rule files it tests, then input series written compactly
('5+0x12 40 80' is thirteen fives then 40 and 80, one value per 5-minute bucket) and the
alerts expected to be firing at given times:

  rule_files: [../demo.yaml]
  tests:
    - name: a surge fires within minutes
      input_series:
        - {entity: Acme, metric: count, values: "5+0x600 60 90"}
      alert_rule_test:
        - {eval_time: 3005m, alertname: volume-spike, exp_alerts: [{labels: {entity: Acme}}]}

The value at position i is the bucket starting at i x interval; it is judged once the bucket
has ended, at (i + 1) x interval (evaluate on bucket boundaries: an evaluation inside a
bucket already sees its whole value). Exit status: 0 when every test passes, 1 otherwise.
"""


def _print_human(path: Path, outcomes: list[CaseOutcome]) -> None:
    print(path)
    for outcome in outcomes:
        print(f"  {'ok  ' if outcome.passed else 'FAIL'}  {outcome.test}")
        for failure in outcome.failures:
            print(f"        {failure}")


def run_tests(args: argparse.Namespace) -> int:
    configure_logging("critical", "console")  # the report says it all, alert.* lines included
    results: list[CaseOutcome] = []
    broken = 0
    for path in args.files:
        try:
            outcomes = run_test_file(path)
        except ConfigError as exc:
            broken += 1
            for problem in exc.problems:
                print(problem, file=sys.stderr)
            continue
        results += outcomes
        if not args.json:
            _print_human(path, outcomes)
    failed = sum(1 for r in results if not r.passed)
    if args.json:
        print_json(
            [
                {"file": r.file, "test": r.test, "passed": r.passed, "failures": r.failures}
                for r in results
            ]
        )
    else:
        summary = f"{plural(len(results), 'test')}, {failed:,} failed"
        if broken:
            summary += f", {plural(broken, 'file')} could not be read"
        print(summary)
    return 1 if failed or broken else 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "test",
        help="run rule unit tests (input series and expected alerts)",
        description="Run rule test files: replay input series through the rules and compare "
        "the alerts firing at each eval_time with the expected ones.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="TESTFILE", help="rule test files")
    add_json_option(parser)
    parser.set_defaults(func=run_tests)
