"""Entity matching: case, accents, word boundaries, French elisions, exclusions; properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warden.config import EntitySettings
from warden.entities import Entity, EntityMatcher, matcher_from_settings

LETTERS = "abcdefghijklmnopqrstuvwxyzéèêëàâçôîïûüñœABCDEFGHIJKLMNOPQRSTUVWXYZÉÈÀÇÔÎ"
ELISIONS = ["l", "d", "j", "qu", "jusqu", "lorsqu", "puisqu", "n", "s", "c", "L", "D", "Qu"]
APOSTROPHES = ["'", "’", "ʼ"]

names = st.text(alphabet=LETTERS, min_size=2, max_size=12)
filler = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acme a encore augmenté ses prix", ["Acme"]),
        ("ACME, acme, AcMe!", ["Acme"]),
        ("les clients d'Acme et d’Acme", ["Acme"]),
        ("qu'Acme réponde enfin", ["Acme"]),
        ("#Acme en panne", ["Acme"]),
        ("@acme c'est une honte", ["Acme"]),
        ("acmeBank and macmeal", []),
        ("Acme Corp ships anvils", []),  # excluded homonym
        ("Acme Corp ships anvils, Acme bank is down", ["Acme"]),  # one real mention is enough
        ("j'adore l’oréal et LOREAL", ["L'Oréal"]),
        ("L Oreal", ["L'Oréal"]),
        ("Société Générale et la SOCIETE   GENERALE", ["Société Générale"]),
        ("Coca Cola, CocaCola, coca-cola", ["Coca-Cola"]),
        ("Jean-Pierre Martin parle de Globex", ["Jean-Pierre Martin", "Globex"]),
        ("globexcorp", []),
        ("", []),
    ],
)
def test_examples(text: str, expected: list[str]) -> None:
    matcher = EntityMatcher(
        [
            Entity("Acme", exclude=("Acme Corp",)),
            Entity("L'Oréal"),
            Entity("Société Générale"),
            Entity("Coca-Cola"),
            Entity("Jean-Pierre Martin"),
            Entity("Globex", aliases=("Globex Corporation",)),
        ]
    )
    assert matcher.match(text) == expected


def test_aliases_and_title_and_config() -> None:
    matcher = matcher_from_settings(
        [EntitySettings(name="Banque Exemple", aliases=["BEX", "@banqueexemple"], exclude=[])]
    )
    assert matcher.match("Le titre parle de BEX", None) == ["Banque Exemple"]
    assert matcher.match(None, "merci @BanqueExemple") == ["Banque Exemple"]
    assert matcher.match("rien", "ici") == []


@settings(max_examples=200, deadline=None)
@given(name=names, before=filler, after=filler)
def test_a_name_between_spaces_is_always_found(name: str, before: str, after: str) -> None:
    matcher = EntityMatcher([Entity(name)])
    assert matcher.match(f"{before} {name} {after}") == [name]


@settings(max_examples=200, deadline=None)
@given(name=names, variant=st.sampled_from(["upper", "lower", "folded", "title"]))
def test_case_and_accents_do_not_matter(name: str, variant: str) -> None:
    from warden.sources.normalize import fold

    written = {
        "upper": name.upper(),
        "lower": name.lower(),
        "folded": fold(name),
        "title": name.title(),
    }[variant]
    assert EntityMatcher([Entity(name)]).match(f"avis sur {written}.") == [name]


@settings(max_examples=200, deadline=None)
@given(name=names, elision=st.sampled_from(ELISIONS), apostrophe=st.sampled_from(APOSTROPHES))
def test_french_elisions(name: str, elision: str, apostrophe: str) -> None:
    assert EntityMatcher([Entity(name)]).match(f"{elision}{apostrophe}{name}") == [name]


@settings(max_examples=200, deadline=None)
@given(name=names, glue=st.text(alphabet="xyz0123456789_", min_size=1, max_size=3))
def test_never_inside_a_longer_word(name: str, glue: str) -> None:
    matcher = EntityMatcher([Entity(name)])
    assert matcher.match(f"{glue}{name}{glue}") == []


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=300), names=st.lists(names, min_size=1, max_size=4, unique=True))
def test_any_text_gives_a_subset_of_names_in_order(text: str, names: list[str]) -> None:
    matcher = EntityMatcher([Entity(n) for n in names])
    found = matcher.match(text, text[::-1])
    assert found == [n for n in names if n in found]


@settings(max_examples=100, deadline=None)
@given(name=names, before=st.text(alphabet=" .,!?0123456789", max_size=20))
def test_an_exclusion_only_hides_its_own_occurrences(name: str, before: str) -> None:
    matcher = EntityMatcher([Entity(name, exclude=(f"{name} Corp",))])
    assert matcher.match(f"{before} {name} Corp") == []
    assert matcher.match(f"{name} Corp puis {name} seul") == [name]


def test_exact_names_count_only_as_written() -> None:
    matcher = matcher_from_settings(
        [
            EntitySettings(name="Société Générale", aliases=["SocGen"], exact=["SG"]),
            EntitySettings(
                name="Orange", aliases=["@orange"], exact=["Orange"], exclude=["Orange Mécanique"]
            ),
        ]
    )
    assert matcher.match("la SG relève ses frais") == ["Société Générale"]
    assert matcher.match("5g, sg, Sg") == []
    assert matcher.match("socgen") == ["Société Générale"]
    assert matcher.match("une orange pressée") == []
    assert matcher.match("Orange coupe le réseau") == ["Orange"]
    assert matcher.match("revoir Orange Mécanique, ORANGE MÉCANIQUE") == []
    assert matcher.match("merci @ORANGE") == ["Orange"]


@settings(max_examples=150, deadline=None)
@given(name=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=2, max_size=6), before=filler)
def test_an_exact_name_needs_its_own_case(name: str, before: str) -> None:
    matcher = EntityMatcher([Entity(name, exact=(name,))])
    assert matcher.match(f"{before} {name} !") == [name]
    assert matcher.match(f"avis sur {name.lower()} et {name.title()} ici") == []
