"""Matching mentions to the watched entities (brand, competitors, people) named in config.yaml.

Matching is case- and accent-insensitive, on word boundaries, and understands French elisions:
« l'Oréal », « d’Acme » and « qu'Acme » all mention the entity "Acme" / "Oréal".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from warden.config import EntitySettings
from warden.sources.normalize import fold

# A match must not be glued to a letter or digit on either side; an elided article such as
# "l'" or "qu'" before the name is allowed because the apostrophe is not a word character.
_LEFT = r"(?<![\w])"
_RIGHT = r"(?![\w])"


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


@dataclass(frozen=True)
class Entity:
    name: str
    aliases: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


class EntityMatcher:
    """Tags a text with every entity whose name or alias occurs in it, unless an exclusion does."""

    def __init__(self, entities: Iterable[Entity]) -> None:
        self.entities = list(entities)
        self._compiled: list[tuple[str, re.Pattern[str], re.Pattern[str] | None]] = []
        for entity in self.entities:
            names = [entity.name, *entity.aliases]
            names = [n for n in names if n.strip()]
            include = re.compile(
                _LEFT + "(?:" + "|".join(_phrase_pattern(n) for n in names) + ")" + _RIGHT
            )
            exclude = (
                re.compile(
                    _LEFT
                    + "(?:"
                    + "|".join(_phrase_pattern(x) for x in entity.exclude if x.strip())
                    + ")"
                    + _RIGHT
                )
                if any(x.strip() for x in entity.exclude)
                else None
            )
            self._compiled.append((entity.name, include, exclude))

    def match(self, *texts: str | None) -> list[str]:
        """Names of the entities mentioned in the texts (title, body, ...), in config order."""
        folded = fold(" \n ".join(t for t in texts if t))
        found = []
        for name, include, exclude in self._compiled:
            if not include.search(folded):
                continue
            if exclude is not None and self._only_excluded(folded, include, exclude):
                continue
            found.append(name)
        return found

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
        Entity(name=s.name, aliases=tuple(s.aliases), exclude=tuple(s.exclude)) for s in settings
    )
