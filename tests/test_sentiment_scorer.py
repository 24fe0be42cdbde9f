"""Loading models through the real code path, batching, truncation, the cache and ONNX."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sentiment_helpers import (
    NEGATIVE_WORDS,
    NEUTRAL_WORDS,
    POSITIVE_WORDS,
    CountingBackend,
    make_tiny_encoder,
    make_tiny_model,
    single_torch_thread,
)

from warden.errors import ModelLoadError
from warden.sentiment.loader import load_scorer
from warden.sentiment.scorer import SentimentScorer
from warden.sentiment.settings import SentimentSettings

ANCHORS = [*NEGATIVE_WORDS, *NEUTRAL_WORDS, *POSITIVE_WORDS]
EXPECTED = (
    ["negative"] * len(NEGATIVE_WORDS)
    + ["neutral"] * len(NEUTRAL_WORDS)
    + ["positive"] * len(POSITIVE_WORDS)
)


@pytest.fixture(autouse=True)
def _one_torch_thread() -> Iterator[None]:
    with single_torch_thread():
        yield


def counting(scorer: SentimentScorer) -> CountingBackend:
    backend = CountingBackend(scorer.backend)
    scorer.backend = backend
    return backend


@pytest.mark.parametrize(
    "labels",
    [
        ("negative", "neutral", "positive"),
        ("Positive", "NEG", "neutre"),
        ("LABEL_0", "LABEL_1", "LABEL_2"),
        ("1 star", "2 stars", "3 stars", "4 stars", "5 stars"),
    ],
)
def test_three_way_schemes_load_and_score(tmp_path: Path, labels: tuple[str, ...]) -> None:
    path = make_tiny_model(tmp_path / "model", labels)
    scorer = load_scorer(SentimentSettings(model=str(path)))
    results = scorer.score_texts(ANCHORS)
    assert [r.label for r in results] == EXPECTED
    for result in results:
        assert -1.0 <= result.score <= 1.0
        assert 0.0 <= result.confidence <= 1.0
        assert (result.score < 0) == (result.label == "negative") or result.label == "neutral"
    assert scorer.model_name == f"{path} (torch)"


@pytest.mark.parametrize("labels", [("LABEL_0", "LABEL_1"), ("NEGATIVE", "POSITIVE")])
def test_binary_schemes_load_and_score(tmp_path: Path, labels: tuple[str, str]) -> None:
    path = make_tiny_model(tmp_path / "model", labels)
    scorer = load_scorer(SentimentSettings(model=str(path)))
    results = scorer.score_texts(["awful", "hate", "love", "great"])
    assert [r.label for r in results] == ["negative", "negative", "positive", "positive"]
    assert results[0].score < -0.5 < 0.5 < results[2].score


def test_unknown_label_scheme_is_refused_at_load(tmp_path: Path) -> None:
    path = make_tiny_model(tmp_path / "emotions", ("anger", "joy", "sadness"), fit_steps=0)
    with pytest.raises(ModelLoadError) as refused:
        load_scorer(SentimentSettings(model=str(path)))
    message = str(refused.value)
    assert "'anger', 'joy', 'sadness'" in message
    assert "negative/neutral/positive" in message and "stars" in message


def test_an_encoder_without_classification_head_is_refused(tmp_path: Path) -> None:
    path = make_tiny_encoder(tmp_path / "encoder")
    with pytest.raises(ModelLoadError, match="not a sequence-classification model") as refused:
        load_scorer(SentimentSettings(model=str(path)))
    assert "warden model train --base" in str(refused.value)


def test_missing_hub_model_offline_says_how_to_fix_it() -> None:
    settings = SentimentSettings(model="acme/no-such-sentiment-model", offline=True)
    with pytest.raises(ModelLoadError) as refused:
        load_scorer(settings)
    message = str(refused.value)
    assert "acme/no-such-sentiment-model" in message
    assert "no local copy" in message
    assert "warden model pull acme/no-such-sentiment-model --to" in message
    assert "WARDEN_SENTIMENT_MODEL" in message


def test_hf_hub_offline_is_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelLoadError, match="HF_HUB_OFFLINE is set"):
        load_scorer(SentimentSettings(model="acme/no-such-sentiment-model"))


def test_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_scorer(SentimentSettings(model=str(tmp_path / "nowhere")))


def test_environment_variable_overrides_the_configured_model(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARDEN_SENTIMENT_MODEL", str(tiny_model_dir))
    scorer = load_scorer(SentimentSettings(model="acme/unreachable", offline=True))
    assert scorer.model_ref == str(tiny_model_dir)


def test_repost_storm_is_inferred_once(tiny_model_dir: Path) -> None:
    scorer = load_scorer(SentimentSettings(model=str(tiny_model_dir), batch_size=8))
    backend = counting(scorer)
    storm = ["this brand is awful"] * 200 + ["this  brand is   awful"] * 50
    results = scorer.score_texts(storm)
    assert len(results) == 250 and len(set(results)) == 1
    assert backend.calls == [1]
    scorer.score_texts(["this brand is awful"] * 10)
    assert backend.calls == [1], "a later repost is served from the cache"
    assert scorer.texts_inferred == 1


def test_cache_can_be_disabled_but_a_batch_still_dedups(tiny_model_dir: Path) -> None:
    scorer = load_scorer(SentimentSettings(model=str(tiny_model_dir), cache_size=0))
    backend = counting(scorer)
    scorer.score_texts(["love", "love", "hate"])
    scorer.score_texts(["love"])
    assert backend.calls == [2, 1]


def test_batches_are_length_sorted_and_results_keep_input_order(tiny_model_dir: Path) -> None:
    scorer = load_scorer(SentimentSettings(model=str(tiny_model_dir), batch_size=4, cache_size=0))
    widths: list[int] = []
    inner = scorer.backend

    class Recording:
        name = inner.name

        def logits(self, features):  # type: ignore[no-untyped-def]
            widths.append(features["input_ids"].shape[1])
            return inner.logits(features)

    scorer.backend = Recording()
    texts = [" ".join(["good"] * n) for n in (9, 1, 7, 2, 8, 3, 6, 4)]
    one_by_one = [scorer.score_texts([t])[0] for t in texts]
    widths.clear()
    batched = scorer.score_texts(texts)
    assert widths == [6, 11], "short texts batched together, long ones together"
    for a, b in zip(one_by_one, batched, strict=True):
        assert a.label == b.label
        assert a.score == pytest.approx(b.score, abs=1e-4)


def test_long_text_is_truncated_to_max_length(tmp_path: Path) -> None:
    # The model has only 64 positions: without truncation a long post would crash it.
    path = make_tiny_model(tmp_path / "short", max_positions=64)
    scorer = load_scorer(SentimentSettings(model=str(path), max_length=16))
    seen: list[int] = []
    backend = counting(scorer)
    inner_logits = backend.logits

    def spy(features):  # type: ignore[no-untyped-def]
        seen.append(features["input_ids"].shape[1])
        return inner_logits(features)

    backend.logits = spy  # type: ignore[method-assign]
    long_post = " ".join(["awful"] * 500)
    (result,) = scorer.score_texts([long_post])
    assert seen == [16]
    assert result.label == "negative"


def test_onnx_backend_agrees_with_torch(tiny_model_dir: Path, tmp_path: Path) -> None:
    torch_scorer = load_scorer(SentimentSettings(model=str(tiny_model_dir)))
    onnx_settings = SentimentSettings(
        model=str(tiny_model_dir), backend="onnx", onnx_cache_dir=tmp_path / "onnx", batch_size=4
    )
    onnx_scorer = load_scorer(onnx_settings)
    assert onnx_scorer.model_name == f"{tiny_model_dir} (onnx-int8)"
    texts = [*ANCHORS, "the service is awful", "i love this brand", "le client est pas content"]
    expected = torch_scorer.score_texts(texts)
    got = onnx_scorer.score_texts(texts)
    assert [r.label for r in got[: len(ANCHORS)]] == EXPECTED
    for a, b in zip(expected, got, strict=True):
        if a.confidence > 0.7:
            assert a.label == b.label
        assert a.score == pytest.approx(b.score, abs=0.15)
    exported = list((tmp_path / "onnx").rglob("*.onnx"))
    assert len(exported) == 1
    # A second load reuses the cached export instead of exporting again.
    mtime = exported[0].stat().st_mtime_ns
    load_scorer(onnx_settings)
    assert exported[0].stat().st_mtime_ns == mtime
    assert len(list((tmp_path / "onnx").rglob("*.onnx"))) == 1


def test_onnx_float_nodes_stay_float(tiny_model_dir: Path, tmp_path: Path) -> None:
    import onnx
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from warden.sentiment.onnx_backend import QUANTISATION, export_int8

    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    target = tmp_path / "model.int8.onnx"
    pattern = r"/layer\.\d+/output/dense/"
    export_int8(model, tokenizer, target, replace(QUANTISATION, float_nodes=pattern))
    ops = {node.name: node.op_type for node in onnx.load(str(target)).graph.node}
    kept = [name for name in ops if re.search(pattern + "MatMul$", name)]
    assert kept
    assert all(ops[name] == "MatMul" for name in kept)
    assert any(op in ("MatMulInteger", "DynamicQuantizeMatMul") for op in ops.values())


def test_onnx_cache_key_includes_quantisation(tiny_model_dir: Path, tmp_path: Path) -> None:
    from transformers import AutoConfig

    from warden.sentiment.onnx_backend import QUANTISATION, export_path

    settings = SentimentSettings(model=str(tiny_model_dir), onnx_cache_dir=tmp_path)
    config = AutoConfig.from_pretrained(tiny_model_dir)
    default = export_path(str(tiny_model_dir), config, settings)
    assert export_path(str(tiny_model_dir), config, settings, QUANTISATION) == default
    for changed in (
        replace(QUANTISATION, reduce_range=not QUANTISATION.reduce_range),
        replace(QUANTISATION, float_nodes="classifier"),
    ):
        assert export_path(str(tiny_model_dir), config, settings, changed) != default
