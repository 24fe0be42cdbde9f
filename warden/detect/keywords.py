"""Keyword and phrase match with exclusions: case/accent-insensitive, on word boundaries.

A phrase matches when its words appear consecutively in a post (``"rappel produit"`` matches
``"RAPPEL de... "`` only if the words are adjacent), by the word-splitting of warden.phrases
that the entity matcher uses too: elided French articles split off on both sides, a hyphen or
apostrophe inside a phrase's word optional (``"l'oréal"`` also matches ``"loreal"``), any
space, dash or punctuation between words. A plain word also matches as a hashtag or handle
(``boycott`` matches ``#boycott``); a phrase written as a hashtag only matches the hashtag.
A post that matches any exclusion phrase never matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from warden.detect.decision import Decision
from warden.detect.reason import Reason
from warden.detect.text import words
from warden.phrases import PhraseMatcher

__all__ = ["KeywordMatcher", "KeywordParams", "PhraseMatcher", "detect_keywords"]

NAME = "keywords"


@dataclass(frozen=True, slots=True)
class KeywordParams:
    """Phrases to look for, phrases that veto a match, and how many matching posts fire."""

    phrases: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    min_matches: int = 1

    def __post_init__(self) -> None:
        if not any(words(p) for p in self.phrases):
            raise ValueError("keyword detection needs at least one phrase with a word in it")
        if self.min_matches < 1:
            raise ValueError("min_matches must be at least 1")


@dataclass(frozen=True, slots=True)
class KeywordMatcher:
    """Phrases and exclusions compiled once, applied to many posts."""

    include: PhraseMatcher
    exclude: PhraseMatcher

    @staticmethod
    def compile(params: KeywordParams) -> KeywordMatcher:
        """Compile ``params`` for repeated use."""
        return KeywordMatcher(PhraseMatcher(params.phrases), PhraseMatcher(params.exclude))

    def match(self, text: str) -> str | None:
        """The phrase ``text`` matches, or None if it matches none or matches an exclusion."""
        found = self.include.find(text)
        if found is None or self.exclude.find(text) is not None:
            return None
        return found


def detect_keywords(texts: Sequence[str], params: KeywordParams) -> Decision:
    """Fire when at least ``min_matches`` of ``texts`` (the current bucket's posts) match."""
    matcher = KeywordMatcher.compile(params)
    found = [m for m in (matcher.match(t) for t in texts) if m is not None]
    fired = len(found) >= params.min_matches
    if found:
        distinct = sorted(set(found))
        shown = ", ".join(f"“{p}”" for p in distinct[:3])
        reason = f"{len(found)} post(s) mention {shown}"
        why = Reason("keywords", {"posts": len(found), "phrases": distinct[:3]})
    else:
        reason = "no post matches the watched phrases"
        why = Reason("no_keywords")
    return Decision(
        fired=fired,
        reason=reason,
        detector=NAME,
        value=float(len(found)),
        threshold=float(params.min_matches),
        why=why,
    )
