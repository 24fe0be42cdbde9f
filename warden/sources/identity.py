"""When two items are the same mention: the evidence an id and a link give, and nothing more.

A mention has two identities, both enforced by unique keys in the database (warden.store):
its id within its source (`source`, `external_id`) and its link (`url_key`, the hash of the
normalised URL, shared by every source). Each counts only while the evidence supports it:

- an id names one item only while it points at one link: items of one poll sharing an id but
  with different links (forums give every post of a thread the thread's `<guid>`), or with
  different texts when they have no link, are distinct, and all but the one stored under the
  plain id get it qualified by their link or text (``guid#<16 hex>``); an id already stored with
  another link is another item, qualified the same way. The same id with the same link
  (`#fragment` included), or with another text and no link, in a later poll, is the same item
  edited (warden.store.mentions applies this): the stored link is compared, not the text, and
  an id is qualified by its link, so an edited post keeps its qualified id;
- a link identifies an item only when it is specific: a site's home page, or a link that one
  poll gives to several items with different texts (every review of a product linking to the
  product page, posts of a thread differing only by `#fragment`), identifies nothing, and
  those items are told apart by their ids, and texts, alone.

Items of one poll with the same id, link and text are one item listed twice. Every item set
aside is logged with the reason.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from warden.log import get_logger
from warden.sources.base import MentionDraft
from warden.sources.normalize import normalise_url, text_key

log = get_logger(__name__)

MAX_ID = 512
"""Length of the `external_id` column."""
_SUFFIX = 17  # "#" and 16 hex digits


@dataclass(frozen=True)
class Identity:
    """The keys one draft is stored under: its source, its id there, and its link's key;
    `item_key` tells items under one id apart (their links, `#fragment` included)."""

    source: str
    external_id: str
    url_key: str | None
    text_key: str
    item_key: str | None = None

    def qualified(self, keep_link: bool = True) -> Identity:
        """The same item under an id qualified by its link, `#fragment` included (or, without
        one, its text): stable when the item's text is edited. `keep_link` False drops the
        link key too (another item under this id has the same link but for its fragment)."""
        suffix = "#" + (self.item_key or self.text_key)[:16]
        if self.external_id.endswith(suffix):
            external_id = self.external_id
        else:
            external_id = self.external_id[: MAX_ID - _SUFFIX] + suffix
        url = self.url_key if keep_link else None
        return Identity(self.source, external_id, url, self.text_key, self.item_key)


def link_key(url: str | None) -> str | None:
    """The key of a link that can identify an item: None for no link and for a home page."""
    canonical = normalise_url(url)
    if canonical is None or not canonical.startswith("https://"):
        return None  # not an http(s) link (normalise_url writes those as https)
    try:
        parts = urlsplit(canonical)
    except ValueError:
        return None
    if parts.path in ("", "/") and not parts.query:
        return None
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()  # as url_key(url)


def item_key(url: str | None) -> str | None:
    """The key of a link as one item of a page: its `link_key` with the `#fragment` kept
    (``thread#p1`` and ``thread#p2`` are two posts of one thread). None where `link_key` is."""
    if link_key(url) is None or url is None:
        return None
    try:
        fragment = urlsplit(url.strip()).fragment
    except ValueError:
        fragment = ""
    canonical = normalise_url(url) or ""
    return hashlib.sha256(f"{canonical}#{fragment}".encode()).hexdigest()


def same_content(a_item: str | None, a_text: str, b_item: str | None, b_text: str) -> bool:
    """Whether two items under one id are one item: the same link (`item_key`, fragment
    included) when both have one, else the same text."""
    if a_item and b_item:
        return a_item == b_item
    return a_text == b_text


@dataclass
class Batch:
    """The identities of one poll's drafts, what repeats, and which ids several items share."""

    idents: list[Identity]
    repeats: list[int]
    """Indexes of drafts repeating an earlier one of the poll (same id and content)."""
    shared_ids: set[tuple[str, str]]
    """(source, external_id) pairs the poll gives to items with different contents."""


def identify(drafts: Sequence[MentionDraft]) -> Batch:
    """The identity of each draft of one poll, its repeats and the ids it shares between
    different items (logged once per id)."""
    ids = [
        Identity(
            d.source, d.external_id[:MAX_ID], link_key(d.url), text_key(d.text), item_key(d.url)
        )
        for d in drafts
    ]
    _drop_shared_links(ids)
    by_id: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, ident in enumerate(ids):
        by_id[(ident.source, ident.external_id)].append(index)
    batch = Batch(ids, [], set())
    for (source, external_id), indexes in by_id.items():
        kept: list[Identity] = []
        for i in indexes:
            me = ids[i]
            if any(same_content(k.item_key, k.text_key, me.item_key, me.text_key) for k in kept):
                batch.repeats.append(i)  # logged with the other duplicates by the caller
            else:
                kept.append(me)
        if len(kept) > 1:
            batch.shared_ids.add((source, external_id))
            log.info(
                "source.id_shared",
                source=source,
                item=external_id[:200],
                items=len(kept),
                action="stored apart, told by their links or texts",
            )
    batch.repeats.sort()
    return batch


def _drop_shared_links(ids: list[Identity]) -> None:
    """A link one poll gives to items with different texts identifies none of them (a product
    page for its reviews; a forum thread, whose posts differ only by `#fragment`)."""
    by_link: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, ident in enumerate(ids):
        if ident.url_key is not None:
            by_link[(ident.source, ident.url_key)].append(index)
    for (source, _), indexes in by_link.items():
        if len(indexes) < 2:
            continue
        if len({ids[i].text_key for i in indexes}) < 2:
            continue  # one item (maybe under several ids): the link identifies it
        log.info(
            "source.link_shared",
            source=source,
            items=len(indexes),
            action="the link does not identify these items; their ids do",
        )
        for i in indexes:
            ids[i] = Identity(
                ids[i].source, ids[i].external_id, None, ids[i].text_key, ids[i].item_key
            )
