"""Text normalisation for matching: case- and accent-insensitive words, French elisions split.

``"L’Oréal"`` becomes the words ``["l", "oreal"]``: case folded, accents stripped,
typographic apostrophes treated like ``'``, and an elided article or pronoun (``l'``,
``d'``, ``qu'``...) split from the word it is attached to, so that a phrase written
``Oréal`` or ``L'Oréal`` matches every spelling a post may use.
"""

from __future__ import annotations

import re
import unicodedata

# Words French elides before a vowel or mute h; the apostrophe that follows separates words.
ELISIONS = frozenset(
    {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"}
)
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})
_WORD = re.compile(r"[#@]?[^\W_]+(?:'[^\W_]+)*", re.UNICODE)


def fold(text: str) -> str:
    """Lower-case ``text`` and strip its accents (``Éclair`` -> ``eclair``)."""
    if text.isascii():
        # Nothing to decompose or strip, and ASCII case folding is lower-casing.
        return text.translate(_APOSTROPHES).lower()
    # Fold case again after compatibility decomposition: "ᴬ" decomposes to "A".
    decomposed = unicodedata.normalize(
        "NFKD", unicodedata.normalize("NFKD", text.translate(_APOSTROPHES)).casefold()
    )
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


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
