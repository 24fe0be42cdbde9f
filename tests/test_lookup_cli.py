"""`warden lookup` from the shell, against the local platform fakes: tables per source with
hostile text made harmless, --json, read-only without --watch, and --watch editing
config.yaml as text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lookup_helpers import Platforms, platforms, write_config
from source_servers import FakeServer

from warden.cli import main
from warden.config import load_config


@pytest.fixture
def fakes(server: FakeServer) -> Platforms:
    return platforms(server)


HOSTILE = (
    "acme \x1b[31mRED\x1b[0m \x1b]0;pwned\x07 line\rover \u202eevil\u202c bell\x07 \x9b2J done"
)


def test_the_table_groups_results_per_source_and_prints_hostile_text_harmlessly(
    tmp_path: Path, fakes: Platforms, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes.x.add(HOSTILE)
    post = fakes.bluesky.add("love acme")
    post["author"]["handle"] = "\u202ebob\x1b[2J.bsky.social"
    path = write_config(tmp_path, fakes.server.url)
    code = main(
        [
            "lookup",
            "Acme",
            "-c",
            str(path),
            "--no-sentiment",
            "--source",
            "x-acme",
            "--source",
            "bsky-acme",
            "--source",
            "reddit-acme",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert "== x-acme (x): 1 result" in out and "== bsky-acme (bluesky): 1 result" in out
    assert "== reddit-acme (reddit): 0 results" in out
    assert "RED" in out and "line over evil bell" in out
    assert "bob[2J.bsky.social" in out
    for bad in ("\x1b", "\r", "\x07", "\u202e", "\u202c", "\x9b"):
        assert bad not in out and bad not in err
    assert "https://x.com/user1/status/" in out
    assert "TIME" in out and "AUDIENCE" in out
    assert "searching 3 sources" in err and "[3/3]" in err
    assert "not scored (--no-sentiment)" in out


def test_json_output_has_each_group_with_scored_items(
    tmp_path: Path,
    fakes: Platforms,
    tiny_model_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fakes.hackernews.add("awful hate acme", story=True)
    path = write_config(
        tmp_path,
        fakes.server.url,
        extra=f"sentiment: {{model: '{tiny_model_dir}'}}\n",
    )
    code = main(
        [
            "lookup",
            "Acme",
            "--company",
            "--place",
            "Lyon",
            "--json",
            "-c",
            str(path),
            "--source",
            "hn-acme",
            "--limit",
            "3",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    body = json.loads(out)
    assert body["query"] == {
        "name": "Acme",
        "kind": "company",
        "place": "Lyon",
        "limit": 3,
        "sources": ["hn-acme"],
    }
    assert body["sentiment"]["model"] and "tiny-sentiment" in body["sentiment"]["model"]
    assert body["total"] == 1 and body["watched"] is None
    (group,) = body["groups"]
    assert (group["source"], group["platform"], group["error"]) == ("hn-acme", "hackernews", None)
    assert group["query"] == '"Acme" Lyon'
    (item,) = group["items"]
    assert set(item) == {
        "text",
        "title",
        "author",
        "followers",
        "url",
        "published_at",
        "engagement",
        "lang",
        "sentiment",
        "mention_id",
    }
    assert item["sentiment"]["label"] == "negative" and item["sentiment"]["score"] < 0
    assert item["url"].startswith("https://news.ycombinator.com/item?id=")


def test_without_a_database_the_lookup_creates_none_and_still_searches(
    tmp_path: Path, fakes: Platforms, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes.reddit.add("acme news")
    db_file = tmp_path / "state" / "warden.db"
    path = write_config(tmp_path, fakes.server.url, db_url=f"sqlite:///{db_file}")
    code = main(
        [
            "lookup",
            "Acme",
            "--no-sentiment",
            "-c",
            str(path),
            "--source",
            "stored",
            "--source",
            "reddit-acme",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert f"== stored (stored): error: no database at {db_file}" in out
    assert "== reddit-acme (reddit): 1 result" in out
    assert not db_file.exists() and not db_file.parent.exists()


def test_every_source_failing_exits_1(
    tmp_path: Path, fakes: Platforms, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes.server.fail(500, times=10)
    path = write_config(tmp_path, fakes.server.url)
    assert main(["lookup", "Acme", "--no-sentiment", "-c", str(path), "--source", "x-acme"]) == 1
    assert "== x-acme (x): error: " in capsys.readouterr().out


def test_watch_adds_the_entity_keeping_the_file_and_refuses_a_second_time(
    tmp_path: Path, fakes: Platforms, capsys: pytest.CaptureFixture[str]
) -> None:
    fakes.x.add("Bravo #JeromeMartin, and @jérômemartin agrees")
    entities = (
        "  - name: Acme          # our brand\n"
        "    aliases: [AcmeBank]\n"
        "  # - name: Autre Banque   (a commented example)\n"
    )
    path = write_config(tmp_path, fakes.server.url, entities=entities)
    before = path.read_text("utf-8")
    argv = [
        "lookup",
        "Jérôme Martin",
        "--person",
        "--watch",
        "--alias",
        "J. Martin",
        "--alias",
        "acmebank",
        "--no-sentiment",
        "-c",
        str(path),
        "--source",
        "x-acme",
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "now watching 'Jérôme Martin' (person" in out and "reloads its config" in out

    after = path.read_text("utf-8")
    assert after.startswith(before.split("sources:")[0].rstrip("\n"))  # comments kept
    assert "# the entities we watch" in after and "# our brand" in after
    assert "(a commented example)" in after
    config = load_config(path)
    added = config.entities[-1]
    assert (added.name, added.kind) == ("Jérôme Martin", "person")
    assert added.aliases == ["J. Martin", "Jerome Martin", "#JeromeMartin", "@jérômemartin"]
    assert [s.name for s in config.sources][:2] == ["x-acme", "bsky-acme"]

    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "'Jérôme Martin' is already watched (entity 'Jérôme Martin')" in err
    assert path.read_text("utf-8") == after


@pytest.mark.parametrize(
    ("entities_text", "expected"),
    [
        ("entities: [{name: Acme}]  # one line\n", 'entities: [{name: Acme}, {name: "Zoé"'),
        ("entities: []\n", 'entities: [{name: "Zoé"'),
        ("", 'entities:\n  - name: "Zoé"\n'),
        ("entities:\n- name: Acme\n", '- name: Acme\n- name: "Zoé"\n  kind: brand\n'),
    ],
    ids=["flow", "empty-flow", "none", "zero-indent"],
)
def test_watch_keeps_the_layout_of_the_entities_list(
    tmp_path: Path, entities_text: str, expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(
        "# top comment\n"
        f'database: {{url: "sqlite:///{tmp_path / "w.db"}"}}\n'
        f"{entities_text}"
        "lookup: {google_news: {enabled: false}}\n",
        encoding="utf-8",
    )
    argv = ["lookup", "Zoé", "--company", "--watch", "--no-sentiment", "-c", str(path)]
    assert main([*argv, "--source", "stored"]) == 0
    text = path.read_text("utf-8")
    assert expected in text and text.startswith("# top comment\n")
    assert load_config(path).entities[-1].name == "Zoé"


def test_alias_without_watch_is_refused(
    tmp_path: Path, fakes: Platforms, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, fakes.server.url)
    assert main(["lookup", "Acme", "--alias", "A", "-c", str(path)]) == 1
    assert "--alias goes with --watch" in capsys.readouterr().err


def test_watch_through_a_symlink_edits_the_target_and_keeps_its_mode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    real = tmp_path / "etc" / "config.yaml"
    real.parent.mkdir()
    real.write_text(
        f'database: {{url: "sqlite:///{tmp_path / "w.db"}"}}\nentities: []\n', encoding="utf-8"
    )
    real.chmod(0o640)
    link = tmp_path / "config.yaml"
    link.symlink_to(real)
    argv = ["lookup", "Zoé", "--watch", "--no-sentiment", "-c", str(link), "--source", "stored"]
    assert main(argv) == 0
    assert link.is_symlink() and (real.stat().st_mode & 0o777) == 0o640
    assert load_config(real).entities[0].name == "Zoé"
    assert sorted(p.name for p in real.parent.iterdir()) == ["config.yaml"]  # no temp left


def test_progress_and_log_lines_stay_whole_lines_on_a_pipe(
    tmp_path: Path, fakes: Platforms
) -> None:
    import os
    import re
    import subprocess
    import sys
    from datetime import UTC, datetime

    for n in range(20):  # warnings racing the progress lines of the other sources
        fakes.news.append((f"Acme {n}", f"javascript:alert({n})", datetime.now(UTC)))
    fakes.hackernews.add("acme story", story=True)
    fakes.reddit.add("acme news")
    path = write_config(tmp_path, fakes.server.url, extra="timezone: Europe/Paris\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    sources = ["--source", "google-news", "--source", "hn-acme", "--source", "reddit-acme"]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "warden",
            "lookup",
            "Acme",
            "--no-sentiment",
            "-c",
            str(path),
            *sources,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and result.stderr.endswith("\n")
    lines = result.stderr.splitlines()
    progress = [line for line in lines if line.startswith("  [")]
    assert sorted(line[:7] for line in progress) == ["  [1/3]", "  [2/3]", "  [3/3]"]
    logs = [line for line in lines if "source.link_unusable" in line]
    assert logs
    for line in logs:
        assert "[1/3]" not in line and "[2/3]" not in line and "[3/3]" not in line
        # stamped in the config's zone, as the CLI's other times
        assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CET \[warning", line), line
    assert set(lines) == {lines[0], *progress, *logs}
    assert lines[0] == 'searching 3 sources for "Acme"…'
