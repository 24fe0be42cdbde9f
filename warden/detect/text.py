"""Text normalisation for matching: case- and accent-insensitive words, French elisions split.

``"L’Oréal"`` becomes the words ``["l", "oreal"]``: case folded, accents stripped,
typographic apostrophes treated like ``'``, and an elided article or pronoun (``l'``,
``d'``, ``qu'``...) split from the word it is attached to, so that a phrase written
``Oréal`` or ``L'Oréal`` matches every spelling a post may use. The folding and the word-splitting
are the entity matcher's (warden.folding, warden.phrases), so both accept the same texts.
"""

from __future__ import annotations

from warden import folding
from warden.phrases import ELISIONS
from warden.phrases import words as _words

__all__ = ["ELISIONS", "fold", "is_elision", "words"]


def fold(text: str) -> str:
    """Lower-case ``text``, strip its accents and make its typography plain
    (``L’Éclair`` -> ``l'eclair``): the one folding of warden.folding."""
    return folding.fold(text)


def words(text: str) -> list[str]:
    """The folded words of ``text``, elisions split off (``l'oreal`` -> ``l``, ``oreal``);
    the one word-splitting of warden.phrases.

    Hashtags and mentions keep their sign (``#boycott``) so that they can be told apart.
    """
    return _words(text)


def is_elision(word: str) -> bool:
    """True for the short words French elides (``l``, ``d``, ``qu``...)."""
    return word in ELISIONS
