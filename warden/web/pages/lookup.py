"""The /lookup page's adapter to the look-up API (`warden.lookup`): results grouped by source.

The look-up asks the configured sources about a name that is not (yet) watched, scores what
comes back and returns it; this module only reshapes that for the template, with outside
text neutralised and links kept only for http(s) addresses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from warden.errors import WardenError
from warden.log import get_logger
from warden.lookup.results import FoundItem, LookupQuery, SourceGroup
from warden.lookup.run import run_lookup as lookup
from warden.notify.escape import neutralise, web_url

if TYPE_CHECKING:
    from warden.web.pages import PageContext

log = get_logger(__name__)


@dataclass(frozen=True)
class LookupItem:
    author: str
    text: str
    url: str | None
    published_at: datetime | None
    label: str | None


@dataclass
class LookupGroup:
    """One source's results; `shares` are (label, share 0..1) of the scored ones."""

    source: str
    items: list[LookupItem] = field(default_factory=list)
    shares: list[tuple[str, float]] = field(default_factory=list)
    error: str | None = None


@dataclass
class LookupView:
    groups: list[LookupGroup] = field(default_factory=list)
    unavailable: bool = False
    error: str | None = None


def item(
    author: str | None, text: str, url: str | None, at: datetime | None, label: str | None
) -> LookupItem:
    """A result with its outside text neutralised and its link kept only when http(s)."""
    return LookupItem(neutralise(author or ""), neutralise(text), web_url(url), at, label)


def shares_of(items: list[LookupItem]) -> list[tuple[str, float]]:
    """(label, share 0..1) of negative, neutral and positive among the scored items."""
    labels = [i.label for i in items if i.label]
    if not labels:
        return []
    return [(s, labels.count(s) / len(labels)) for s in ("negative", "neutral", "positive")]


def _text(found: FoundItem) -> str:
    """The title above the text, unless the text already holds it."""
    if found.title and found.title not in found.text:
        return f"{found.title}\n{found.text}"
    return found.text


def _group(found: SourceGroup) -> LookupGroup:
    items = [item(i.author, _text(i), i.url, i.published_at, i.sentiment) for i in found.items]
    error = neutralise(found.error) if found.error else None
    return LookupGroup(neutralise(found.source), items, shares_of(items), error)


def run_lookup(ctx: PageContext, name: str) -> LookupView:
    """Look `name` up in the configured sources and the store; never raises (a failure is
    the view's `error`, a failing source its group's)."""
    try:
        query = LookupQuery(name)
        scorer = ctx.scorer() if ctx.scorer is not None else None
        result = lookup(ctx.config(), ctx.db, query, scorer, ctx.clock)
    except (WardenError, ValueError) as exc:
        return LookupView(error=neutralise(str(exc)))
    except Exception as exc:  # the page still answers; the log has the details
        log.error("web.lookup_failed", error=f"{type(exc).__name__}: {exc}", exc_info=True)
        return LookupView(error=type(exc).__name__)
    return LookupView(groups=[_group(g) for g in result.groups])
