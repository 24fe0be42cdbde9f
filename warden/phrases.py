"""Words and phrases: the one word-splitting and phrase matching of every matcher.

A text is cut into words after `warden.folding` (``fold`` for case- and accent-insensitive
matching, ``canonical`` for names matched as written): a word is a run of letters, digits and
underscores, optionally led by ``#`` or ``@``; everything else (spaces of every kind, hyphens
and dashes of every kind, punctuation) separates words, and an elided French article or pronoun
(``l'``, ``qu'``) is split from the word it is attached to. A phrase matches when its words
occur consecutively; a hyphen or apostrophe inside a written word of the phrase may also be
left out (``Coca-Cola`` matches ``CocaCola``, ``L'Oréal`` matches ``#LOreal``). A plain word
also matches its hashtag or handle (``boycott`` matches ``#boycott``); a phrase written as a
hashtag matches only the hashtag. The entity matcher (warden.entities) and the keyword detector
(warden.detect.keywords) both match through `PhraseMatcher`, so they accept the same texts.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator

from warden.folding import canonical, fold

ELISIONS = frozenset(
    {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu"}
)
"""Words French elides before a vowel or mute h; the apostrophe that follows separates words."""
_WORD = re.compile(r"[#@]?\w+(?:'\w+)*", re.UNICODE)
_MAX_VARIANTS = 64


def split(text: str) -> list[str]:
    """The words of an already folded or canonical `text`, elisions split off."""
    out: list[str] = []
    for token in _WORD.findall(text):
        out.extend(token.split("'") if "'" in token else (token,))
    return out


def words(text: str) -> list[str]:
    """The folded words of `text` (``L’Oréal-Paris`` → ``l``, ``oreal``, ``paris``)."""
    return split(fold(text))


def written_words(text: str) -> list[str]:
    """The words of `text` as written (case and accents kept), after `canonical`."""
    return split(canonical(text))


def variants(phrase: str, tokenize: Callable[[str], list[str]] = words) -> list[tuple[str, ...]]:
    """The word sequences `phrase` matches: its words, and the same with any hyphen or
    apostrophe inside a written word left out (at most 64 sequences)."""
    options: list[list[list[str]]] = []
    for chunk in canonical(phrase).split():
        parts = [tokenize(part) for part in re.split(r"['-]", chunk)]
        options.append(_joins([p for p in parts if p]))
    seqs: list[tuple[str, ...]] = []
    for choice in itertools.product(*options):
        seq = tuple(w for chunk_words in choice for w in chunk_words)
        if seq and seq not in seqs:
            seqs.append(seq)
        if len(seqs) >= _MAX_VARIANTS:
            break
    return seqs


def _joins(parts: list[list[str]]) -> list[list[str]]:
    """The word sequences of one written word cut at its hyphens and apostrophes into `parts`
    (each a list of words): every cut kept, or left out (the words on both sides glued)."""
    if not parts:
        return [[]]
    out: list[list[str]] = []
    for keep in itertools.product((True, False), repeat=min(len(parts) - 1, 6)):
        seq = list(parts[0])
        for kept, part in zip(keep, parts[1:], strict=False):
            if kept:
                seq.extend(part)
            else:
                seq = [*seq[:-1], seq[-1] + part[0].lstrip("#@"), *part[1:]]
        for part in parts[1 + len(keep) :]:
            seq.extend(part)
        out.append(seq)
    return out


class PhraseMatcher:
    """Compiled phrases, found in the words of a text.

    `tokenize` is `words` (case- and accent-insensitive) or `written_words` (as written)."""

    def __init__(
        self, phrases: Iterable[str], tokenize: Callable[[str], list[str]] = words
    ) -> None:
        self.tokenize = tokenize
        self._phrases: list[tuple[str, tuple[str, ...]]] = [
            (p, v) for p in phrases for v in variants(p, tokenize)
        ]

    def __bool__(self) -> bool:
        return bool(self._phrases)

    def occurrences(self, ws: list[str]) -> Iterator[tuple[str, int, int]]:
        """(phrase, first word index, end index) of every occurrence in the words `ws`."""
        bare = [w.lstrip("#@") for w in ws]
        for phrase, seq in self._phrases:
            n = len(seq)
            # A plain word also matches its hashtag or handle; a hashtag only itself.
            target = ws if seq[0][0] in "#@" else bare
            for i in range(len(target) - n + 1):
                if target[i] == seq[0] and tuple(target[i : i + n]) == seq:
                    yield phrase, i, i + n

    def find(self, text: str) -> str | None:
        """The first phrase (as written in the configuration) whose words occur in `text`."""
        return next((p for p, _, _ in self.occurrences(self.tokenize(text))), None)
