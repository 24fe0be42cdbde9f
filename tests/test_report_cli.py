"""`warden report`: the HTML file, the table, the JSON numbers; read-only; clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from report_helpers import seed, write_config

from warden.cli import main
from warden.store.db import Database

NBSP = "\u00a0"


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    db_url = f"sqlite:///{tmp_path / 'warden.db'}"
    db = Database(db_url)
    db.upgrade()
    seed(db)
    db.dispose()
    return write_config(tmp_path, db_url)


def test_writes_the_html_digest(
    seeded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "digest.html"
    code = main(
        ["report", "-c", str(seeded), "--period", "7d", "--end", "2026-11-30T09:00",
         "--lang", "fr", "--to", str(out)]
    )  # fmt: skip
    assert code == 0
    html = out.read_text(encoding="utf-8")
    # Titled as a report, in French, with what and when it covers.
    assert "<title>Rapport Warden · Acme · 24–30 nov. 2026</title>" in html
    assert "Synthèse" not in html and "digest" not in html.lower()
    assert "2026-11-24 00:00 CET → 2026-11-30 09:00 CET" in html
    # The same weekdays a week earlier, up to the same time, said in one plain sentence.
    assert (
        "Comparaison avec 2026-11-17 00:00 CET → 2026-11-23 09:00 CET, les mêmes jours une "
        "semaine plus tôt, jusqu’à la même heure."
    ) in html
    assert "Les chiffres entre parenthèses sont ceux de la période comparée." in html
    assert html.count('src="data:image/png;base64,') == 3
    assert "&lt;script&gt;" in html and "<script" not in html
    assert capsys.readouterr().out.startswith(f"{out}: 1 comparison(s), fr, Europe/Paris")


def test_table_and_json(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "-c", str(seeded), "--end", "2026-11-30T08:00Z"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Period: 2026-11-24 00:00 CET → 2026-11-30 09:00 CET"
    assert lines[1] == (
        "Compared with 2026-11-17 00:00 CET → 2026-11-23 09:00 CET, the same days a week "
        "earlier, up to the same time."
    )
    assert lines[5].split()[:8] == ["Acme", "6", "+50%", "75%", "3", "1", "2", "1"]
    assert "2/3 answered, median 1 h" in lines[5]
    assert lines[6].split() == ["Globex", "2", "−50%", "25%", "0", "1", "1", "0"]
    assert main(["report", "-c", str(seeded), "--end", "2026-11-30T08:00Z", "--json",
                 "--period", "24h", "--entity", "Globex"]) == 0  # fmt: skip
    data = json.loads(capsys.readouterr().out)
    assert data["period"]["start"] == "2026-11-29T08:00:00+00:00"
    assert data["period"]["step_seconds"] == 3600
    assert data["period"]["timezone"] == "Europe/Paris" and len(data["period"]["buckets"]) == 24
    ((globex,),) = [c["entities"] for c in data["comparisons"]]
    assert (globex["name"], globex["volume"], globex["share"]) == ("Globex", 0, None)


def test_a_day_is_compared_with_the_same_span_a_day_earlier(
    seeded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """24 h ending 14:14 starts at 14:00: the comparison is that span moved back 24 hours
    exactly (no hour lost, no gap), and a text with no nested brackets."""
    args = ["report", "-c", str(seeded), "--period", "24h", "--lang", "fr"]
    assert main([*args, "--end", "2026-11-30T14:14"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Période\u202f: 2026-11-29 14:00 CET → 2026-11-30 14:14 CET"
    assert lines[1] == (
        "Comparaison avec 2026-11-28 14:00 CET → 2026-11-29 14:14 CET, les mêmes heures un "
        "jour plus tôt."
    )
    assert main([*args, "--end", "2026-11-30T14:00", "--json"]) == 0
    previous = json.loads(capsys.readouterr().out)["period"]["previous"]
    assert previous == {
        "start": "2026-11-28T13:00:00+00:00", "end": "2026-11-29T13:00:00+00:00"
    }  # fmt: skip


def test_report_reads_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_file = tmp_path / "state" / "warden.db"
    config = write_config(tmp_path, f"sqlite:///{db_file}")
    assert main(["report", "-c", str(config)]) == 1
    err = capsys.readouterr().err
    assert f"no database at {db_file}" in err and "`warden db upgrade`" in err
    assert not db_file.exists() and not db_file.parent.exists()


def test_operator_errors_are_one_line(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "-c", str(seeded), "--entity", "Initech"]) == 1
    assert capsys.readouterr().err == (
        "warden: --entity 'Initech' is not an entity of config.yaml (entities: Acme, Globex)\n"
    )
    assert main(["report", "-c", str(seeded), "--entity", "Globx"]) == 1
    assert capsys.readouterr().err == (
        "warden: --entity 'Globx' is not an entity of config.yaml; did you mean 'Globex'? "
        "(entities: Acme, Globex)\n"
    )
    with pytest.raises(SystemExit):
        main(["report", "-c", str(seeded), "--timezone", "Mars/Olympus"])
    assert "--timezone" in capsys.readouterr().err


def test_entity_in_any_case_or_accents_and_the_table_in_french(
    seeded: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "-c", str(seeded), "--end", "2026-11-30T08:00Z", "--entity", "ÂCME",
                 "--lang", "fr"]) == 0  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "entity: Acme"  # the name as config.yaml spells it
    assert lines[1] == "Période\u202f: 2026-11-24 00:00 CET → 2026-11-30 09:00 CET"
    assert lines[2].startswith("Comparaison avec 2026-11-17 00:00 CET → 2026-11-23 09:00 CET")
    assert lines[4].split()[:4] == ["entité", "mentions", "évolution", "part"]
    assert lines[6].split()[:2] == ["Acme", "6"] and f"+50{NBSP}%" in lines[6]
    assert "2/3 répondues, médiane 1 h" in lines[6]
    assert "! Acme: Negative surge on Acme <b>bold</b> (critique," in lines[-1]


def test_an_end_in_the_future_is_refused(seeded: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "-c", str(seeded), "--end", "2999-01-01T00:00Z"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("warden: --end 2999-01-01T00:00:00+00:00 is in the future")
    assert err.count("\n") == 1
