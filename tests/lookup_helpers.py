"""Fakes and config for the look-up tests: every searchable platform on one local server
(tests/source_servers.py), Google News RSS search beside them, and a config.yaml naming them."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from source_servers import (
    BlueskyFake,
    FakeServer,
    HackerNewsFake,
    MastodonFake,
    RedditFake,
    Reply,
    Request,
    XFake,
)

from warden.store import Database, Mention, MentionEntity, Score


@dataclass
class Platforms:
    server: FakeServer
    x: XFake
    bluesky: BlueskyFake
    mastodon: MastodonFake
    reddit: RedditFake
    hackernews: HackerNewsFake
    news: list[tuple[str, str, datetime]]
    """Google News articles: (title, link, published)."""

    def route_news(self) -> None:
        def answer(request: Request) -> Reply:
            items = "".join(
                f"<item><title>{escape(title)}</title><link>{escape(link)}</link>"
                f"<guid>{escape(link)}</guid><pubDate>{format_datetime(when)}</pubDate>"
                f"<source url='https://paper.example'>Paper</source></item>"
                for title, link, when in self.news
            )
            body = (
                '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                f"<title>Google News</title><link>https://news.google.com</link>{items}"
                "</channel></rss>"
            )
            return Reply(200, body, {"content-type": "application/rss+xml; charset=utf-8"})

        self.server.route("GET", "/rss/search", answer)

    def query_of(self, path: str) -> dict[str, str]:
        """The query string of the one request to `path`."""
        found = [r.query for r in self.server.requests if r.path == path]
        assert len(found) == 1, f"{len(found)} requests to {path}"
        return found[0]


def platforms(server: FakeServer) -> Platforms:
    found = Platforms(
        server=server,
        x=XFake(server),
        bluesky=BlueskyFake(server),
        mastodon=MastodonFake(server, token="masto-token"),
        reddit=RedditFake(server),
        hackernews=HackerNewsFake(server),
        news=[],
    )
    found.route_news()
    return found


def write_config(
    tmp_path: Path,
    url: str,
    *,
    db_url: str | None = None,
    entities: str = "  - name: Acme\n",
    mastodon_token: bool = True,
    reddit_url: str | None = None,
    extra: str = "",
) -> Path:
    """A config.yaml whose five searchable sources and Google News are all at `url`."""
    token = "    token: masto-token\n" if mastodon_token else ""
    path = tmp_path / "config.yaml"
    path.write_text(
        f'database: {{url: "{db_url or "sqlite:///" + str(tmp_path / "warden.db")}"}}\n'
        "# the entities we watch\n"
        "entities:\n"
        f"{entities}"
        "sources:\n"
        "  - {name: x-acme, type: x, query: acme, bearer_token: x-token, "
        f"base_url: '{url}'}}\n"
        f"  - {{name: bsky-acme, type: bluesky, query: acme, base_url: '{url}'}}\n"
        "  - name: masto-acme\n"
        "    type: mastodon\n"
        "    hashtag: acme\n"
        f"    base_url: '{url}'\n"
        f"{token}"
        "  - {name: reddit-acme, type: reddit, query: acme, subreddit: france, "
        f"base_url: '{reddit_url or url}'}}\n"
        f"  - {{name: hn-acme, type: hackernews, query: acme, base_url: '{url}'}}\n"
        "  - {name: demo, type: demo}\n"
        "lookup:\n"
        "  timeout: 5s\n"
        f"  google_news: {{base_url: '{url}', language: fr, country: FR}}\n"
        f"{extra}",
        encoding="utf-8",
    )
    return path


def store(
    db: Database,
    rows: Sequence[tuple[str, datetime, str | None, float | None]],
    *,
    entity: str | None = None,
) -> list[int]:
    """Stored mentions (text, published, label, score), tagged with `entity` when given."""
    ids = []
    with db.session() as session:
        for n, (text, when, label, score) in enumerate(rows):
            mention = Mention(
                source="stored-feed",
                external_id=f"m{n}-{uuid.uuid4().hex}",
                url=f"https://stored.example/{n}",
                text=text,
                text_key=hashlib.sha256(text.encode()).hexdigest(),
                published_at=when,
                fetched_at=when,
                author_handle=f"writer{n}",
                author_followers=10 * n,
            )
            session.add(mention)
            session.flush()
            if entity:
                session.add(MentionEntity(mention_id=mention.id, entity=entity, published_at=when))
            if label is not None and score is not None:
                session.add(
                    Score(
                        mention_id=mention.id,
                        label=label,
                        score=score,
                        confidence=0.9,
                        model="test",
                        scored_at=when,
                    )
                )
            ids.append(mention.id)
    return ids
