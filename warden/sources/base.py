"""What every source produces (`MentionDraft`) and the contract a platform module implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from warden.clock import Clock
from warden.sources.http import HttpFetcher


@dataclass
class MentionDraft:
    """One mention as a platform gave it, already in Warden's normalised form."""

    source: str
    external_id: str
    text: str
    published_at: datetime
    url: str | None = None
    title: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    author_followers: int | None = None
    lang: str | None = None
    likes: int = 0
    reposts: int = 0
    replies: int = 0
    raw: dict[str, Any] | None = None
    reply_to: str | None = None
    """The external id of the post this one answers (Mastodon: the parent's status id),
    where the platform says; what response times are measured from."""
    entities: list[str] = field(default_factory=list)
    backfill: bool = False
    """Part of what the source had before Warden first saw it, though not read by its first
    poll (a JSONL file's backlog longer than one poll reads): stored as backfill, like every
    mention of a first poll (see warden.sources.poller)."""


@dataclass
class PollState:
    """What a source remembers between polls (persisted in the source_state table)."""

    cursor: dict[str, Any] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class PollResult:
    """The drafts of one poll, the state to remember, and items skipped as unusable.

    `error` is set when the poll failed part-way (a later page timed out): the drafts fetched
    before the failure are still stored, `state` resumes where it stopped, and the failure counts
    against the source's health like any other.
    """

    drafts: list[MentionDraft]
    state: PollState
    skipped: int = 0
    not_modified: bool = False
    error: str | None = None


class Source(Protocol):
    """A platform adapter. `poll` may raise SourceError; it must not write to the database."""

    name: str

    def poll(self, state: PollState, http: HttpFetcher, clock: Clock) -> PollResult: ...
