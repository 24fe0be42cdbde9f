"""One folding for the entity matcher and the keyword detector: what a reader sees as the same
name is the same name to both (compatibility forms, typographic punctuation and spaces,
invisible characters, ligatures)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warden.detect.keywords import PhraseMatcher
from warden.detect.text import ELISIONS
from warden.entities import Entity, EntityMatcher
from warden.folding import canonical, fold
from warden.sources.normalize import text_key

LETTERS = "abcdefghijklmnopqrstuvwxyzéèêëàâçôîïûüñABCDEFGHIJKLMNOPQRSTUVWXYZÉÈÀÇÔÎ"
APOSTROPHES = ["'", "’", "‘", "ʼ", "′", "＇", "`"]
SPACES = [" ", "\u00a0", "\u202f", "\u2009", "\u2007", "\u3000", "  "]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202a"]
LIGATURES = {"fi": "ﬁ", "fl": "ﬂ", "ff": "ﬀ", "ffi": "ﬃ", "st": "ﬆ"}
ALL_SPACES = [" ", "\t", "\n", "\u00a0", "\u1680", "\u202f", "\u205f", "\u3000"] + [
    chr(c) for c in range(0x2000, 0x200B)
]
DASHES = ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2043"]
DASHES += ["\u2212", "\ufe58", "\ufe63", "\uff0d"]
PUNCTUATION = [*'.,;:!?/()[]{}«»…·|+*&=~<>"', "\u2026", "\u00b7", " - ", " – "]
separator = st.lists(st.sampled_from(ALL_SPACES + DASHES + PUNCTUATION), min_size=1, max_size=3)

word = st.text(alphabet=LETTERS, min_size=2, max_size=9).filter(lambda w: fold(w) not in ELISIONS)
names = st.builds(
    lambda elision, words: (elision + " ".join(words)).strip(),
    st.sampled_from(["", "L'", "d'"]),
    st.lists(word, min_size=1, max_size=3),
)


def matches(name: str, text: str) -> tuple[bool, bool]:
    """(entity matcher, keyword detector) on `text` for the watched `name`."""
    entity = EntityMatcher([Entity(name)]).match(text) == [name]
    keyword = PhraseMatcher([name]).find(text) is not None
    return entity, keyword


@st.composite
def reader_variant(draw: st.DrawFn, text: str, case: bool = True) -> str:
    """`text` as another writer or tool may encode it, and a reader sees it the same (with
    its case changed here and there when `case`)."""
    out = []
    for ch in text:
        if ch == "'":
            ch = draw(st.sampled_from(APOSTROPHES))
        elif ch == " ":
            ch = draw(st.sampled_from(SPACES))
        elif ch.isascii() and ch.isalpha() and draw(st.integers(0, 5)) == 0:
            ch = chr(ord(ch) + 0xFEE0)  # full-width form
        elif case and draw(st.booleans()):
            ch = ch.swapcase() if len(ch.swapcase()) == 1 else ch
        if draw(st.integers(0, 3)) == 0:
            ch += draw(st.sampled_from(INVISIBLE))
        out.append(ch)
    variant = "".join(out)
    for plain, ligature in LIGATURES.items():
        if plain in variant and draw(st.booleans()):
            variant = variant.replace(plain, ligature)
    return unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), variant)


def test_the_issue_typographic_apostrophe() -> None:
    """Issue: `l‘Oréal` (U+2018) did not match the entity L'Oréal; keywords accepted it."""
    for text in ("j’adore l‘Oréal", "J'ADORE L\u2018OREAL", "l\u02bcOr\u00e9al", "l'Ore\u0301al"):
        assert matches("L'Oréal", text) == (True, True), text


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("Banque Exemple", "la Banque\u00a0Exemple"),
        ("Banque Exemple", "la Banque\u202fExemple"),
        ("Banque Exemple", "la Ban\u00adque Exem\u200bple"),
        ("Banque Exemple", "\u200fBanque Exemple\u200f"),
        ("Coca-Cola", "Coca\u2011Cola et Coca–Cola"),
        ("Officiel", "ﬁn de l'Oﬃciel"),
        ("Acme", "ＡＣＭＥ"),
        ("Cœur de Lion", "Coeur de Lion"),
        ("Coeur de Lion", "CŒUR DE LION"),
    ],
)
def test_variants_a_reader_sees_as_the_same(name: str, text: str) -> None:
    assert EntityMatcher([Entity(name)]).match(text) == [name]
    assert PhraseMatcher([name]).find(text) == name


@pytest.mark.parametrize(
    "text",
    ["Banque-Exemple en panne", "Banque\u2011Exemple", "Banque\u2013Exemple", "Banque—Exemple !"],
)
def test_the_issue_dashes_between_the_words_of_a_name(text: str) -> None:
    """Issue: keywords matched `Banque-Exemple` for "Banque Exemple", the entity did not."""
    assert matches("Banque Exemple", text) == (True, True)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), name=names)
def test_any_separator_between_the_words_of_a_name_matches_in_both(
    data: st.DataObject, name: str
) -> None:
    """Spaces of every kind, hyphens and dashes of every kind, punctuation: a reader sees the
    same name, both matchers find it."""
    ws = name.split()
    text = ws[0]
    for w in ws[1:]:
        text += "".join(data.draw(separator)) + w
    before, after = data.draw(separator), data.draw(separator)
    assert matches(name, "".join(before) + text + "".join(after)) == (True, True), text


@settings(max_examples=300, deadline=None)
@given(data=st.data(), name=names, other=st.lists(word, max_size=6))
def test_matchers_agree_whatever_separates_the_words(
    data: st.DataObject, name: str, other: list[str]
) -> None:
    """Entity matcher and keyword detector accept exactly the same texts, whatever separates
    the words (or glues them: a name's words written together are another word to both)."""
    pool = [*other, *name.split(), name, *(w.lower() for w in name.split())]
    tokens = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=8))
    glue = st.one_of(separator.map("".join), st.sampled_from(["", "'", "’", "_", "#", "@"]))
    text = tokens[0] + "".join(data.draw(glue) + t for t in tokens[1:])
    entity, keyword = matches(name, text)
    assert entity == keyword, text


def test_exact_names_survive_invisible_and_typographic_characters() -> None:
    matcher = EntityMatcher([Entity("SNCF", exact=("SNCF",))])
    assert matcher.match("la S\u200bNCF") == ["SNCF"]
    assert matcher.match("la ＳＮＣＦ") == ["SNCF"]
    assert matcher.match("la sncf") == []


@settings(max_examples=300, deadline=None)
@given(data=st.data(), name=names)
def test_every_variant_of_a_name_matches_in_both(data: st.DataObject, name: str) -> None:
    variant = data.draw(reader_variant(name))
    text = f"Ce matin, {variant} a répondu."
    assert matches(name, text) == (True, True)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), name=names, other=st.lists(word, max_size=6))
def test_matcher_and_keyword_detector_agree(
    data: st.DataObject, name: str, other: list[str]
) -> None:
    pool = [*other, *name.split(), name, *(w.lower() for w in name.split())]
    tokens = data.draw(st.lists(st.sampled_from(pool), min_size=1, max_size=8))
    text = data.draw(reader_variant(" ".join(tokens)))
    entity, keyword = matches(name, text)
    assert entity == keyword, text


@settings(max_examples=300, deadline=None)
@given(data=st.data(), text=st.text(alphabet=LETTERS + " '", max_size=40))
def test_folding_ignores_what_a_reader_cannot_see(data: st.DataObject, text: str) -> None:
    variant = data.draw(reader_variant(text))
    assert fold(variant).split() == fold(text).split()
    assert text_key(variant) == text_key(text)
    same_case = data.draw(reader_variant(text, case=False))
    assert canonical(same_case).split() == canonical(unicodedata.normalize("NFC", text)).split()
