"""`warden backtest`: counts and mentions replayed through rules, transitions as JSON lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rules_helpers import add_mention

from warden.cli import main
from warden.store.db import Database
from warden.store.models import Alert

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "tests" / "rules" / "hourly.yaml"
START = datetime(2026, 3, 2, tzinfo=UTC)


def _csv(path: Path, values: list[int], step: timedelta = timedelta(hours=1)) -> Path:
    rows = ["timestamp,value"]
    rows += [f"{(START + i * step).isoformat()},{v}" for i, v in enumerate(values)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_counts_backtest_prints_transitions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = _csv(tmp_path / "counts.csv", [30] * 30 + [200] + [30] * 9)
    code = main(
        ["backtest", str(RULES), "--counts", str(csv), "--entity", "Acme", "--step", "1h", "--json"]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    events = [json.loads(line) for line in captured.out.splitlines()]
    # The spike's hour (06:00) is judged when it ends. The six-hour sum still holds it while
    # the last three hours do (until 09:00), not for its whole six hours; then the rule's
    # two hours of keep_firing_for.
    assert events == [
        {
            "rule": "hourly-spike",
            "labels": {"entity": "Acme", "team": "comms"},
            "state": "firing",
            "at": "2026-03-03T07:00:00Z",
        },
        {
            "rule": "hourly-spike",
            "labels": {"entity": "Acme", "team": "comms"},
            "state": "resolved",
            "at": "2026-03-03T11:00:00Z",
        },
    ]
    assert (
        "hourly-spike {entity=Acme, team=comms}: warming up from 2026-03-02 01:00" in captured.err
    )
    assert "warmed up, judging from 2026-03-03 01:00" in captured.err


def test_mentions_backtest_with_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "words.yaml"
    rules.write_text(
        "rules:\n  - name: recall\n"
        "    condition: {kind: keywords, phrases: [recall], window: 15m}\n",
        encoding="utf-8",
    )
    lines = [
        {"published_at": "2026-03-02T09:00:00Z", "text": "nice kettle", "entity": "Acme"},
        {"published_at": "2026-03-02T10:02:00Z", "text": "Acme recall!", "entity": "Acme"},
        {"published_at": "2026-03-02T11:00:00Z", "text": "calm", "entity": "Acme"},
    ]
    data = tmp_path / "m.jsonl"
    data.write_text("\n".join(json.dumps(x) for x in lines) + "\n", encoding="utf-8")
    assert main(["backtest", str(rules), "--mentions", str(data), "--table", "-q"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["at", "(UTC)", "state", "rule", "labels"]
    assert out[2].split() == ["2026-03-02", "10:05", "firing", "recall", "entity=Acme"]
    assert out[3].split() == ["2026-03-02", "10:20", "resolved", "recall", "entity=Acme"]


def test_bad_counts_file_is_a_plain_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("time,count\n2026-03-02T00:00:00Z,3\n", encoding="utf-8")
    assert main(["backtest", str(RULES), "--counts", str(bad)]) == 1
    assert f"{bad}:1: expected a header with `timestamp,value` columns" in capsys.readouterr().err


def test_a_reversed_range_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    mentions = ROOT / "examples" / "mentions.jsonl"
    argv = ["backtest", str(ROOT / "rules" / "demo.yaml"), "--mentions", str(mentions)]
    assert main([*argv, "--from", "2026-05-07", "--to", "2026-05-06", "-q"]) == 1
    err = capsys.readouterr().err
    assert "--from 2026-05-07 00:00 is not before --to 2026-05-06 00:00" in err
    assert main([*argv, "--from", "2026-05-06", "--to", "2026-05-06", "-q"]) == 1


def test_stored_mentions_backtest_leaves_the_live_store_alone(
    tmp_path: Path, sqlite_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f'database: {{url: "{sqlite_db.url}"}}\nentities: [{{name: Acme}}]\n', encoding="utf-8"
    )
    rules = tmp_path / "words.yaml"
    rules.write_text(
        "rules:\n  - name: recall\n    entity: Acme\n"
        "    condition: {kind: keywords, phrases: [recall], window: 15m}\n",
        encoding="utf-8",
    )
    add_mention(sqlite_db, "Acme", START + timedelta(hours=1), "all fine")
    add_mention(sqlite_db, "Acme", START + timedelta(hours=2, minutes=1), "Acme recall")
    code = main(
        [
            "backtest",
            str(rules),
            "-c",
            str(config),
            "--from",
            "2026-03-02T00:00:00",
            "--to",
            "2026-03-02T03:00:00",
            "--json",
            "-q",
        ]
    )
    assert code == 0
    states = [json.loads(line)["state"] for line in capsys.readouterr().out.splitlines()]
    assert states == ["firing", "resolved"]
    with sqlite_db.session() as session:
        assert session.query(Alert).count() == 0


def test_help_examples_use_files_that_ship_with_warden() -> None:
    from warden.cli.backtest import EPILOG

    examples = EPILOG.split("examples:", 1)[1].split("\n\n", 1)[0].splitlines()
    shipped = [
        word
        for line in examples
        for word in line.split()
        if word.startswith(("examples/", "rules/")) and word != "rules/"
    ]
    assert "examples/volume.csv" in shipped and "examples/mentions.jsonl" in shipped
    for name in shipped:
        assert (ROOT / name).is_file(), f"the --help example reads {name}, which does not exist"


def test_the_shipped_examples_fire_and_the_count_is_in_words(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    data = ["--mentions", "examples/mentions.jsonl", "--json"]
    assert main(["backtest", "rules/demo.yaml", *data, "--step", "30s"]) == 0
    captured = capsys.readouterr()
    fired = [json.loads(line) for line in captured.out.splitlines()]
    assert {(e["rule"], e["state"]) for e in fired} == {
        ("volume-surge", "firing"),
        ("volume-surge", "resolved"),
        ("negative-surge", "firing"),
        ("negative-surge", "resolved"),
    }
    assert "every 30s" in captured.err and "2 alerts fired" in captured.err
    csv = ["--counts", "examples/volume.csv", "--entity", "Banque Exemple"]
    assert main(["backtest", "rules/early-warning.yaml", *csv, "--json"]) == 0
    captured = capsys.readouterr()
    assert "backtest: done in" in captured.err and ", 1 alert fired" in captured.err


def test_a_counts_step_finer_than_a_bucket_is_refused_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = _csv(tmp_path / "counts.csv", [30] * 5)
    assert main(["backtest", str(RULES), "--counts", str(csv), "--step", "1m"]) == 1
    err = capsys.readouterr().err
    assert "--step 1m: with --counts each row is a whole 5-minute bucket" in err
    assert "replay mentions" in err
    with pytest.raises(SystemExit):
        main(["backtest", str(RULES), "--counts", str(csv), "--step", "5"])
    assert "got the bare number 5; write 5s or 5m" in capsys.readouterr().err


def test_quiet_prints_nothing_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = _csv(tmp_path / "counts.csv", [30] * 30 + [200] + [30] * 9)
    args = ["backtest", str(RULES), "--counts", str(csv), "--step", "1h", "--json"]
    assert main([*args, "-q"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and len(captured.out.splitlines()) == 2


def test_stored_mentions_replay_at_the_daemons_cadence_up_to_now(
    tmp_path: Path, sqlite_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f'database: {{url: "{sqlite_db.url}"}}\nentities: [{{name: Acme}}]\n'
        "rules: {evaluate_every: 1m}\n",
        encoding="utf-8",
    )
    rules = tmp_path / "words.yaml"
    rules.write_text(
        "rules:\n  - name: recall\n    entity: Acme\n"
        "    condition: {kind: keywords, phrases: [recall], window: 15m}\n",
        encoding="utf-8",
    )
    now = datetime.now(UTC)
    add_mention(sqlite_db, "Acme", now - timedelta(hours=8), "Acme recall, earlier")
    add_mention(sqlite_db, "Acme", now - timedelta(minutes=40), "Acme recall")
    since = (now - timedelta(hours=3)).isoformat()
    assert main(["backtest", str(rules), "-c", str(config), "--from", since, "--json"]) == 0
    captured = capsys.readouterr()
    events = [json.loads(line) for line in captured.out.splitlines()]
    assert [e["state"] for e in events] == ["firing", "resolved"]  # the recent one only
    fired = datetime.fromisoformat(events[0]["at"].replace("Z", "+00:00"))
    assert timedelta(minutes=39) <= now - fired <= timedelta(minutes=41)  # every minute
    assert "every 1m" in captured.err
    # At one evaluation a second, six hours would be 21,600: every 5m instead, and said so.
    config.write_text(config.read_text().replace("1m", "1s"), encoding="utf-8")
    since = (now - timedelta(hours=6)).isoformat()
    assert main(["backtest", str(rules), "-c", str(config), "--from", since, "--json"]) == 0
    captured = capsys.readouterr()
    assert [json.loads(line)["state"] for line in captured.out.splitlines()] == [
        "firing",
        "resolved",
    ]
    assert "every 5m rather than every 1s" in captured.err and "--step 1s" in captured.err


def test_stored_backfill_is_replayed_as_the_daemon_counts_it(
    tmp_path: Path, sqlite_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    """A source's first poll (backfill) is not news to the daemon: nor to its backtest."""
    config = tmp_path / "config.yaml"
    config.write_text(
        f'database: {{url: "{sqlite_db.url}"}}\nentities: [{{name: Acme}}]\n', encoding="utf-8"
    )
    rules = tmp_path / "words.yaml"
    rules.write_text(
        "rules:\n  - name: recall\n    entity: Acme\n"
        "    condition: {kind: keywords, phrases: [recall], window: 15m}\n",
        encoding="utf-8",
    )
    add_mention(sqlite_db, "Acme", START + timedelta(hours=1), "old Acme recall", backfill=True)
    add_mention(sqlite_db, "Acme", START + timedelta(hours=2, minutes=1), "Acme recall")
    args = ["backtest", str(rules), "-c", str(config), "--json", "-q"]
    window = ["--from", "2026-03-02T00:00:00", "--to", "2026-03-02T03:00:00"]
    assert main([*args, *window]) == 0
    transitions = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [t["state"] for t in transitions] == ["firing", "resolved"]
    assert transitions[0]["at"].startswith("2026-03-02T02:")


def test_counts_backtest_reads_profiles_in_the_given_time_zone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Quiet nights and busy days in Paris, a week either side of the clocks going forward on
    # 29 March 2026: with profiles on the Paris clock the earlier UTC morning is usual.
    paris = ZoneInfo("Europe/Paris")
    start = datetime(2026, 3, 22, tzinfo=UTC)
    rows = ["timestamp,value"]
    for i in range(24 * 9):
        t = start + timedelta(hours=i)
        rows.append(f"{t.isoformat()},{300 if 7 <= t.astimezone(paris).hour < 22 else 30}")
    csv = tmp_path / "paris.csv"
    csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    args = ["backtest", str(RULES), "--counts", str(csv), "--entity", "Acme", "--step", "1h"]

    def firing_after_the_change(extra: list[str]) -> list[str]:
        assert main([*args, "--json", "-q", *extra]) == 0
        events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        return [e["at"] for e in events if e["state"] == "firing" and e["at"] >= "2026-03-29"]

    assert firing_after_the_change(["--timezone", "Europe/Paris"]) == []
    # The same days read in UTC: the mornings come an hour before the profile's.
    assert firing_after_the_change([])
    with pytest.raises(SystemExit):
        main([*args, "--timezone", "Europe/Pariss"])
    assert "unknown time zone 'Europe/Pariss'" in capsys.readouterr().err
