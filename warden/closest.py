"""Hints for a name the config does not know: the closest known name and the list.

Used by every "unknown entity/receiver/source" message so an operator sees the
likely intended name first, e.g. ``did you mean 'Autre Banque'?``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name most like ``name`` (case-insensitive, difflib ratio >= 0.6), else None."""
    names = list(known)
    by_folded = {n.casefold(): n for n in names}
    match = difflib.get_close_matches(name.casefold(), list(by_folded), n=1, cutoff=0.6)
    return by_folded[match[0]] if match else None


def unknown_hint(name: str, known: Iterable[str], kinds: str) -> str:
    """``"; did you mean 'X'? (kinds: A, B)"``, or ``" (kinds: A, B)"`` when nothing is close.

    Meant to follow a clause such as ``"'Acne' is not an entity"``.

    ``known`` should already exclude names that cannot be meant (an entity itself
    when it names a competitor). ``kinds`` names the list, e.g. ``"entities"``.
    """
    names = sorted(set(known))
    listed = ", ".join(names) or "none defined"
    guess = closest(name, names)
    if guess is None:
        return f" ({kinds}: {listed})"
    return f"; did you mean {guess!r}? ({kinds}: {listed})"
