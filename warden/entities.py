"""Matching mentions to the watched entities (brand, competitors, people) named in config.yaml.

Matching is case- and accent-insensitive, on word boundaries, and understands French elisions:
« l'Oréal », « d’Acme » and « qu'Acme » all mention the entity "Acme" / "Oréal". Names listed
as `exact` (acronyms, common words that are also brands) count only as written, though still
through `warden.folding.canonical`: a typographic apostrophe, a ligature, a no-break space or
an invisible character never hides a name. Names and texts are folded by the same function as
the keyword detector's (warden.folding), and words end where the keyword detector's do: a
letter, digit or underscore glued to a name makes another word (``acme_fr`` is not Acme).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from warden.config import EntitySettings
from warden.folding import canonical
from warden.sources.normalize import fold

# A match must not be glued to a letter or digit on either side; an elided article such as
# "l'" or "qu'" before the name is allowed because the apostrophe is not a letter.
_LEFT = r"(?<!\w)"
_RIGHT = r"(?!\w)"


def _word_pattern(word: str) -> str:
    """An apostrophe or hyphen inside a name may be written as such, as a space, or left out:
    "L'Oréal" also matches "L Oreal" and "#LOreal", "Coca-Cola" also "Coca Cola"."""
    parts = re.split(r"(['-])", word)
    return "".join(
        r"['\s]?" if p == "'" else r"[-\s]?" if p == "-" else re.escape(p) for p in parts if p
    )


def _phrase_pattern(phrase: str) -> str:
    words = fold(phrase).split()
    return r"\s+".join(_word_pattern(w) for w in words)


def _alternatives(patterns: list[str], flags: int = 0) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile(_LEFT + "(?:" + "|".join(patterns) + ")" + _RIGHT, flags)


@dataclass(frozen=True)
class Entity:
    name: str
    aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    exact: tuple[str, ...] = ()
    """Names matched only with their exact case and accents; a name listed here is matched
    this way only, even the entity's own name."""


@dataclass(frozen=True)
class _Patterns:
    name: str
    folded: re.Pattern[str] | None  # names and aliases, on case- and accent-folded text
    exact: re.Pattern[str] | None  # exact names, on the text as written (canonical form)
    exclude_folded: re.Pattern[str] | None
    exclude_exact: re.Pattern[str] | None  # exclusions on the text as written, any case

    @classmethod
    def of(cls, entity: Entity) -> _Patterns:
        exact = [n for n in entity.exact if n.strip()]
        names = [n for n in (entity.name, *entity.aliases) if n.strip() and n not in exact]
        excluded = [x for x in entity.exclude if x.strip()]
        return cls(
            name=entity.name,
            folded=_alternatives([_phrase_pattern(n) for n in names]),
            exact=_alternatives([_exact_pattern(n) for n in exact]),
            exclude_folded=_alternatives([_phrase_pattern(x) for x in excluded]),
            exclude_exact=_alternatives([_exact_pattern(x) for x in excluded], re.IGNORECASE),
        )


def _exact_pattern(phrase: str) -> str:
    words = canonical(phrase).split()
    return r"\s+".join(re.escape(w) for w in words)


class EntityMatcher:
    """Tags a text with every entity whose name or alias occurs in it, unless an exclusion does."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self.entities = list(entities)
        self._patterns = [_Patterns.of(entity) for entity in self.entities]

    def match(self, *texts: str | None) -> list[str]:
        """Names of the entities mentioned in the texts (title, body, ...), in config order."""
        joined = " \n ".join(t for t in texts if t)
        folded = fold(joined)
        written = canonical(joined) if any(p.exact for p in self._patterns) else ""
        found = []
        for p in self._patterns:
            if self._mentions(folded, p.folded, p.exclude_folded) or self._mentions(
                written, p.exact, p.exclude_exact
            ):
                found.append(p.name)
        return found

    @classmethod
    def _mentions(
        cls, text: str, include: re.Pattern[str] | None, exclude: re.Pattern[str] | None
    ) -> bool:
        if include is None or not include.search(text):
            return False
        return exclude is None or not cls._only_excluded(text, include, exclude)

    @staticmethod
    def _only_excluded(text: str, include: re.Pattern[str], exclude: re.Pattern[str]) -> bool:
        """True when every occurrence of the entity lies inside an excluded phrase."""
        excluded_spans = [m.span() for m in exclude.finditer(text)]
        if not excluded_spans:
            return False
        for m in include.finditer(text):
            start, end = m.span()
            if not any(s <= start and end <= e for s, e in excluded_spans):
                return False
        return True


def matcher_from_settings(settings: Sequence[EntitySettings]) -> EntityMatcher:
    """Build a matcher from config.yaml's `entities:` entries."""
    return EntityMatcher(
        Entity(
            name=s.name,
            aliases=tuple(s.aliases),
            exclude=tuple(s.exclude),
            exact=tuple(s.exact),
        )
        for s in settings
    )
