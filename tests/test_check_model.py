"""`warden check` refuses a start that would fail for want of a sentiment model, without
loading it: a missing or incomplete folder, a model not in the hub cache while offline, a model
that is not a classifier; a mistyped folder is a missing folder, never a hub lookup."""

from __future__ import annotations

import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import huggingface_hub.constants
import pytest
from conftest import free_port

from warden.cli import main
from warden.errors import EXIT_CONFIG, ModelLoadError
from warden.sentiment.loader import looks_like_path, open_model_files
from warden.sentiment.settings import SentimentSettings


def _config(tmp_path: Path, model: str) -> Path:
    (tmp_path / "rules").mkdir(exist_ok=True)
    config = tmp_path / "config.yaml"
    config.write_text(
        "entities: [{name: Acme}]\n"
        "rules: {dir: rules}\n"
        f"sentiment:\n  offline: false\n  model: {json.dumps(model)}\n",
        encoding="utf-8",
    )
    return config


def _check(config: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["check", "-c", str(config), *extra])
    return code, capsys.readouterr().err


def test_a_complete_model_folder_passes(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _check(_config(tmp_path, str(tiny_model_dir)), capsys)
    assert code == 0 and err == ""
    code, err = _check(_config(tmp_path, str(tiny_model_dir)), capsys, "--load-model")
    assert code == 0, err


def test_a_mistyped_folder_is_a_missing_folder_at_once(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(tiny_model_dir, tmp_path / "models" / "demo-sentiment")
    config = _config(tmp_path, "models/demo-sentimnt")  # one letter off, inside models/
    code, err = _check(config, capsys)
    assert code == EXIT_CONFIG
    missing = tmp_path / "models" / "demo-sentimnt"
    assert f"{config}:5: sentiment.model: cannot load sentiment model" in err
    assert f"the folder {missing} does not exist" in err
    assert "model pull models/demo-sentimnt" not in err  # no advice to pull the typo


@pytest.mark.parametrize("value", ["./models/x", "~/nowhere/model", ".cache-model", "a/b/c"])
def test_values_that_look_like_paths_are_never_hub_ids(value: str) -> None:
    assert looks_like_path(value)
    with pytest.raises(ModelLoadError, match="does not exist"):
        open_model_files(SentimentSettings(model=value))


def test_hub_ids_are_not_paths() -> None:
    assert not looks_like_path("cardiffnlp/twitter-xlm-roberta-base-sentiment")
    assert not looks_like_path("distilbert-base-uncased")


def test_an_incomplete_folder_names_what_is_missing(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    for weights in folder.glob("*.safetensors"):
        weights.unlink()
    code, err = _check(_config(tmp_path, str(folder)), capsys)
    assert code == EXIT_CONFIG
    assert "lacks the weights (model.safetensors or pytorch_model.bin)" in err


def test_a_model_that_is_not_a_classifier_is_refused(
    tmp_path: Path, tiny_model_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model_dir, folder)
    config_file = folder / "config.json"
    data = json.loads(config_file.read_text(encoding="utf-8"))
    data["architectures"] = ["BertModel"]
    config_file.write_text(json.dumps(data), encoding="utf-8")
    code, err = _check(_config(tmp_path, str(folder)), capsys)
    assert code == EXIT_CONFIG and "is not a sequence-classification model" in err


def test_a_hub_model_offline_must_be_in_the_cache(
    tmp_path: Path,
    tiny_model_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache = tmp_path / "hf-cache"
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    config = _config(tmp_path, "acme/sentiment")
    code, err = _check(config, capsys)
    assert code == EXIT_CONFIG
    assert "offline (HF_HUB_OFFLINE is set) and no local copy in the Hugging Face cache" in err
    assert "`make demo-model`" in err
    # The same model once in the cache, laid out as the hub client leaves it.
    repo = cache / "models--acme--sentiment"
    shutil.copytree(tiny_model_dir, repo / "snapshots" / "abc123")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123", encoding="utf-8")
    code, err = _check(config, capsys)
    assert (code, err) == (0, "")


class _Hub(http.server.BaseHTTPRequestHandler):
    """The hub's `resolve` endpoint for one known model."""

    def do_HEAD(self) -> None:
        known = self.path == "/acme/sentiment/resolve/main/config.json"
        self.send_response(200 if known else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", endpoint)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "empty"))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    yield endpoint
    server.shutdown()
    server.server_close()


def test_a_hub_model_not_cached_is_a_note_when_the_hub_serves_it(
    tmp_path: Path, hub: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _check(_config(tmp_path, "acme/sentiment"), capsys)
    assert code == 0
    assert err.startswith("note: ") and "the first start downloads it" in err


def test_a_hub_model_the_hub_does_not_know_is_refused(
    tmp_path: Path, hub: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _check(_config(tmp_path, "acme/sentimnet"), capsys)
    assert code == EXIT_CONFIG and "the Hugging Face hub has no such model" in err


def test_a_hub_model_without_network_is_refused_and_names_the_demo_model(
    tmp_path: Path, hub: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", f"http://127.0.0.1:{free_port()}")
    code, err = _check(_config(tmp_path, "acme/sentiment"), capsys)
    assert code == EXIT_CONFIG
    assert "no network and no local copy" in err and "`make demo-model`" in err


def test_the_environment_override_is_named_in_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARDEN_SENTIMENT_MODEL", str(tmp_path / "gone"))
    code, err = _check(_config(tmp_path, "acme/sentiment"), capsys)
    assert code == EXIT_CONFIG and err.startswith(f"WARDEN_SENTIMENT_MODEL={tmp_path / 'gone'}: ")
