"""Keyword and phrase match with exclusions: case/accent-insensitive, on word boundaries.

A phrase matches when its words appear consecutively in a post (``"rappel produit"`` matches
``"RAPPEL de... "`` only if the words are adjacent). Elided French articles are split off on
both sides, and a phrase starting with one (``"l'oréal"``) also matches the spelling without
the apostrophe (``"loreal"``). A plain word also matches as a hashtag or handle
(``boycott`` matches ``#boycott``); a phrase written as a hashtag only matches the hashtag.
A post that matches any exclusion phrase never matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from warden.detect.decision import Decision
from warden.detect.text import is_elision, words

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


def _variants(phrase: str) -> list[tuple[str, ...]]:
    ws = words(phrase)
    if not ws:
        return []
    out = [tuple(ws)]
    if len(ws) > 1 and is_elision(ws[0]):
        out.append((ws[0] + ws[1], *ws[2:]))
    return out


class PhraseMatcher:
    """Compiled phrases: ``find(text)`` returns the first phrase found, or None."""

    def __init__(self, phrases: Iterable[str]) -> None:
        self._phrases: list[tuple[str, tuple[str, ...]]] = [
            (p, v) for p in phrases for v in _variants(p)
        ]

    def find(self, text: str) -> str | None:
        """The first phrase (as written in the configuration) whose words occur in ``text``."""
        ws = words(text)
        bare = tuple(w.lstrip("#@") for w in ws)
        for phrase, seq in self._phrases:
            n = len(seq)
            # A plain word also matches its hashtag or handle; a hashtag only itself.
            target = tuple(ws) if seq[0][0] in "#@" else bare
            for i in range(len(target) - n + 1):
                if target[i] == seq[0] and target[i : i + n] == seq:
                    return phrase
        return None


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
    else:
        reason = "no post matches the watched phrases"
    return Decision(
        fired=fired,
        reason=reason,
        detector=NAME,
        value=float(len(found)),
        threshold=float(params.min_matches),
    )
