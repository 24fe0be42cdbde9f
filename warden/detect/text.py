"""Text normalisation for matching: case- and accent-insensitive words, French elisions split.

``"L’Oréal"`` becomes the words ``["l", "oreal"]``: case folded, accents stripped,
typographic apostrophes treated like ``'``, and an elided article or pronoun (``l'``,
``d'``, ``qu'``...) split from the word it is attached to, so that a phrase written
``Oréal`` or ``L'Oréal`` matches every spelling a post may use. The folding is the one the
entity matcher uses (warden.folding), so both accept the same spellings.
"""

from __future__ import annotations

import re

from warden import folding

# Words French elides before a vowel or mute h; the apostrophe that follows separates words.
ELISIONS = frozenset(
    {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"}
)
_WORD = re.compile(r"[#@]?\w+(?:'\w+)*", re.UNICODE)
"""A word: letters, digits and underscores, as for the entity matcher (``acme_fr`` is one word)."""


def fold(text: str) -> str:
    """Lower-case ``text``, strip its accents and make its typography plain
    (``L’Éclair`` -> ``l'eclair``): the one folding of warden.folding."""
    return folding.fold(text)


def words(text: str) -> list[str]:
    """The folded words of ``text``, elisions split off (``l'oreal`` -> ``l``, ``oreal``).

    Hashtags and mentions keep their sign (``#boycott``) so that they can be told apart.
    """
    out: list[str] = []
    for token in _WORD.findall(fold(text)):
        if "'" in token:
            out.extend(token.split("'"))
        else:
            out.append(token)
    return out


def is_elision(word: str) -> bool:
    """True for the short words French elides (``l``, ``d``, ``qu``...)."""
    return word in ELISIONS
