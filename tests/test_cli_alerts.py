"""`warden alerts`, `warden ack`, `warden silence ...` and `warden notify test` as the on-call
types them: on a real store and real receivers."""

from __future__ import annotations

import json
import socket
from datetime import timedelta
from pathlib import Path

import pytest
from alerting_helpers import AT, add_alert, config_with
from conftest import free_port
from webhook_server import WebhookServer

from warden.cli import main
from warden.store.db import Database
from warden.store.models import Alert, Notification


def _setup(tmp_path: Path, receivers: list[dict[str, object]]) -> tuple[Path, Database]:
    config = config_with(tmp_path, receivers)
    db = Database(config.database_url)
    db.upgrade()
    return tmp_path / "config.yaml", db


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_alerts_silence_and_ack_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, db = _setup(tmp_path, [{"name": "oncall", "urls": ["json://127.0.0.1:9/x"]}])
    acme = add_alert(db, at=AT)
    reason = "152000 mentions in the last 1h vs 8000 expected (spike): unusual"
    beta = add_alert(db, labels={"entity": "Beta"}, at=AT, values={"count": 2, "reason": reason})
    with db.session() as session:
        session.add(
            Notification(
                alert_id=beta,
                alert_ids=[beta],
                receiver="oncall",
                target=0,
                kind="firing",
                idempotency_key="k",
                stream="s",
                severity="critical",
                title="t",
                body="b",
                status="dead",
                attempts=9,
                uncertain=0,
                last_error="Connection refused",
                next_attempt_at=AT,
                created_at=AT,
            )
        )
    c = ["-c", str(path)]
    added = _json(
        capsys,
        "silence",
        "add",
        *c,
        "entity=Acme",
        "--duration",
        "2h",
        "--comment",
        "known outage",
        "--author",
        "alice",
    )
    assert added["matchers"] == [{"name": "entity", "op": "=", "value": "Acme"}]  # type: ignore[index]
    assert added["created_by"] == "alice" and added["matching"] == 1  # type: ignore[index]
    rows = _json(capsys, "alerts", *c)
    by_id = {r["id"]: r for r in rows}  # type: ignore[union-attr]
    muted = by_id[acme]["muted"]
    assert muted["by"] == "silence" and muted["id"] == added["id"]  # type: ignore[index]
    assert muted["until"] == added["ends_at"]  # type: ignore[index]
    (delivery,) = by_id[beta]["delivery"]
    assert delivery["receiver"] == "oncall" and delivery["target"] == 0
    assert delivery["kind"] == "firing" and delivery["status"] == "dead"
    assert delivery["error"] == "Connection refused" and delivery["at"] == AT.isoformat()
    assert by_id[beta]["reason"] == reason  # what the rule saw, for scripts too

    prefix = by_id[beta]["fingerprint"][:10]
    assert main(["ack", *c, prefix, "--by", "bob"]) == 0
    assert capsys.readouterr().out.strip() == f"alert #{beta} acknowledged by bob"
    assert main(["alerts", *c]) == 0
    table = capsys.readouterr().out
    assert "silenced by #1" in table and " bob " in table
    assert f"#{beta} to oncall: dead: Connection refused" in table
    assert f"#{beta} why: {reason}" in table

    listed = _json(capsys, "silence", "list", *c)
    assert [s["id"] for s in listed] == [added["id"]]  # type: ignore[union-attr,index]
    assert main(["silence", "expire", *c, str(added["id"])]) == 0  # type: ignore[index]
    capsys.readouterr()
    assert _json(capsys, "silence", "list", *c) == []
    rows = _json(capsys, "alerts", *c)
    assert all(r["muted"] is None for r in rows)  # type: ignore[union-attr,index]

    assert main(["ack", *c, "zz"]) == 1
    assert "fingerprint prefix of at least 4 hex digits" in capsys.readouterr().err
    assert main(["silence", "add", *c, "entity", "--duration", "1h", "--comment", "x"]) == 1
    assert "expected name=value" in capsys.readouterr().err
    assert main(["silence", "add", *c, "entity=Acme", "--duration", "soon", "--comment", "x"]) == 1
    assert "--duration 'soon'" in capsys.readouterr().err


def test_notify_test_prints_success_or_the_exact_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    down = free_port()
    with WebhookServer() as hook:
        path, _ = _setup(
            tmp_path,
            [
                {"name": "good", "kind": "slack", "urls": [hook.slack_url()]},
                {"name": "bad", "urls": [f"json://127.0.0.1:{down}/x"], "timeout": "2s"},
                {"name": "nodns", "urls": ["json://warden-test.invalid/x"], "timeout": "2s"},
            ],
        )
        assert main(["notify", "test", "-c", str(path), "good"]) == 0
        assert capsys.readouterr().out.strip() == "sent: good URL 1 of 1 (slack)"
        (request,) = hook.wait_for(1)
        assert "this receiver works" in request.json["text"]
    assert main(["notify", "test", "-c", str(path), "bad"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("failed: bad URL 1 of 1 (text): ")
    # apprise's warning alone ("A Connection error occurred ...") does not say why
    assert f"connection refused by 127.0.0.1 port {down}" in err, err
    assert main(["notify", "test", "-c", str(path), "nodns"]) == 1
    err = capsys.readouterr().err
    assert "the host name could not be resolved (DNS)" in err and "warden-test.invalid" in err
    assert main(["notify", "test", "-c", str(path), "nobody"]) == 1
    assert "no receiver 'nobody'" in capsys.readouterr().err


def test_notify_test_reports_every_url_of_a_receiver_when_some_hang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A server that accepts and never answers costs its timeout; the other URLs are still
    tried, at the same time, and each is reported with its own error (not another URL's),
    each on its own line; `--json` lists them in the file's order, stdout holding only JSON."""
    down = free_port()
    with socket.socket() as hang, WebhookServer() as hook:
        hang.bind(("127.0.0.1", 0))
        hang.listen(8)  # connections wait in the backlog, never read
        port = hang.getsockname()[1]
        urls = [
            f"json://127.0.0.1:{port}/a",
            hook.slack_url(),
            f"json://127.0.0.1:{down}/refused",
            "console://",
        ]
        path, _ = _setup(tmp_path, [{"name": "mixed", "urls": urls, "timeout": "2s"}])
        assert main(["notify", "test", "-c", str(path), "mixed"]) == 1
        captured = capsys.readouterr()
        sent = sorted(x for x in captured.out.splitlines() if x.startswith("sent: "))
        assert sent == ["sent: mixed URL 2 of 4 (text)", "sent: mixed URL 4 of 4 (text)"]
        failed = sorted(x for x in captured.err.splitlines() if x.startswith("failed: "))
        assert [line.split(":")[1] for line in failed] == [
            " mixed URL 1 of 4 (text)",
            " mixed URL 3 of 4 (text)",
        ]
        assert main(["notify", "test", "-c", str(path), "mixed", "--json"]) == 1
        report = json.loads(capsys.readouterr().out)  # the console banner went to stderr
        assert [r["url"] for r in report["results"]] == [1, 2, 3, 4]
        errors = [r["error"] for r in report["results"]]
        assert [e is None for e in errors] == [False, True, False, True]
        assert errors[0].startswith("no answer within 2s") and "refused" not in errors[0]
        assert f"connection refused by 127.0.0.1 port {down}" in errors[2]
        assert "no answer" not in errors[2] and "already defined" not in errors[2]
        assert len(hook.wait_for(2)) == 2


def test_an_alert_held_by_keep_firing_for_says_when_its_condition_last_held(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, db = _setup(tmp_path, [{"name": "oncall", "urls": ["json://127.0.0.1:9/x"]}])
    held = add_alert(db, at=AT)
    holding = add_alert(db, labels={"entity": "Beta"}, at=AT)
    with db.session() as session:
        alert = session.get(Alert, held)
        assert alert is not None
        alert.last_eval_at = AT + timedelta(hours=2)  # evaluated since; the condition did not hold
    c = ["-c", str(path)]
    rows = {r["id"]: r for r in _json(capsys, "alerts", *c)}  # type: ignore[union-attr]
    assert rows[held]["condition_last_held"] == AT.isoformat()
    assert rows[holding]["condition_last_held"] is None
    assert main(["alerts", *c]) == 0
    out = capsys.readouterr().out
    assert f"#{held} condition last held at " in out and "kept firing by keep_firing_for" in out
    assert f"#{holding} condition last held" not in out


def test_silence_typos_are_refused_or_flagged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, db = _setup(tmp_path, [{"name": "oncall", "urls": ["json://127.0.0.1:9/x"]}])
    acme = add_alert(db, at=AT)
    c = ["-c", str(path)]
    add = ["silence", "add", *c, "--duration", "2h", "--comment", "x"]
    assert main([*add, "foo=bar"]) == 1
    assert "no rule or alert has the label 'foo'" in capsys.readouterr().err
    assert main([*add, "entity==x"]) == 1
    assert "the value starts with '='; write entity=x" in capsys.readouterr().err
    with db.session() as session:
        fingerprint = session.get(Alert, acme).fingerprint  # type: ignore[union-attr]
    assert main([*add, "--alert", fingerprint[:6], "source=push"]) == 1
    assert "no rule or alert has the label 'source'" in capsys.readouterr().err
    assert main([*add, "--alert", fingerprint[:6], "entity=Beta"]) == 1
    assert f"do not match alert #{acme} itself" in capsys.readouterr().err
    assert (
        main(["silence", "add", *c, "entity=Acme", "--duration", "99999d", "--comment", "x"]) == 1
    )
    assert "longer than a year (365d)" in capsys.readouterr().err

    assert main([*add, "entity=Nobody"]) == 0
    out, err = capsys.readouterr()
    assert "(0 current alerts match)" in out and "warning: it matches no firing" in err
    assert main([*add, "foo=bar", "--force"]) == 0
    capsys.readouterr()

    assert main(["silence", "expire", *c, "1"]) == 0
    assert capsys.readouterr().out.strip() == "silence #1 expired"
    assert main(["silence", "expire", *c, "#1"]) == 0
    assert "silence #1 had already expired at" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["silence", "expire", *c, "abc"])
    assert "'abc' is not a silence number" in capsys.readouterr().err


def test_json_errors_are_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, _ = _setup(tmp_path, [{"name": "oncall", "urls": ["json://127.0.0.1:9/x"]}])
    assert main(["ack", "-c", str(path), "zz", "--json"]) == 1
    error = json.loads(capsys.readouterr().err)["error"]
    assert "fingerprint prefix of at least 4 hex digits" in error


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_ack_and_silence_lines_of_every_channel_run_as_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], language: str
) -> None:
    import html
    import re
    import shlex

    from warden.notify.channels import KINDS
    from warden.notify.render import render_alert
    from warden.notify.words import Words
    from warden.store.models import Alert

    path, db = _setup(tmp_path, [{"name": "oncall", "urls": ["json://127.0.0.1:9/x"]}])
    alert_id = add_alert(db, at=AT)
    commands: dict[str, set[str]] = {}
    with db.session() as session:
        alert = session.get(Alert, alert_id)
        assert alert is not None
        for kind in KINDS:
            shown = render_alert(alert, None, "firing", [], kind, Words(language))
            for text in (shown.body, shown.html or ""):
                for found in re.findall(r"warden (?:ack|silence add)[^`<\n·]*", text):
                    commands.setdefault(kind, set()).add(html.unescape(found).strip())
            if kind == "sms":  # one segment has room for `ack <fingerprint>` only
                short = re.findall(r"ack ([0-9a-f]+)", shown.body)
    assert set(commands) == set(KINDS) - {"sms"}  # every other channel gives the commands
    silences = {c for found in commands.values() for c in found if "silence" in c}
    acks = {c for found in commands.values() for c in found if "silence" not in c}
    assert len(silences) == 1 and len(acks) == 1  # one command, one fingerprint length
    for kind in commands:
        assert silences <= commands[kind], kind
    assert acks == {f"warden ack {short[0]}"}
    for command in (*silences, *acks):
        argv = shlex.split(command)
        assert argv[0] == "warden"
        assert main([*argv[1:], "-c", str(path)]) == 0, command
    out = capsys.readouterr().out
    assert "acknowledged" in out


def test_messages_held_by_quiet_hours_show_as_held_until_they_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta

    from alerting_helpers import RULE, ruleset

    from warden.alerts.pipeline import notify
    from warden.config import load_config

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start, end = now - timedelta(hours=1), now + timedelta(hours=2)
    quiet = {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}
    path, db = _setup(
        tmp_path,
        [{"name": "oncall", "urls": ["json://127.0.0.1:9/x"], "quiet_hours": quiet}],
    )
    config = load_config(path)
    rules = ruleset(RULE, {**RULE, "name": "acme-volume", "severity": "warning"})
    critical = add_alert(db, at=now)
    warning = add_alert(db, "acme-volume", {"entity": "Beta"}, severity="warning", at=now)
    with db.session() as session:
        notify(session, rules, config, now + timedelta(seconds=31))  # after group_wait
    capsys.readouterr()  # its log lines
    rows = _json(capsys, "alerts", "-c", str(path))
    by_id = {r["id"]: r for r in rows}  # type: ignore[union-attr]
    (sent,) = by_id[critical]["delivery"]  # critical pierces quiet hours: in the outbox
    assert sent["status"] == "pending" and sent["until"] is None
    (held,) = by_id[warning]["delivery"]
    assert held["receiver"] == "oncall" and held["kind"] == "firing"
    assert held["status"] == "held" and held["error"] is None
    assert held["held_by"] == "quiet_hours"
    assert datetime.fromisoformat(held["until"]) == end
    assert main(["alerts", "-c", str(path)]) == 0
    table = capsys.readouterr().out
    assert f"oncall:firing/held-until-{end:%H:%M}" in table
    assert f"#{warning} to oncall: firing held by quiet hours until {end:%Y-%m-%d %H:%M} UTC" in (
        table
    )
    assert f"#{critical} to oncall: firing held" not in table


def test_a_first_message_waiting_for_scores_shows_as_held(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import UTC, datetime, timedelta

    from alerting_helpers import RULE, add_mention, ruleset

    from warden.alerts.pipeline import notify
    from warden.config import load_config

    now = datetime.now(UTC).replace(microsecond=0)
    path, db = _setup(tmp_path, [{"name": "oncall", "urls": ["json://127.0.0.1:9/x"]}])
    config = load_config(path)
    unscored = add_mention(db, "pas content", label=None, at=now)
    alert = add_alert(db, evidence=[unscored], at=now)
    with db.session() as session:
        notify(session, ruleset(RULE), config, now + timedelta(seconds=31))
    capsys.readouterr()
    (row,) = _json(capsys, "alerts", "-c", str(path))  # type: ignore[misc]
    (held,) = row["delivery"]
    assert held["status"] == "held" and held["held_by"] == "scores"
    assert datetime.fromisoformat(held["until"]) == now + config.notifications.wait_for_scores
    assert main(["alerts", "-c", str(path)]) == 0
    assert f"#{alert} to oncall: firing held for the sentiment of the mentions it quotes" in (
        capsys.readouterr().out
    )
