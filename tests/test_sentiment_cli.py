"""`warden score`, `warden model pull|train` and `warden mention label`, run in-process."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sentiment_helpers import (
    add_mentions,
    make_tiny_encoder,
    run_cli,
    single_torch_thread,
)

from warden.sentiment.loader import explain_unavailable, load_scorer
from warden.sentiment.settings import SentimentSettings
from warden.store import Correction, Database, Score


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    with single_torch_thread():
        yield


@pytest.fixture
def config_file(tmp_path: Path, tiny_model_dir: Path) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(
        f"database:\n  url: sqlite:///{tmp_path / 'warden.db'}\n"
        f"sentiment:\n  model: {tiny_model_dir}\n  batch_size: 4\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize(
    "command",
    [["score"], ["model"], ["model", "pull"], ["model", "train"], ["mention", "label"]],
)
def test_every_command_has_help_with_examples(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        run_cli([*command, "--help"])
    assert done.value.code == 0
    assert "examples:" in capsys.readouterr().out


def test_score_prints_a_table_with_label_score_and_language(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(["score", "-c", str(config_file), "hate", "love", "le client est super"])
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["label", "score", "confidence", "lang", "text"]
    assert lines[2].split()[0] == "negative" and lines[2].split()[-1] == "hate"
    assert lines[3].split()[0] == "positive"
    assert lines[2].split()[1].startswith("-") and lines[3].split()[1].startswith("+")
    assert lines[4].split()[3] == "fr"


def test_score_json_lines_from_stdin(
    tiny_model_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("awful\n\nThe service is great today\n"))
    code = run_cli(
        ["score", "-c", str(tmp_path / "absent.yaml"), "--model", str(tiny_model_dir), "--json"]
    )
    assert code == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["text"] for r in records] == ["awful", "The service is great today"]
    assert records[0]["label"] == "negative"
    assert records[1]["lang"] == "en"
    assert records[0]["model"] == f"{tiny_model_dir} (torch)"
    assert set(records[0]) == {"text", "label", "score", "confidence", "lang", "model"}


def test_score_without_config_or_model_explains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["score", "-c", str(tmp_path / "absent.yaml"), "text"]) == 1
    assert "--model MODEL" in capsys.readouterr().err


def test_score_with_an_unloadable_model_fails_with_the_fix(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(["score", "--model", str(tmp_path / "missing-model"), "text"])
    assert code == 1
    assert "does not exist" in capsys.readouterr().err


def test_mention_label_stores_a_correction_and_updates_the_score(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'warden.db'}")
    db.upgrade()
    (mention_id,) = add_mentions(db, ["love it"])
    code = run_cli(
        [
            *("mention", "label", str(mention_id), "Negative"),
            *("--by", "alice", "--note", "irony", "-c", str(config_file)),
        ]
    )
    assert code == 0
    assert f"mention {mention_id}: negative" in capsys.readouterr().out
    with db.session() as session:
        score = session.get(Score, mention_id)
        correction = session.get(Correction, mention_id)
        assert score is not None and correction is not None
        assert (score.label, score.score, score.model) == ("negative", -1.0, "operator")
        assert (correction.corrected_by, correction.note) == ("alice", "irony")
    assert run_cli(["mention", "label", "999", "negative", "-c", str(config_file)]) == 1
    assert run_cli(["mention", "label", str(mention_id), "furious", "-c", str(config_file)]) == 1


def test_model_pull_saves_a_loadable_folder(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "pulled"
    assert run_cli(["model", "pull", str(tiny_model_dir), "--to", str(target)]) == 0
    assert "saved" in capsys.readouterr().out
    scorer = load_scorer(SentimentSettings(model=str(target), offline=True))
    assert scorer.score_texts(["hate"])[0].label == "negative"


def test_model_pull_offline_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    code = run_cli(["model", "pull", "acme/sentiment", "--to", str(tmp_path / "x")])
    assert code == 1
    err = capsys.readouterr().err
    assert "cannot download sentiment model 'acme/sentiment'" in err
    assert "HF_HUB_OFFLINE" in err


def test_no_network_message_names_the_pull_command() -> None:
    class LocalEntryNotFoundError(Exception):
        pass

    try:
        try:
            raise LocalEntryNotFoundError("connection failed")
        except LocalEntryNotFoundError as inner:
            raise OSError("We couldn't connect to the hub") from inner
    except OSError as exc:
        message = explain_unavailable("acme/model", exc, offline=False)
    assert message.startswith("cannot load sentiment model 'acme/model': no network and no local")
    assert "warden model pull acme/model --to /srv/models/model" in message
    assert "sentiment.model (or WARDEN_SENTIMENT_MODEL)" in message


TRAIN_ROWS = [
    ("awful service", "negative"),
    ("i hate this brand", "0"),
    ("terrible and angry", "negative"),
    ("great product", "positive"),
    ("i love it", "2"),
    ("excellent service", "positive"),
    ("the product is here", "neutral"),
    ("le client est la", "1"),
]


def test_model_train_from_an_encoder_without_head(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    base = make_tiny_encoder(tmp_path / "encoder")
    csv_file = tmp_path / "train.csv"
    csv_file.write_text(
        "text,label\n" + "".join(f'"{t}",{label}\n' for t, label in TRAIN_ROWS[:4]),
        encoding="utf-8",
    )
    jsonl_file = tmp_path / "train.jsonl"
    jsonl_file.write_text(
        "".join(json.dumps({"text": t, "label": label}) + "\n" for t, label in TRAIN_ROWS[4:]),
        encoding="utf-8",
    )
    out = tmp_path / "trained"
    code = run_cli(
        [
            *("model", "train", "--base", str(base), "--data", str(csv_file)),
            *("--data", str(jsonl_file), "--val", str(jsonl_file), "--out", str(out)),
            *("--epochs", "2", "--batch-size", "4", "--lr", "1e-3", "--max-length", "16", "--json"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "epoch 2/2" in captured.err and "loss" in captured.err
    summary = json.loads(captured.out)
    assert summary["examples"] == 8
    (evaluation,) = summary["evaluations"]
    assert evaluation["name"] == "train.jsonl" and evaluation["examples"] == 4
    assert 0.0 <= evaluation["macro_f1"] <= 1.0
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"] == {"0": "negative", "1": "neutral", "2": "positive"}
    scorer = load_scorer(SentimentSettings(model=str(out), offline=True))
    assert scorer.scheme.class_labels == ("negative", "neutral", "positive")


def test_model_train_head_only_changes_only_the_head(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification

    data = tmp_path / "train.jsonl"
    data.write_text(
        "".join(json.dumps({"text": t, "label": label}) + "\n" for t, label in TRAIN_ROWS),
        encoding="utf-8",
    )
    out = tmp_path / "head-only"
    code = run_cli(
        [
            *("model", "train", "--base", str(tiny_model_dir)),
            *("--data", str(data), "--out", str(out)),
            *("--head-only", "--epochs", "1", "--batch-size", "4"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    before = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir)
    after = AutoModelForSequenceClassification.from_pretrained(out)
    assert torch.equal(
        before.bert.encoder.layer[0].output.dense.weight,
        after.bert.encoder.layer[0].output.dense.weight,
    )
    assert not torch.equal(before.classifier.weight, after.classifier.weight)


def test_model_train_with_operator_corrections(
    tiny_model_dir: Path, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = Database(f"sqlite:///{tmp_path / 'warden.db'}")
    db.upgrade()
    ids = add_mentions(db, ["this is fine", "great"])
    for mention_id in ids:
        assert (
            run_cli(["mention", "label", str(mention_id), "neutral", "-c", str(config_file)]) == 0
        )
    data = tmp_path / "train.csv"
    data.write_text("text,label\nawful,negative\n", encoding="utf-8")
    code = run_cli(
        [
            *("model", "train", "--base", str(tiny_model_dir), "--data", str(data), "--head-only"),
            *("--include-corrections", "-c", str(config_file), "--out", str(tmp_path / "m")),
            *("--epochs", "1", "--json"),
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "2 operator corrections added" in captured.err
    assert json.loads(captured.out.splitlines()[-1])["examples"] == 3


def test_model_train_reports_a_bad_row_with_its_line(
    tiny_model_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "bad.csv"
    data.write_text("text,label\ngood,positive\nbad,furious\n", encoding="utf-8")
    base = str(tiny_model_dir)
    code = run_cli(["model", "train", "--base", base, "--data", str(data), "--out", "x"])
    assert code == 1
    assert f"{data}:3: unknown label 'furious'" in capsys.readouterr().err
