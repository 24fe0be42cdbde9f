"""What a reader of an alert sees of figures and punctuation: odds in words past one in a
million, and French typography (a narrow no-break space before : ; ! ? and inside « ») in
every channel, English without it."""

from __future__ import annotations

import re

import pytest
from alerting_helpers import RULE, add_alert, add_mention, ruleset

from warden.notify.channels import KINDS, Kind
from warden.notify.render import render_alert
from warden.notify.words import Words, odds_text
from warden.store.db import Database
from warden.store.models import Alert, Mention

NNBSP = "\u202f"
RULES = ruleset(RULE)


@pytest.mark.parametrize(
    ("probability", "en", "fr"),
    [
        (0.25, "1 in 4", "1 sur 4"),
        (1.7e-5, "1 in 59,000", f"1 sur 59{NNBSP}000"),
        (1e-6, "1 in 1,000,000", f"1 sur 1{NNBSP}000{NNBSP}000"),
        (2e-9, "less than 1 in a million", "moins d’une chance sur un million"),
        (3e-11, "less than 1 in a billion", "moins d’une chance sur un milliard"),
        (2.4e-31, "less than 1 in a trillion", "moins d’une chance sur mille milliards"),
        (0.0, "less than 1 in a trillion", "moins d’une chance sur mille milliards"),
    ],
)
def test_odds_are_written_in_words_a_reader_can_take_in(
    probability: float, en: str, fr: str
) -> None:
    assert odds_text(probability, "en") == en
    assert odds_text(probability, "fr") == fr
    assert Words("fr").odds(probability) == fr


def _rendered(db: Database, kind: Kind, language: str) -> tuple[str, str, str | None]:
    """(title, body, e-mail HTML) of a firing alert with a tiny probability on `kind`."""
    quoted = add_mention(db, "Service down again", author="someone")
    values = {"count": 120, "observed": 120, "expected": 8.0, "probability": 2.4e-31}
    alert_id = add_alert(db, values=values, evidence=[quoted])
    with db.session() as session:
        alert = session.get(Alert, alert_id)
        mention = session.get(Mention, quoted)
        assert alert is not None and mention is not None
        shown = render_alert(
            alert, RULES.get("acme-negative"), "firing", [mention], kind, Words(language, "UTC")
        )
        return shown.title, shown.body, shown.html


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "sms"])
def test_french_messages_space_their_punctuation_in_every_channel(
    sqlite_db: Database, kind: Kind
) -> None:
    title, body, page = _rendered(sqlite_db, kind, "fr")
    assert f"acme-negative{NNBSP}: Acme" in title
    for text in (body, *([page] if page else [])):
        visible = text.replace("&#39;", "'")
        assert "moins d’une chance sur mille milliards" in visible
        assert f"Observé{NNBSP}:" in visible
        assert f"Acquitter{NNBSP}:" in visible
        assert f"«{NNBSP}Service down again{NNBSP}»" in visible
        # no colon, semicolon, ! or ? glued to a word or after an ordinary space, outside
        # addresses, commands and the quoted post
        prose = re.sub(r"https?://\S+|`[^`]*`|<code>.*?</code>|«.*?»|style=\"[^\"]*\"", "", text)
        prose = re.sub(r"<[^>]+>", "", prose)
        assert not re.search(r"[\w)\]] ?[:;!?](\s|$)", prose), prose


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "sms"])
def test_english_messages_have_no_space_before_punctuation(sqlite_db: Database, kind: Kind) -> None:
    title, body, page = _rendered(sqlite_db, kind, "en")
    assert "acme-negative: Acme" in title
    for text in (body, *([page] if page else [])):
        assert NNBSP not in text and "\u00a0:" not in text
        assert "less than 1 in a trillion" in text
        assert "Seen:" in text
        assert "“Service down again”" in text


def test_an_sms_folds_french_spaces_to_plain_ones(sqlite_db: Database) -> None:
    _, body, _ = _rendered(sqlite_db, "sms", "fr")
    assert NNBSP not in body
    assert "acme-negative" not in body or ":" in body


_ELIDED = re.compile(r"\b(?:d|l|n|qu|s|j|c|m|t|jusqu|lorsqu|aujourd)'[a-zà-ÿA-ZÀ-Ý]")


def _texts(value: object) -> list[str]:
    import inspect

    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    if callable(value):
        return [inspect.getsource(value)]
    return []


def test_no_french_string_table_holds_a_straight_apostrophe() -> None:
    from warden.charts import digest, draw
    from warden.notify import announce, reasons, words
    from warden.report import render
    from warden.web.pages import words as page_words

    tables = {
        "notify words": words.PHRASES["fr"],
        "odds": words._LARGE["fr"],
        "reasons": reasons.SENTENCES["fr"],
        "announce": [t["fr"] for t in (announce._WHAT, announce._TITLES, announce._BROKEN)]
        + [announce._REPAIRED["fr"]],
        "pages": page_words.PAGE_PHRASES["fr"],
        "report": render.PHRASES["fr"],
        "digest charts": digest.WORDS["fr"],
        "charts": draw.WORDS["fr"],
    }
    for name, table in tables.items():
        texts = _texts(table)
        assert texts, name
        straight = [t for t in texts if _ELIDED.search(t)]
        assert not straight, (name, straight)
        if name != "reasons":  # sentences are read as code: their texts are tested rendered
            plain = [t for t in texts if re.search(r"\w [:;!?](\s|$)", t)]
            assert not plain, (name, plain)  # the narrow no-break space, not a plain one


def test_french_reasons_join_with_spaced_semicolons_and_count_in_the_singular() -> None:
    from warden.notify.reasons import explain

    fr = Words("fr")
    usual = {"code": "volume_usual", "params": {"mentions": 0, "expected": 0.4, "window_s": 300}}
    # the resolved line says over what time it counted, singular below 2 in French
    assert explain(usual, fr) == f"0 mention en 5 min, 0,4 attendue{NNBSP}: rien d’inhabituel"
    english = explain(usual, Words("en"))
    assert english == "0 mentions in the last 5 min, 0.4 expected: nothing unusual"
    both = {
        "code": "all_hold",
        "params": {
            "parts": [
                {"code": "volume_up", "params": {"mentions": 30, "expected": 2, "window_s": 300}},
                {"code": "volume_above", "params": {"mentions": 30, "above": 10, "window_s": 300}},
            ]
        },
    }
    combined = explain(both, fr)
    assert f"inhabituel{NNBSP}; 30 mentions" in combined, combined
    assert "inhabituel; " not in combined
