"""Influential author: a mention by an account whose followers or reach exceed a threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from warden.detect.decision import Decision
from warden.detect.reason import Reason

NAME = "influential_author"


@dataclass(frozen=True, slots=True)
class AuthorMention:
    """Who wrote a mention and how far it can travel (reach: impressions or audience)."""

    author: str
    followers: int | None = None
    reach: int | None = None


@dataclass(frozen=True, slots=True)
class AuthorParams:
    """Fire on an author with at least ``min_followers`` followers or ``min_reach`` reach."""

    min_followers: int | None = 100_000
    min_reach: int | None = None

    def __post_init__(self) -> None:
        if self.min_followers is None and self.min_reach is None:
            raise ValueError("set min_followers, min_reach or both")


def detect_influential_author(
    mentions: Sequence[AuthorMention], params: AuthorParams | None = None
) -> Decision:
    """Fire if any mention of the current bucket comes from an influential author."""
    p = params or AuthorParams()
    best: tuple[float, AuthorMention, str] | None = None
    for m in mentions:
        for size, limit, unit in (
            (m.followers, p.min_followers, "followers"),
            (m.reach, p.min_reach, "reach"),
        ):
            if size is not None and limit is not None and size >= limit:
                ratio = size / max(limit, 1)
                if best is None or ratio > best[0]:
                    best = (ratio, m, unit)
    if best is None:
        return Decision(
            fired=False,
            reason="no influential author",
            detector=NAME,
            why=Reason("no_influential_author"),
        )
    _, m, unit = best
    size = m.followers if unit == "followers" else m.reach
    limit = p.min_followers if unit == "followers" else p.min_reach
    return Decision(
        fired=True,
        reason=f"{m.author} ({size:,} {unit}) mentioned the entity",
        detector=NAME,
        value=float(size or 0),
        threshold=float(limit or 0),
        why=Reason(f"influential_{unit}", {"author": m.author, "size": size or 0}),
    )
