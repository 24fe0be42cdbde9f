"""Compact series notation of rule tests, as in promtool: `5+0x12 40 80` → 13 fives, 40, 80.

Terms are separated by spaces: a number; `a+bxn` (a, a+b, ..., a+n·b: n+1 values); `a-bxn`;
`axn` (a repeated n+1 times); `_` (no data, counted as 0) and `_xn` (n+1 of them).
"""

from __future__ import annotations

import re

_TERM = re.compile(
    r"^(?P<start>-?\d+(?:\.\d+)?|_)(?:(?P<sign>[+-])(?P<delta>\d+(?:\.\d+)?))?(?:x(?P<times>\d+))?$"
)


def expand_series(text: str) -> list[float]:
    """The values `text` stands for; ValueError naming the term that cannot be read."""
    out: list[float] = []
    for term in str(text).split():
        m = _TERM.match(term)
        if m is None:
            raise ValueError(
                f"cannot read {term!r}: expected a number, a+bxn, a-bxn, axn, _ or _xn"
            )
        times = int(m.group("times")) if m.group("times") is not None else 0
        if m.group("start") == "_":
            if m.group("delta"):
                raise ValueError(f"cannot read {term!r}: `_` takes no increment")
            out.extend([0.0] * (times + 1))
            continue
        start = float(m.group("start"))
        delta = float(m.group("delta") or 0) * (-1 if m.group("sign") == "-" else 1)
        if m.group("delta") is not None and m.group("times") is None:
            raise ValueError(f"cannot read {term!r}: an increment needs a count, like 5+1x10")
        out.extend(start + delta * i for i in range(times + 1))
    if not out:
        raise ValueError("expected at least one value")
    return out
