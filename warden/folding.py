"""One text normalisation for every matcher: what a reader sees as the same text is one string.

`canonical` keeps case and accents but removes what a reader cannot see or tell apart:
compatibility forms (NFKC: ``ﬁ`` → ``fi``, full-width ``Ａ`` → ``A``, ``ᴬ`` → ``A``),
typographic punctuation (``’ ‘ ʼ ′`` → ``'``, ``“ ” „`` → ``"``, hyphens and dashes → ``-``,
every kind of space → `` ``) and invisible or formatting characters (zero-width spaces and
joiners, bidi controls, the soft hyphen, variation selectors). `fold` adds case folding,
accent stripping, the ``œ``/``æ`` ligatures written out and letters with a stroke made plain
(``ø`` → ``o``), for case- and accent-insensitive
matching. The entity matcher (warden.entities), the keyword detector (warden.detect.text) and
the de-duplication keys (warden.sources.normalize) all fold through here, so a name they
accept in one spelling they accept in all of them.
"""

from __future__ import annotations

import unicodedata

_APOSTROPHES = "’‘‛ʼʹʻʽ′`´ꞌ＇"
_QUOTES = "“”„‟″«»〝〞＂"
_DASHES = "‐‑‒–—―⁃−﹘﹣－"
_SPACES = "\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
_INVISIBLE_EXTRA = "\u034f\u115f\u1160\u3164\uffa0"
"""Invisible characters that are not in the Cf (format) category: the combining grapheme joiner
and the Hangul fillers."""


def _table() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    table.update({ord(c): "'" for c in _APOSTROPHES})
    table.update({ord(c): '"' for c in _QUOTES})
    table.update({ord(c): "-" for c in _DASHES})
    table.update({ord(c): " " for c in _SPACES})
    table.update({ord(c): None for c in _INVISIBLE_EXTRA})
    for code in range(0xFE00, 0xFE10):  # variation selectors
        table[code] = None
    return table


class _Canonical(dict[int, str | None]):
    """A str.translate table, filled in as characters are seen: typographic forms mapped,
    format characters (Unicode category Cf: ZWSP, ZWJ, LRM, soft hyphen, BOM...) removed."""

    def __missing__(self, code: int) -> str | None:
        value = None if unicodedata.category(chr(code)) == "Cf" else chr(code)
        self[code] = value
        return value


_CANONICAL = _Canonical(_table())
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ĳ": "ij", "ø": "o", "ł": "l", "đ": "d"})


class _WithoutMarks(dict[int, int | None]):
    """A str.translate table that drops combining marks, filled in as characters are seen."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_MARKS = _WithoutMarks()


def canonical(text: str) -> str:
    """`text` as a reader sees it: NFKC, typographic punctuation and spaces made plain,
    invisible characters removed; case and accents kept (composed, NFC)."""
    if text.isascii():
        return text.replace("`", "'")
    # Map first (NFKC would turn U+2011 into U+2010 and U+00A0 into a space anyway), then
    # NFKC, then map again for what NFKC produced (a full-width apostrophe becomes "'" there).
    once = unicodedata.normalize("NFKC", text.translate(_CANONICAL))
    return once.translate(_CANONICAL)


def fold(text: str) -> str:
    """Case- and accent-insensitive form of `text`, after `canonical` (``L’Œuvre`` → ``l'oeuvre``).

    Characters map one to one except ligatures and a few letters case folding expands
    (``ß`` → ``ss``), so offsets in the result do not point into `text`.
    """
    if text.isascii():
        return text.replace("`", "'").lower()
    plain = canonical(text).casefold().translate(_LIGATURES)
    # Decompose, drop the combining marks (accents), fold case again: "ᴬ" decomposes to "A".
    decomposed = unicodedata.normalize("NFKD", plain).translate(_WITHOUT_MARKS)
    return decomposed.casefold() if not decomposed.isascii() else decomposed.lower()
