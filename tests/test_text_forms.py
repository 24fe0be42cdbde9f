"""Text as a reader sees it: markup stripped from HTML only, links made absolute, dates read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warden.sources.dates import TZ_ABBREVIATIONS, parse_time
from warden.sources.normalize import clean_text, html_to_text, plain_text, resolve_url

TITLE = "Bénéfice < 2 % : Banque Exemple sous les attentes (> 5 %)"


@pytest.mark.parametrize(
    ("raw", "fmt", "shown"),
    [
        ("Bénéfice &lt; 2 % : Banque Exemple sous les attentes (&gt; 5 %)", "html", TITLE),
        (TITLE, "html", TITLE),  # a bare "<" followed by a space is text in HTML too
        (TITLE, "plain", TITLE),
        ("Bénéfice &lt; 2 % : Banque Exemple sous les attentes (&gt; 5 %)", "escaped", TITLE),
        ("AT&amp;T &lt;3", "plain", "AT&amp;T &lt;3"),  # plain text: the author's characters
        ("I <3 Acme & <b>co</b>", "plain", "I <3 Acme & <b>co</b>"),
        ("<p>I &lt;3 <b>Acme</b></p><p>&amp;lt;b&amp;gt;</p>", "html", "I <3 Acme &lt;b&gt;"),
        ("<p>a</p><script>x()</script><style>p{}</style>b<br/>c", "html", "a b c"),
    ],
)
def test_markup_is_stripped_from_markup_only(raw: str, fmt: str, shown: str) -> None:
    assert clean_text(raw, fmt) == shown  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs", "Zs", "Zl", "Zp"))))
def test_escaped_plain_text_comes_back_whole_through_html(text: str) -> None:
    """Whatever a source escaped is shown as written: escape any text, read it as HTML."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    assert html_to_text(escaped) == plain_text(text)


def test_relative_links_resolve_against_their_base() -> None:
    base = "https://news.example/rubrique/feed.xml"
    assert resolve_url("/2026/05/a-1", base) == "https://news.example/2026/05/a-1"
    assert resolve_url("a-1", base) == "https://news.example/rubrique/a-1"
    assert resolve_url("//cdn.example/x", base) == "https://cdn.example/x"
    assert resolve_url("https://other.example/x", base) == "https://other.example/x"
    assert resolve_url("/2026/05/a-1", None) is None  # no base: not a link one can follow
    assert resolve_url("javascript:alert(1)", base) is None
    assert resolve_url("mailto:x@example.com", base) is None


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("Mon, 04 May 2026 10:00:00 CEST", "2026-05-04T08:00:00"),
        ("Mon, 04 May 2026 10:00:00 CET", "2026-05-04T09:00:00"),
        ("Mon, 04 May 2026 10:00:00 EDT", "2026-05-04T14:00:00"),
        ("Mon, 04 May 2026 10:00:00 GMT", "2026-05-04T10:00:00"),
        ("Mon, 04 May 2026 10:00:00 +0200 (CEST)", "2026-05-04T08:00:00"),
        ("lun., 04 mai 2026 10:00:00 +0200", "2026-05-04T08:00:00"),
        ("Lundi 4 mai 2026 à 10h30 CEST", "2026-05-04T08:30:00"),
        ("mar., 05 mai 2026 10:00:00 CEST", "2026-05-05T08:00:00"),
        ("1er février 2026 08:00 CET", "2026-02-01T07:00:00"),
        ("dim. 15 mars 2026 09:00:00 GMT", "2026-03-15T09:00:00"),
        ("15 déc. 2026 09:00", "2026-12-15T09:00:00"),
        ("2026-05-04 10:00:00 CEST", "2026-05-04T08:00:00"),
        ("May 4, 2026 10:00 PM PDT", "2026-05-05T05:00:00"),
    ],
)
def test_dates_in_the_wild(written: str, utc: str) -> None:
    assert parse_time(written) == datetime.fromisoformat(utc).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    "unreadable",
    ["10:30", "mai 2026", "tomorrow", "Mon, 04 May 2026 10:00:00 XYZT", "", "le 4"],
)
def test_what_is_not_a_whole_date_is_refused_not_guessed(unreadable: str) -> None:
    with pytest.raises(ValueError):
        parse_time(unreadable)


@settings(max_examples=200, deadline=None)
@given(
    when=st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1)),
    zone=st.sampled_from(sorted(TZ_ABBREVIATIONS)),
)
def test_a_named_zone_is_its_offset(when: datetime, zone: str) -> None:
    when = when.replace(microsecond=0)
    written = when.strftime("%a, %d %b %Y %H:%M:%S ") + zone
    offset = timezone(timedelta(seconds=TZ_ABBREVIATIONS[zone]))
    assert parse_time(written) == when.replace(tzinfo=offset)


def test_each_platform_strips_markup_from_its_html_fields_only() -> None:
    """The sibling faults of the escaped-title issue, one per platform mapper."""
    from warden.clock import SimulatedClock
    from warden.sources import bluesky, hackernews, mastodon, reddit, x

    clock = SimulatedClock(datetime(2026, 5, 4, 12, tzinfo=UTC))
    toot = mastodon.status_draft(
        {
            "id": "1",
            "uri": "https://m.example/1",
            "spoiler_text": "CW: Acme <3",
            "content": "<p>Bénéfice &lt; 2 % : <a href='x'>Banque Exemple</a></p>",
        },
        "m",
        clock,
    )
    assert toot.text == "CW: Acme <3 Bénéfice < 2 % : Banque Exemple"
    tweet = x.tweet_draft({"id": "2", "text": "AT&amp;T &lt;3 Acme &gt; all"}, {}, "x", clock)
    assert tweet.text == "AT&T <3 Acme > all"
    skeet = bluesky.post_draft(
        {"uri": "at://did:plc:a/app.bsky.feed.post/3", "record": {"text": "a &amp; b <i>c</i>"}},
        "b",
        clock,
    )
    assert skeet.text == "a &amp; b <i>c</i>"
    story = hackernews.hit_draft(
        {"objectID": "4", "title": "Show HN: <blink> & Acme", "story_text": "<p>x &lt; y</p>"},
        "hn",
        clock,
    )
    assert (story.title, story.text) == ("Show HN: <blink> & Acme", "x < y")
    post = reddit.post_draft(
        {"name": "t3_5", "title": "Acme < Globex", "selftext": "1 &lt; 2 & **bold**"},
        "r",
        "https://www.reddit.com",
        clock,
    )
    assert (post.title, post.text) == ("Acme < Globex", "1 < 2 & **bold**")
