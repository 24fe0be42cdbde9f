"""Storing mentions: de-duplication across polls, restarts and sources (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from warden.entities import Entity, EntityMatcher
from warden.sources.base import MentionDraft
from warden.sources.ingest import tag_and_store
from warden.store.db import Database
from warden.store.mentions import store_mentions
from warden.store.models import Mention, MentionEntity

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
MATCHER = EntityMatcher([Entity("Acme"), Entity("Globex")])


def draft(
    source: str,
    ident: str,
    text: str = "Acme is down",
    url: str | None = None,
    at: datetime = NOW - timedelta(minutes=5),
) -> MentionDraft:
    return MentionDraft(
        source=source, external_id=ident, text=text, published_at=at, url=url, raw={"id": ident}
    )


def count(db: Database) -> int:
    with db.session() as session:
        return session.query(Mention).count()


def test_duplicates_across_polls_sources_and_restarts(store_db: Database) -> None:
    with store_db.session() as session:
        first = tag_and_store(
            session,
            [
                draft("masto", "1", url="https://news.example/a?utm_source=masto"),
                draft("masto", "2", "Globex and Acme"),
                draft("masto", "2", "Globex and Acme"),  # listed twice: one item
                draft("masto", "2", "same id, another text, one poll: another item"),
            ],
            MATCHER,
            NOW,
        )
    assert (len(first.inserted), first.duplicates) == (3, 1)
    with store_db.session() as session:
        again = tag_and_store(
            session,
            [
                draft("masto", "1"),  # same external id, next poll
                draft("rss", "feed-9", url="http://www.NEWS.example/a/#comments"),  # same URL
                draft("rss", "2", "same id, other source: a different mention"),
            ],
            MATCHER,
            NOW,
        )
    assert (len(again.inserted), again.duplicates) == (1, 2)
    restarted = Database(store_db.url)  # a new process on the same database
    with restarted.session() as session:  # a later poll: the same id with a new text is an edit
        assert store_mentions(session, [draft("masto", "2")], NOW).duplicates == 1
    restarted.dispose()
    assert count(store_db) == 4


def test_rows_keep_entities_raw_payload_and_sane_times(store_db: Database) -> None:
    future = NOW + timedelta(hours=3)
    with store_db.session() as session:
        result = tag_and_store(
            session,
            [draft("x", "9", "Globex rachète Acme", at=future)],
            MATCHER,
            NOW,
            forced_entities=["Acme"],
        )
    with store_db.session() as session:
        mention = session.get(Mention, result.inserted[0])
        assert mention is not None
        assert sorted(e.entity for e in mention.entities) == ["Acme", "Globex"]
        assert mention.raw == {"id": "9"}
        assert mention.published_at == NOW  # a clock ahead of ours is not the future
        rows = session.query(MentionEntity).filter_by(entity="Globex").all()
        assert [r.published_at for r in rows] == [NOW]


def test_many_drafts_in_one_batch(store_db: Database) -> None:
    drafts = [draft("bulk", str(n), f"Acme {n}", url=f"https://b.example/{n}") for n in range(1200)]
    with store_db.session() as session:
        assert len(store_mentions(session, drafts, NOW).inserted) == 1200
    with store_db.session() as session:
        assert store_mentions(session, drafts[::-1], NOW).duplicates == 1200


def test_two_sources_storing_the_same_posts_at_once_store_each_post_once(
    store_db: Database,
) -> None:
    """Issue: the first polls of an RSS feed and a Mastodon tag carrying the same 200 posts
    stored 240 rows. The database's unique key decides, so concurrent writers cannot race."""
    urls = [f"https://social.example/@someone/{n}" for n in range(200)]
    feeds = {
        "rss": [
            draft("rss", f"tag:social.example,2026:{n}", f"Acme {n}", u) for n, u in enumerate(urls)
        ],
        "masto": [
            draft("masto", str(10_000 + n), f"Acme {n}", u + "?utm_source=x")
            for n, u in enumerate(urls)
        ],  # the same order: every batch of one writer races the other's
    }
    start = threading.Barrier(len(feeds))
    results: dict[str, list[tuple[int, int]]] = {name: [] for name in feeds}
    errors: list[BaseException] = []

    def write(name: str) -> None:
        writer = Database(store_db.url)  # its own connections, as another instance would have
        try:
            start.wait()
            batch = feeds[name]
            for first in range(0, len(batch), 10):
                with writer.session() as session:
                    got = tag_and_store(session, batch[first : first + 10], MATCHER, NOW)
                results[name].append((len(got.inserted), got.duplicates))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            writer.dispose()

    threads = [threading.Thread(target=write, args=(name,)) for name in feeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    assert count(store_db) == 200
    assert sum(i for r in results.values() for i, _ in r) == 200
    for name, batches in results.items():  # every draft is either stored or a duplicate
        assert sum(i + d for i, d in batches) == 200, name
    with store_db.session() as session:
        tags = session.query(MentionEntity).count()
    assert tags == 200


def test_items_sharing_an_id_are_told_apart_by_their_links(store_db: Database) -> None:
    """Issue: three entries of one feed with one <guid> but their own titles and links: one
    was stored and two silently counted as duplicates."""
    thread = [
        draft(
            "forum",
            "https://forum.example/t/9",
            f"Acme reply {n}",
            f"https://forum.example/t/9/{n}",
        )
        for n in (1, 2, 3)
    ]
    with store_db.session() as session:
        first = tag_and_store(session, thread[:1], MATCHER, NOW)
    with store_db.session() as session:
        later = tag_and_store(session, thread[::-1], MATCHER, NOW)  # the thread grew
    with store_db.session() as session:
        again = tag_and_store(session, thread, MATCHER, NOW)  # the next poll: nothing new
        ids = sorted(m.external_id for m in session.query(Mention))
    assert (len(first.inserted), len(later.inserted), len(again.inserted)) == (1, 2, 0)
    assert [d.reason for d in again.dropped] == ["same id"] * 3 or again.duplicates == 3
    assert ids[0] == "https://forum.example/t/9"
    assert all(i.startswith("https://forum.example/t/9#") for i in ids[1:])
    assert count(store_db) == 3


def test_a_link_shared_by_different_items_of_one_poll_does_not_merge_them(
    store_db: Database,
) -> None:
    """Reviews of one product all linking to the product page are different mentions; a home
    page link identifies nothing either."""
    reviews = [
        draft("reviews", f"r{n}", f"Acme review {n}", "https://shop.example/p/acme-1")
        for n in range(3)
    ]
    homepage = [draft("blog", f"b{n}", f"Acme news {n}", "https://blog.example/") for n in range(2)]
    with store_db.session() as session:
        result = tag_and_store(session, reviews + homepage, MATCHER, NOW)
    assert (len(result.inserted), result.duplicates) == (5, 0)


def test_every_item_set_aside_is_logged_with_its_reason(
    store_db: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    with store_db.session() as session:
        tag_and_store(session, [draft("a", "1", url="https://n.example/x")], MATCHER, NOW)
    with store_db.session() as session:
        result = tag_and_store(
            session,
            [draft("b", "7", url="https://n.example/x"), draft("b", "8"), draft("b", "8")],
            MATCHER,
            NOW,
        )
    assert sorted(d.reason for d in result.dropped) == ["repeated", "same link"]
    out = capsys.readouterr().out  # the tests log at debug level
    assert "mention.duplicate" in out and "same link" in out and "repeated" in out
