"""Every check on config.yaml happens at load, located at the option it is about: `warden check`
refuses exactly what `warden run` would, and both name the option's own line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from warden.config import load_config
from warden.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "abcdefghijklmnopqrstuvwxyz"


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    return info.value.problems


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


CASES = {
    "webhook port differs from web:": (
        "timezone: UTC\n"
        "web: {host: 127.0.0.1, port: 8787}\n"
        "sources:\n"
        "  - name: push\n"
        "    type: webhook\n"
        f"    token: {TOKEN}\n"
        "    port: 9999\n",
        7,
        "sources[0].port: webhook source 'push' listens on 127.0.0.1:9999 but web: says "
        "127.0.0.1:8787",
    ),
    "two webhooks on two ports": (
        "sources:\n"
        f"  - {{name: a, type: webhook, token: {TOKEN}, port: 9001}}\n"
        "  - name: b\n"
        "    type: webhook\n"
        f"    token: {TOKEN}\n"
        "    port: 9002\n",
        6,
        "sources[1].port: webhook sources must share one host and port",
    ),
    "two webhooks on one path": (
        "sources:\n"
        f"  - {{name: a, type: webhook, token: {TOKEN}, path: /hooks/in}}\n"
        "  - name: b\n"
        "    type: webhook\n"
        f"    token: {TOKEN}\n"
        "    path: /hooks/in\n",
        6,
        "sources[1].path: webhooks 'a' and 'b' both use the path /hooks/in",
    ),
    "status page on the network without auth": (
        "timezone: UTC\nweb:\n  port: 8787\n  host: 0.0.0.0\n",
        4,
        "web.host: web.auth is required",
    ),
    "webhook on the network without auth": (
        "timezone: UTC\n"
        "sources:\n"
        "  - name: push\n"
        "    type: webhook\n"
        f"    token: {TOKEN}\n"
        "    host: 0.0.0.0\n",
        6,
        "sources[0].host: web.auth is required",
    ),
    "web auth with token and basic": (
        f"web:\n  auth:\n    token: {TOKEN}\n    basic: {{username: a, password: b}}\n",
        4,
        "web.auth.basic: set exactly one of `token` or `basic`",
    ),
    "digest without a schedule": (
        "receivers:\n  - {name: mail, urls: ['mailto://u:p@example.com']}\n"
        "digests:\n"
        "  - name: weekly\n"
        "    receivers: [mail]\n"
        "    schedule: {}\n",
        6,
        "digests[0].schedule: give daily: HH:MM, weekly: 'monday HH:MM', or both",
    ),
    "unknown competitor": (
        "entities:\n"
        "  - name: Acme\n"
        "  - name: Globex\n"
        "    kind: competitor\n"
        "    competitors:\n"
        "      - Acme\n"
        "      - Ghost\n",
        7,
        "entities[1].competitors[1]: entity 'Globex' names competitor 'Ghost', which is not "
        "an entity (other entities: Acme)",
    ),
    "self competitor": (
        "entities:\n  - name: Acme\n    competitors: [Acme]\n",
        3,
        "entities[0].competitors[0]: entity 'Acme' names itself as a competitor",
    ),
    "source names an unknown entity": (
        "entities:\n  - name: Acme\nsources:\n  - name: feed\n    type: demo\n"
        "    entities: [Acme, Acne]\n",
        6,
        "sources[0].entities[1]: source 'feed' names entity 'Acne'",
    ),
    "duplicate entity": (
        "entities:\n  - name: Acme\n  - name: Acme\n",
        3,
        "entities[1].name: two entitys are named 'Acme'",
    ),
    "duplicate source": (
        "sources:\n  - {name: a, type: demo}\n  - name: a\n    type: demo\n",
        3,
        "sources[1].name: two sources are named 'a'",
    ),
    "empty quiet hours": (
        "receivers:\n"
        "  - name: ops\n"
        "    urls: ['json://localhost/x']\n"
        "    quiet_hours:\n"
        "      start: '22:00'\n"
        "      end: '22:00'\n",
        6,
        "receivers[0].quiet_hours.end: start and end are both 22:00",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_a_problem_is_located_at_its_option(tmp_path: Path, case: str) -> None:
    text, line, message = CASES[case]
    path = _write(tmp_path, text)
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:{line}: {message}"), problem


def _warden(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "warden", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    "case", ["webhook port differs from web:", "two webhooks on one path"], ids=str
)
def test_check_refuses_exactly_what_run_refuses(tmp_path: Path, case: str) -> None:
    text, line, message = CASES[case]
    path = _write(tmp_path, text)
    check = _warden("check", "-c", str(path))
    run = _warden("run", "-c", str(path))
    assert check.returncode == run.returncode == 78
    assert f"{path}:{line}: {message}" in check.stderr
    assert f"{path}:{line}: {message}" in run.stderr


def test_a_webhook_on_the_web_address_passes_check(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "web: {host: 127.0.0.1, port: 8787}\n"
        "sources:\n"
        f"  - {{name: push, type: webhook, token: {TOKEN}, port: 8787}}\n",
    )
    config = load_config(path, env={})
    assert [s.name for s in config.sources] == ["push"]


SOURCE_CASES = {
    "mastodon with hashtag and query": (
        "sources:\n  - name: m\n    type: mastodon\n    base_url: https://m.example\n"
        "    hashtag: acme\n    query: acme\n",
        6,
        "sources[0].query: give exactly one of `hashtag` or `query`",
    ),
    "reddit id without secret": (
        "sources:\n  - name: r\n    type: reddit\n    query: acme\n    client_id: abc\n",
        5,
        "sources[0].client_id: give both `client_id` and `client_secret`, or neither",
    ),
}


@pytest.mark.parametrize("case", list(SOURCE_CASES), ids=list(SOURCE_CASES))
def test_a_source_problem_is_located_at_its_option(tmp_path: Path, case: str) -> None:
    text, line, message = SOURCE_CASES[case]
    path = _write(tmp_path, text)
    (problem,) = _problems(path)
    assert problem.startswith(f"{path}:{line}: {message}"), problem


def test_config_and_json_options_may_come_before_the_command(tmp_path: Path) -> None:
    path = _write(tmp_path, "timezone: Nowhere/Land\n")
    before = _warden("-c", str(path), "check")
    after = _warden("check", "-c", str(path))
    assert before.returncode == after.returncode == 78
    assert before.stderr == after.stderr
    assert f"{path}:1: timezone: unknown time zone 'Nowhere/Land'" in before.stderr
    as_json = _warden("--json", "--config", str(path), "check")
    assert as_json.returncode == 78
    assert '"event": "check.failed"' in as_json.stderr + as_json.stdout
    help_text = _warden("--help").stdout
    assert "-c CONFIG, --config CONFIG" in help_text
    assert "warden -c /etc/warden/config.yaml check" in help_text
    refused = _warden("-c", str(path), "schema", "config")
    assert refused.returncode == 2
    assert "warden schema does not read a config file" in refused.stderr
