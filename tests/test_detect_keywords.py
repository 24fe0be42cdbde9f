"""Keyword and phrase matching: case, accents, word boundaries, French elisions, exclusions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from warden.detect.keywords import KeywordMatcher, KeywordParams, detect_keywords
from warden.detect.text import fold, words


def matcher(*phrases: str, exclude: tuple[str, ...] = ()) -> KeywordMatcher:
    return KeywordMatcher.compile(KeywordParams(phrases=phrases, exclude=exclude))


def test_words_fold_case_accents_and_split_elisions() -> None:
    assert words("L’Oréal RAPPELLE ses crèmes!") == ["l", "oreal", "rappelle", "ses", "cremes"]
    assert words("qu'aujourd'hui #Boycott @Brand") == ["qu", "aujourd", "hui", "#boycott", "@brand"]
    assert fold("ÉCLAIR") == "eclair"


@pytest.mark.parametrize(
    "text",
    [
        "Scandale chez L'Oréal",
        "scandale chez l’oreal",
        "LOREAL encore",
        "j'adore l'OREAL",
        "d'Oréal",
    ],
)
def test_elided_brand_matches_every_spelling(text: str) -> None:
    assert matcher("L'Oréal").match(text) == "L'Oréal" or matcher("Oréal").match(text)


def test_apostrophe_less_spelling_matches_phrase_with_elision() -> None:
    assert matcher("L'Oréal").match("loreal fait scandale") == "L'Oréal"


def test_word_boundaries() -> None:
    m = matcher("rappel")
    assert m.match("Rappel de produits") == "rappel"
    assert m.match("ils rappellent") is None
    assert m.match("grappe") is None


def test_phrase_words_must_be_adjacent() -> None:
    m = matcher("rappel produit")
    assert m.match("RAPPEL PRODUIT urgent")
    assert m.match("rappel d'un produit") is None


def test_exclusion_vetoes_a_match() -> None:
    m = matcher("apple", exclude=("apple pie", "big apple"))
    assert m.match("Apple stock falls") == "apple"
    assert m.match("my grandma's apple pie") is None
    assert m.match("Welcome to the Big Apple") is None


def test_detect_keywords_counts_matching_posts() -> None:
    params = KeywordParams(
        phrases=("grève", "boycott"), exclude=("boycott terminé",), min_matches=2
    )
    d = detect_keywords(["Grève chez X", "#boycott X", "le boycott terminé", "rien"], params)
    assert d.fired
    assert d.value == 2
    assert "grève" in d.reason
    assert not detect_keywords(["Greve"], params).fired


def test_params_need_a_phrase() -> None:
    with pytest.raises(ValueError):
        KeywordParams(phrases=("  ", "!!"))


@given(st.text(max_size=60))
def test_a_post_always_contains_its_own_words(text: str) -> None:
    ws = words(text)
    if ws:
        phrase = " ".join(w.lstrip("#@") for w in ws[:3])
        assert matcher(phrase).match(text) is not None


def test_compatibility_letters_fold_to_lower_case() -> None:
    assert words("ᴬᴮᶜ Ｂｏｙｃｏｔｔ") == ["abc", "boycott"]
