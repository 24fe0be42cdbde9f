"""What a look-up asks (`LookupQuery`) and what it found (`LookupResult`), grouped per source.

Plain data, shared by the command line (`warden lookup`), the status page's search box and
the JSON output: `LookupResult.as_json()` is the `--json` shape.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Kind = Literal["person", "company"]

STORED = "stored"
"""Platform name of the group of mentions Warden has already stored."""


MAX_NAME = 200
"""Longest name (and place) looked up, in characters, after cleaning."""

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clearing the screen
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window titles, hyperlinks
    r"|\x1b[@-_]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # the one-byte CSI
)
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean_name(text: str, limit: int = MAX_NAME) -> str:
    """`text` fit to search and log: terminal escape sequences, control characters and
    direction overrides removed, whitespace runs made one space, trimmed, at most `limit`
    characters. May be empty (nothing printable was given)."""
    text = _ESCAPES.sub("", text)
    kept = []
    for char in text:
        if char.isspace():
            kept.append(" ")
        elif char in _BIDI or unicodedata.category(char) in ("Cc", "Cs", "Co", "Cn"):
            continue
        else:
            kept.append(char)
    return " ".join("".join(kept).split())[:limit].strip()


@dataclass(frozen=True)
class LookupQuery:
    """A name to look up.

    `name`: the person or company, searched as a phrase; `kind`: "person", "company" or None
    (unknown); `place`: a town or country that must occur too (None: anywhere); `limit`: most
    results per source (None: the config's `lookup.max_items`); `sources`: names of the
    sources to ask (configured source names, "google-news", "stored"; empty: all).
    """

    name: str
    kind: Kind | None = None
    place: str | None = None
    limit: int | None = None
    sources: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", clean_name(self.name))
        if self.place is not None:
            object.__setattr__(self, "place", clean_name(self.place) or None)
        if not self.name:
            raise ValueError("the name to look up is empty (no printable characters)")
        if self.kind not in (None, "person", "company"):
            raise ValueError(f"the kind is person or company, not {self.kind!r}")
        if self.limit is not None and self.limit < 1:
            raise ValueError("the limit is at least 1")

    @property
    def phrase(self) -> str:
        """The search text: the name as a quoted phrase, then the place (quoted if several
        words): ``"Jean Dupont" Lyon``."""
        text = _quoted(self.name)
        if self.place and self.place.strip():
            place = self.place.strip()
            text += " " + (_quoted(place) if len(place.split()) > 1 else place.replace('"', ""))
        return text


def _quoted(text: str) -> str:
    return '"' + " ".join(text.replace('"', " ").split()) + '"'


@dataclass
class FoundItem:
    """One post or article found. Times are UTC; `followers` is the author's audience when
    the platform gives it; `engagement` is likes + reposts + replies; `sentiment` is
    "negative", "neutral" or "positive" and `sentiment_score` runs from -1 to 1 (both None
    when no model scored it)."""

    text: str
    published_at: datetime
    url: str | None = None
    title: str | None = None
    author: str | None = None
    followers: int | None = None
    engagement: int = 0
    lang: str | None = None
    sentiment: str | None = None
    sentiment_score: float | None = None
    mention_id: int | None = None
    """The stored mention's id, for items of the stored group."""

    def as_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "title": self.title,
            "author": self.author,
            "followers": self.followers,
            "url": self.url,
            "published_at": self.published_at.isoformat(),
            "engagement": self.engagement,
            "lang": self.lang,
            "sentiment": None
            if self.sentiment is None
            else {"label": self.sentiment, "score": round(self.sentiment_score or 0.0, 4)},
            "mention_id": self.mention_id,
        }


@dataclass
class SourceGroup:
    """What one source answered: its items, newest first, or `error` (one line) when it failed
    or cannot search (then `items` is empty). `query` is what was sent to it."""

    source: str
    platform: str
    query: str
    items: list[FoundItem] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0
    duplicates: int = 0
    """Items left out because an earlier group already had the same URL."""

    def as_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "platform": self.platform,
            "query": self.query,
            "error": self.error,
            "seconds": round(self.seconds, 3),
            "duplicates": self.duplicates,
            "items": [item.as_json() for item in self.items],
        }


@dataclass
class LookupResult:
    """Every group of one look-up, in the order the sources are configured (stored mentions
    first). `sentiment_model` names the model that scored the found items, None when none
    did; `sentiment_note` then says why."""

    query: LookupQuery
    searched_at: datetime
    groups: list[SourceGroup] = field(default_factory=list)
    sentiment_model: str | None = None
    sentiment_note: str | None = None

    @property
    def total(self) -> int:
        return sum(len(g.items) for g in self.groups)

    @property
    def failed(self) -> list[SourceGroup]:
        return [g for g in self.groups if g.error is not None]

    def as_json(self) -> dict[str, Any]:
        return {
            "query": {
                "name": self.query.name,
                "kind": self.query.kind,
                "place": self.query.place,
                "limit": self.query.limit,
                "sources": list(self.query.sources),
            },
            "searched_at": self.searched_at.isoformat(),
            "sentiment": {"model": self.sentiment_model, "note": self.sentiment_note},
            "total": self.total,
            "groups": [group.as_json() for group in self.groups],
        }
