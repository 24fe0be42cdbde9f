"""Label normalisation: every accepted scheme, the score as an expected value, refusals."""

from __future__ import annotations

import pytest

from warden.sentiment.labels import UnknownLabelScheme, scheme_from_id2label


@pytest.mark.parametrize(
    "names",
    [
        ["negative", "neutral", "positive"],
        ["NEGATIVE", "Neutral", "positive"],
        ["neg", "neu", "pos"],
        ["Négatif", "Neutre", "Positif"],
        ["negativo", "neutro", "positivo"],
    ],
)
def test_named_three_class_labels_in_any_case(names: list[str]) -> None:
    scheme = scheme_from_id2label(dict(enumerate(names)))
    assert scheme.class_labels == ("negative", "neutral", "positive")
    result = scheme.interpret([0.1, 0.2, 0.7])
    assert result.label == "positive"
    assert result.score == pytest.approx(0.6)
    assert result.confidence == pytest.approx(0.7)


def test_named_labels_in_any_order() -> None:
    scheme = scheme_from_id2label({0: "Positive", 1: "NEG", 2: "neutral"})
    assert scheme.class_labels == ("positive", "negative", "neutral")
    result = scheme.interpret([0.1, 0.8, 0.1])
    assert (result.label, result.score) == ("negative", pytest.approx(-0.7))


def test_default_label_n_names_use_the_class_count() -> None:
    three = scheme_from_id2label({0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    assert three.class_labels == ("negative", "neutral", "positive")
    two = scheme_from_id2label({"0": "LABEL_0", "1": "LABEL_1"})
    assert two.class_labels == ("negative", "positive")
    assert two.interpret([0.25, 0.75]).score == pytest.approx(0.5)


def test_binary_named_labels() -> None:
    scheme = scheme_from_id2label({0: "NEGATIVE", 1: "POSITIVE"})
    result = scheme.interpret([0.9, 0.1])
    assert (result.label, result.score, result.confidence) == (
        "negative",
        pytest.approx(-0.8),
        pytest.approx(0.9),
    )


def test_star_ratings_map_to_buckets_and_an_expected_rating() -> None:
    scheme = scheme_from_id2label({i: f"{i + 1} star{'s' if i else ''}" for i in range(5)})
    assert scheme.kind == "stars"
    assert scheme.class_values == (-1.0, -0.5, 0.0, 0.5, 1.0)
    # 2 and 1 stars together outweigh 5 stars: negative, with score the expected rating.
    result = scheme.interpret([0.3, 0.3, 0.0, 0.0, 0.4])
    assert result.label == "negative"
    assert result.confidence == pytest.approx(0.6)
    assert result.score == pytest.approx(-0.3 - 0.15 + 0.4)
    assert scheme.interpret([0, 0, 0, 0, 1]).score == pytest.approx(1.0)


@pytest.mark.parametrize(
    "names",
    [
        ["anger", "joy", "sadness"],
        ["LABEL_0", "LABEL_1", "LABEL_2", "LABEL_3"],
        ["negative", "neutral"],
        ["1 star", "2 stars", "3 stars"],
        ["negative", "negative", "positive"],
    ],
)
def test_unknown_schemes_are_refused_naming_the_labels(names: list[str]) -> None:
    with pytest.raises(UnknownLabelScheme) as refused:
        scheme_from_id2label(dict(enumerate(names)))
    message = str(refused.value)
    assert repr(names[0]) in message
    assert "star" in message and "LABEL_0" in message


def test_interpret_rejects_a_vector_of_the_wrong_size() -> None:
    scheme = scheme_from_id2label({0: "neg", 1: "pos"})
    with pytest.raises(ValueError, match="expected 2"):
        scheme.interpret([0.2, 0.3, 0.5])
