"""Matching mentions to the watched entities (brand, competitors, people) named in config.yaml.

Matching is case- and accent-insensitive, on word boundaries, and understands French elisions:
« l'Oréal », « d’Acme » and « qu'Acme » all mention the entity "Acme" / "Oréal". Names listed
as `exact` (acronyms, common words that are also brands) count only as written, though still
through `warden.folding.canonical`: a typographic apostrophe, a ligature, a no-break space or
an invisible character never hides a name. Names and texts are folded and cut into words by the
keyword detector's functions (warden.folding, warden.phrases), so both accept exactly the same
texts: any space, hyphen, dash or punctuation separates words (``Banque‑Exemple`` mentions
"Banque Exemple"), and a letter, digit or underscore glued to a name makes another word
(``acme_fr`` is not Acme).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from warden.config import EntitySettings
from warden.phrases import PhraseMatcher, words, written_words


def _lower_written(text: str) -> list[str]:
    """Words as written but in lower case: exclusions of exact names ignore case."""
    return [w.lower() for w in written_words(text)]


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
    folded: PhraseMatcher  # names and aliases, on case- and accent-folded words
    exact: PhraseMatcher  # exact names, on the words as written (canonical form)
    exclude_folded: PhraseMatcher
    exclude_exact: PhraseMatcher  # exclusions on the words as written, any case

    @classmethod
    def of(cls, entity: Entity) -> _Patterns:
        exact = [n for n in entity.exact if n.strip()]
        names = [n for n in (entity.name, *entity.aliases) if n.strip() and n not in exact]
        excluded = [x for x in entity.exclude if x.strip()]
        return cls(
            name=entity.name,
            folded=PhraseMatcher(names, words),
            exact=PhraseMatcher(exact, written_words),
            exclude_folded=PhraseMatcher(excluded, words),
            exclude_exact=PhraseMatcher(excluded, _lower_written),
        )


class EntityMatcher:
    """Tags a text with every entity whose name or alias occurs in it, unless an exclusion does."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self.entities = list(entities)
        self._patterns = [_Patterns.of(entity) for entity in self.entities]

    def match(self, *texts: str | None) -> list[str]:
        """Names of the entities mentioned in the texts (title, body, ...), in config order."""
        joined = " \n ".join(t for t in texts if t)
        folded = words(joined)
        written = written_words(joined) if any(p.exact for p in self._patterns) else []
        lowered = [w.lower() for w in written]
        found = []
        for p in self._patterns:
            if self._mentions(folded, folded, p.folded, p.exclude_folded) or self._mentions(
                written, lowered, p.exact, p.exclude_exact
            ):
                found.append(p.name)
        return found

    @staticmethod
    def _mentions(
        ws: list[str], lowered: list[str], include: PhraseMatcher, exclude: PhraseMatcher
    ) -> bool:
        """Whether `include` occurs in the words `ws` outside every occurrence of `exclude`
        (looked for in `lowered`, the same words as `exclude` cuts them)."""
        spans = [(s, e) for _, s, e in include.occurrences(ws)]
        if not spans:
            return False
        excluded = [(s, e) for _, s, e in exclude.occurrences(lowered)] if exclude else []
        return any(not any(xs <= s and e <= xe for xs, xe in excluded) for s, e in spans)


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
