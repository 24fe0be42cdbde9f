"""The normaliser: text cleaning, times, counts, languages, URL keys, drafts; with properties."""

from __future__ import annotations

import contextlib
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import structlog
from hypothesis import given, settings
from hypothesis import strategies as st

from warden.sources.drafting import UnusableItem, make_draft
from warden.sources.mapping import draft_from_item
from warden.sources.normalize import (
    clean_text,
    normalise_lang,
    normalise_url,
    parse_time,
    text_key,
    to_count,
    url_key,
)
from warden.sources.settings import FieldMapping

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=6,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("<p>Hello&nbsp;<b>world</b></p><p>again</p>", "Hello world again"),
        ("a<br>b<br/>c", "a b c"),
        ("<script>alert(1)</script>visible<style>p{}</style>", "visible"),
        ("tabs\t\tand\n\nnewlines  ", "tabs and newlines"),
        ("&lt;not a tag&gt; &amp; co", "<not a tag> & co"),
        ("control\x00\x07chars\x85here", "controlcharshere"),
        ("e\u0301cole", "école"),
        (None, ""),
    ],
)
def test_clean_text_examples(raw: str | None, clean: str) -> None:
    assert clean_text(raw) == clean


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_clean_text_folds_whitespace_and_drops_controls(raw: str) -> None:
    out = clean_text(raw)
    assert out == out.strip()
    assert "  " not in out and "\n" not in out and "\t" not in out
    assert not any(unicodedata.category(c) == "Cc" for c in out)
    assert unicodedata.is_normalized("NFC", out)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_characters="<>&", exclude_categories=("Cc", "Cs"))))
def test_plain_text_keeps_its_words(raw: str) -> None:
    expected = " ".join(unicodedata.normalize("NFC", raw).split())
    assert clean_text(raw) == expected
    assert clean_text(clean_text(raw)) == clean_text(raw)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_text_key_ignores_case_accents_spacing_and_links(text: str) -> None:
    variant = "  " + text.upper() + "   https://t.example/abc "
    if text.upper().casefold() == text.casefold():
        assert text_key(variant) == text_key(text)


@settings(max_examples=300, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(1975, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
        ),
    )
)
def test_parse_time_round_trips(when: datetime) -> None:
    assert parse_time(when.isoformat()) == when
    assert parse_time(when.isoformat()).tzinfo == UTC
    seconds = when.timestamp()
    assert abs(parse_time(seconds) - when) < timedelta(microseconds=2)
    assert abs(parse_time(int(seconds * 1000)) - when) < timedelta(milliseconds=1)
    assert abs(parse_time(str(int(seconds)), "epoch") - when) < timedelta(seconds=1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20T09:10:00Z", "2026-11-20T09:10:00+00:00"),
        ("2026-11-20T10:10:00.123+01:00", "2026-11-20T09:10:00.123000+00:00"),
        ("Fri, 20 Nov 2026 07:30:00 +0100", "2026-11-20T06:30:00+00:00"),
        ("2026-11-20 09:10:00", "2026-11-20T09:10:00+00:00"),
        (1795000000, "2026-11-18T11:06:40+00:00"),
        ("1795000000000", "2026-11-18T11:06:40+00:00"),
    ],
)
def test_parse_time_examples(value: Any, expected: str) -> None:
    assert parse_time(value).isoformat() == expected


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_parse_time_fails_only_with_value_error(value: Any) -> None:
    with contextlib.suppress(ValueError):
        assert parse_time(value).tzinfo == UTC


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_counts_are_never_negative_and_never_raise(value: Any) -> None:
    assert to_count(value) >= 0


def test_counts_and_languages() -> None:
    assert [to_count(v) for v in (3, "12", 4.7, -2, None, "n/a", True, float("inf"))] == [
        3,
        12,
        4,
        0,
        0,
        0,
        0,
        0,
    ]
    assert [normalise_lang(v) for v in ("en-US", "FR", "pt_BR", "und", "", 3, "x1")] == [
        "en",
        "fr",
        "pt",
        "und",
        None,
        None,
        None,
    ]


def test_url_keys_ignore_tracking_case_fragment_and_scheme() -> None:
    a = "http://www.Example.com/path/?utm_source=x&b=2&a=1#top"
    b = "https://example.com/path?a=1&b=2&fbclid=zzz"
    assert normalise_url(a) == "https://example.com/path?a=1&b=2"
    assert url_key(a) == url_key(b)
    assert url_key("https://example.com/other") != url_key(b)
    assert url_key(None) is None
    same_post = [
        "https://twitter.com/AcmeBank/status/1725000000000000001?s=20",
        "https://x.com/i/web/status/1725000000000000001",
        "https://mobile.twitter.com/someone/statuses/1725000000000000001/",
    ]
    assert {normalise_url(u) for u in same_post} == {"https://x.com/i/status/1725000000000000001"}
    assert url_key("https://old.reddit.com/r/france/comments/abc/x/") == url_key(
        "https://www.reddit.com/r/france/comments/abc/x"
    )


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_normalise_url_is_idempotent(tail: str) -> None:
    for url in (tail, f"https://Example.com/{tail}", f"http://www.a.example/?q={tail}&utm_x=1"):
        once = normalise_url(url)
        assert normalise_url(once) == once


def test_draft_from_fields() -> None:
    draft = make_draft(
        source="s",
        external_id=42,
        text="<p>Bonjour  le monde, Acme nous a déçus</p>",
        published_at="2026-11-20T09:10:00+01:00",
        fetched_at=NOW,
        likes="3",
        replies=None,
        author_followers="1200",
        url="  https://a.example/x ",
        title="  ",
        text_format="html",
    )
    assert draft.external_id == "42" and draft.text == "Bonjour le monde, Acme nous a déçus"
    assert draft.lang == "fr"  # detected
    assert draft.published_at == datetime(2026, 11, 20, 8, 10, tzinfo=UTC)
    assert (draft.likes, draft.replies, draft.author_followers) == (3, 0, 1200)
    assert draft.url == "https://a.example/x" and draft.title is None
    with pytest.raises(UnusableItem, match="no text"):
        make_draft(
            source="s",
            external_id=1,
            text=" <br> ",
            published_at=None,
            fetched_at=NOW,
            text_format="html",
        )
    with pytest.raises(UnusableItem, match="no id"):
        make_draft(source="s", external_id="", text="x", published_at=None, fetched_at=NOW)
    # An unreadable date keeps the item, stamped with the fetch time (said once per source).
    undated = make_draft(source="s", external_id=1, text="x", published_at="soon", fetched_at=NOW)
    assert undated.published_at == NOW


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "text",
                "title",
                "url",
                "author",
                "published_at",
                "lang",
                "likes",
                "reposts",
                "replies",
                "other",
            ]
        ),
        json_values,
        max_size=11,
    )
)
def test_any_json_object_is_a_draft_or_an_unusable_item(item: dict[str, Any]) -> None:
    try:
        draft = draft_from_item(item, FieldMapping(), "s", NOW)
    except UnusableItem:
        return
    assert draft.text and draft.text == clean_text(draft.text)
    assert draft.published_at.tzinfo == UTC
    assert min(draft.likes, draft.reposts, draft.replies) >= 0


@settings(max_examples=200, deadline=None)
@given(
    when=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2045, 12, 31)),
    form=st.sampled_from(
        ["%d/%m/%Y %H:%M", "%H:%M %d.%m.%Y", "%d.%m.%Y %H:%M", "%d-%m-%Y %H:%M", "%d/%m/%y %H:%M"]
    ),
)
def test_numeric_dates_are_read_day_first(when: datetime, form: str) -> None:
    """Issue: `04/05/2026 10:00` and `10:00 04.05.2026` became 5 April. Day first, always,
    the French and European convention (docs/sources.md); year-first dates stay year first."""
    when = when.replace(second=0, microsecond=0, tzinfo=UTC)
    assert parse_time(when.strftime(form)) == when
    assert parse_time(when.strftime("%Y/%m/%d %H:%M")) == when


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("04/05/2026 10:00", "2026-05-04T10:00:00+00:00"),
        ("10:00 04.05.2026", "2026-05-04T10:00:00+00:00"),
        ("05/13/2026", "2026-05-13T00:00:00+00:00"),  # can only be month first
        ("2026-05-04 10:00 Europe/Paris", "2026-05-04T08:00:00+00:00"),
        ("2026-01-04 10:00 Europe/Paris", "2026-01-04T09:00:00+00:00"),
        ("Mon, 04 May 2026 10:00:00 MESZ", "2026-05-04T08:00:00+00:00"),
    ],
)
def test_day_first_and_zone_names(value: str, expected: str) -> None:
    assert parse_time(value).isoformat() == expected


@pytest.mark.parametrize(
    "value",
    ["Mon, 04 May 2026 10:00:00 XYZT", "2026-05-04 10:00 Mars/Olympus", "2026-05-04 10:00 ../etc"],
)
def test_unknown_zone_names_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match=r"time zone|not a time"):
        parse_time(value)


FETCHED = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("0", False),  # epoch 0: 1970, a placeholder
        (0, False),
        ("1989-12-31T23:59:00Z", False),
        ("1990-01-01T00:00:00Z", True),
        ("2034-05-04T12:00:00Z", False),  # years ahead
        (FETCHED + timedelta(hours=23), True),  # a clock or a zone hours off
        (FETCHED + timedelta(hours=25), False),
    ],
)
def test_implausible_dates_are_unreadable(value: Any, kept: bool) -> None:
    """Issue: `published_at: "0"` became 1970-01-01 and 2034 was accepted, silently. Before
    1990 or more than a day after the fetch: stamped with the fetch time, said once."""
    source = f"bounds-{type(value).__name__}-{value!s}"
    with structlog.testing.capture_logs() as logs:
        drafts = [
            make_draft(
                source=source, external_id=n, text="Acme", published_at=value, fetched_at=FETCHED
            )
            for n in range(2)
        ]
    said = [e for e in logs if e["event"] == "source.date_unreadable"]
    if kept:
        assert drafts[0].published_at == parse_time(value) and not said
    else:
        assert [d.published_at for d in drafts] == [FETCHED, FETCHED]
        assert len(said) == 1 and said[0]["source"] == source
        assert "implausible" in said[0]["error"]
