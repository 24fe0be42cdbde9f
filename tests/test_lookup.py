"""`run_lookup` against the local platform fakes: every searchable source asked with the name
as a phrase, results grouped per source with sentiment, failures kept to their own group."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import free_port
from lookup_helpers import Platforms, platforms, store, write_config
from sentiment_helpers import CountingBackend, single_torch_thread
from source_servers import EPOCH, FakeServer

from warden.clock import SimulatedClock
from warden.config import load_config
from warden.lookup import LookupQuery, run_lookup
from warden.lookup.run import NO_MODEL
from warden.sentiment.loader import load_scorer
from warden.sentiment.scorer import SentimentScorer
from warden.sentiment.settings import SentimentSettings
from warden.store import Database


@pytest.fixture
def fakes(server: FakeServer) -> Platforms:
    return platforms(server)


@pytest.fixture(scope="module")
def scorer(tiny_model_dir: Path) -> Iterator[SentimentScorer]:
    with single_torch_thread():
        yield load_scorer(SentimentSettings(model=str(tiny_model_dir)))


def _fill(fakes: Platforms) -> None:
    fakes.x.add("awful hate acme bank")
    fakes.bluesky.add("love great acme bank")
    fakes.mastodon.add("acme bank is terrible")
    fakes.reddit.add("acme bank is excellent", title="Acme Bank in Lyon")
    fakes.hackernews.add("Acme Bank outage, angry", story=True)
    fakes.news.append(("Acme Bank ouvre à Lyon - Paper", "https://paper.example/a1", EPOCH))


def test_every_platform_is_searched_for_the_name_and_place(
    tmp_path: Path, fakes: Platforms, scorer: SentimentScorer, sim_clock: SimulatedClock
) -> None:
    _fill(fakes)
    config = load_config(write_config(tmp_path, fakes.server.url))
    query = LookupQuery("Acme Bank", kind="company", place="Lyon")
    backend, scorer.backend = scorer.backend, CountingBackend(scorer.backend)
    try:
        result = run_lookup(config, None, query, scorer, sim_clock)
        assert scorer.backend.calls == [6]  # every found text in one batch
    finally:
        scorer.backend = backend

    phrase = '"Acme Bank" Lyon'
    x = fakes.query_of("/2/tweets/search/recent")
    assert x["query"] == f"{phrase} -is:retweet" and x["max_results"] == "25"
    assert fakes.query_of("/xrpc/app.bsky.feed.searchPosts")["q"] == phrase
    masto = fakes.query_of("/api/v2/search")
    assert (masto["q"], masto["type"], masto["resolve"]) == (phrase, "statuses", "false")
    reddit = fakes.query_of("/search.json")  # site-wide, not the configured subreddit
    assert (reddit["q"], reddit["sort"]) == (phrase, "new")
    hn = fakes.query_of("/api/v1/search_by_date")
    assert (hn["query"], hn["tags"]) == (phrase, "(story,comment)")
    news = fakes.query_of("/rss/search")
    assert (news["q"], news["hl"], news["gl"], news["ceid"]) == (phrase, "fr", "FR", "FR:fr")

    assert [(g.source, g.platform) for g in result.groups] == [
        ("x-acme", "x"),
        ("bsky-acme", "bluesky"),
        ("masto-acme", "mastodon"),
        ("reddit-acme", "reddit"),
        ("hn-acme", "hackernews"),
        ("google-news", "google_news"),
    ]
    assert all(g.error is None and len(g.items) == 1 for g in result.groups)
    by_source = {g.source: g.items[0] for g in result.groups}
    assert by_source["x-acme"].sentiment == "negative"
    assert by_source["x-acme"].sentiment_score is not None
    assert by_source["x-acme"].sentiment_score < 0
    assert by_source["bsky-acme"].sentiment == "positive"
    assert by_source["x-acme"].followers == 100 and by_source["x-acme"].author == "user1"
    news_item = by_source["google-news"]
    assert news_item.url == "https://paper.example/a1" and news_item.author == "Paper"
    assert (news_item.title, news_item.text) == ("Acme Bank ouvre à Lyon",) * 2
    assert result.sentiment_model is not None and "tiny-sentiment" in result.sentiment_model
    assert result.total == 6


def test_an_unreachable_source_is_an_error_line_and_the_others_answer(
    tmp_path: Path, fakes: Platforms, sim_clock: SimulatedClock
) -> None:
    _fill(fakes)
    dead = f"http://127.0.0.1:{free_port()}"
    path = write_config(tmp_path, fakes.server.url, reddit_url=dead, mastodon_token=False)
    result = run_lookup(load_config(path), None, LookupQuery("Acme Bank"), None, sim_clock)

    groups = {g.source: g for g in result.groups}
    assert groups["reddit-acme"].error is not None
    assert "cannot connect" in groups["reddit-acme"].error
    assert "\n" not in groups["reddit-acme"].error and not groups["reddit-acme"].items
    mastodon = groups["masto-acme"].error
    assert mastodon is not None and "needs an access token" in mastodon
    assert "/api/v2/search" not in fakes.server.paths()  # not asked without a token
    for name in ("x-acme", "bsky-acme", "hn-acme", "google-news"):
        assert groups[name].error is None and len(groups[name].items) == 1
    assert [g.source for g in result.failed] == ["masto-acme", "reddit-acme"]
    assert result.sentiment_model is None and result.sentiment_note == NO_MODEL
    assert all(i.sentiment is None for g in result.groups for i in g.items)


def test_a_source_slower_than_the_timeout_is_reported_without_waiting_for_it(
    tmp_path: Path, fakes: Platforms, sim_clock: SimulatedClock
) -> None:
    slow = FakeServer().start()
    try:
        slow.fail(200, b"{}", delay=4.0)
        path = write_config(
            tmp_path, fakes.server.url, reddit_url=slow.url, extra="  max_items: 5\n"
        )
        text = path.read_text("utf-8").replace("timeout: 5s", "timeout: 1s")
        path.write_text(text, encoding="utf-8")
        started = datetime.now(UTC)
        result = run_lookup(load_config(path), None, LookupQuery("Acme"), None, sim_clock)
        took = datetime.now(UTC) - started
    finally:
        slow.stop()
    reddit = next(g for g in result.groups if g.source == "reddit-acme")
    assert reddit.error is not None and ("1s" in reddit.error or "timed out" in reddit.error)
    assert took < timedelta(seconds=3)
    assert next(g for g in result.groups if g.source == "x-acme").error is None


def test_stored_mentions_naming_the_name_are_found_newest_first_with_their_sentiment(
    tmp_path: Path, fakes: Platforms, db: Database, sim_clock: SimulatedClock
) -> None:
    day = datetime(2026, 11, 1, tzinfo=UTC)
    store(
        db,
        [
            ("Rencontre avec Jérôme Martin à Lyon", day, "positive", 0.7),
            (
                "JEROME MARTIN démissionne, Lyon sous le choc",
                day + timedelta(hours=1),
                "negative",
                -0.8,
            ),
            ("Jérômes Martinez n'est pas lui", day + timedelta(hours=2), "neutral", 0.0),
            ("Jérôme Martin à Paris", day + timedelta(hours=3), None, None),
        ],
    )
    fakes.news.append(("Jérôme Martin à Lyon", "https://stored.example/1", EPOCH))
    config = load_config(write_config(tmp_path, fakes.server.url))
    query = LookupQuery(
        "Jérôme Martin", kind="person", place="Lyon", sources=("stored", "google-news")
    )
    result = run_lookup(config, db, query, None, sim_clock)

    assert [g.source for g in result.groups] == ["stored", "google-news"]
    stored = result.groups[0]
    assert [i.text for i in stored.items] == [
        "JEROME MARTIN démissionne, Lyon sous le choc",
        "Rencontre avec Jérôme Martin à Lyon",
    ]
    assert [(i.sentiment, i.sentiment_score) for i in stored.items] == [
        ("negative", -0.8),
        ("positive", 0.7),
    ]
    assert stored.items[0].mention_id is not None
    news = result.groups[1]  # the article already stored is shown once, in the stored group
    assert news.items == [] and news.duplicates == 1


def test_a_watched_entity_is_read_from_its_stored_mentions(
    tmp_path: Path, fakes: Platforms, db: Database, sim_clock: SimulatedClock
) -> None:
    day = datetime(2026, 11, 1, tzinfo=UTC)
    store(db, [("La banque ferme", day, "negative", -0.5)], entity="Acme")
    store(db, [("Acme, unrelated but not tagged", day, None, None)])
    config = load_config(write_config(tmp_path, fakes.server.url))
    query = LookupQuery("acme", sources=("stored",))
    result = run_lookup(config, db, query, None, sim_clock)
    assert [i.text for i in result.groups[0].items] == ["La banque ferme"]


def test_an_unknown_source_name_is_refused_with_the_choices(
    tmp_path: Path, fakes: Platforms, sim_clock: SimulatedClock
) -> None:
    from warden.errors import WardenError

    config = load_config(write_config(tmp_path, fakes.server.url))
    with pytest.raises(WardenError, match=r"'nope'.*x-acme, bsky-acme.*google-news, stored"):
        run_lookup(config, None, LookupQuery("Acme", sources=("nope",)), None, sim_clock)
    assert fakes.server.requests == []


def test_the_name_is_cleaned_of_controls_and_escapes_and_bounded() -> None:
    from warden.lookup.results import LookupQuery

    query = LookupQuery("\x1b]0;title\x07\x1b[31mJean\x00 \n Dupont\x1b[0m", place="Ly\x08on\t")
    assert query.name == "Jean Dupont" and query.place == "Lyon"
    assert query.phrase == '"Jean Dupont" Lyon'
    assert len(LookupQuery("a" * 5000).name) == 200
    with pytest.raises(ValueError, match="no printable characters"):
        LookupQuery("\x00\x01\x1b[2J")
