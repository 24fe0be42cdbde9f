"""Text from outside (posts, names, URLs, error lines) made safe to print on a terminal.

A post can carry ANSI escape sequences (colours, cursor moves, window titles, hyperlinks),
other control characters (carriage returns that overwrite a line, backspaces, bells) and
invisible formatting characters (bidi overrides that reverse what follows). `terminal_safe`
removes them all and folds every line break into a space, so one post is one line of a table.
"""

from __future__ import annotations

import re
import unicodedata

_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, erasing
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC: window title, hyperlinks
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"  # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"  # any other escape
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
)


_SPACES = re.compile(" {2,}")


def terminal_safe(text: str | None, width: int | None = None) -> str:
    """`text` without escape sequences, control or formatting characters, on one line
    (runs of spaces and line breaks made one space; no-break spaces kept), cut to `width`
    characters with "…"."""
    if not text:
        return ""
    text = _ESCAPES.sub("", text)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in ("Zl", "Zp") or char in "\t\n\r\v\f":
            kept.append(" ")
        elif category not in ("Cc", "Cf", "Cs", "Co"):
            kept.append(char)
    # Runs of ordinary spaces made one; no-break spaces are typography (`1 200`, `50 %`).
    line = _SPACES.sub(" ", "".join(kept)).strip(" ")
    if width is not None and len(line) > width:
        return line[: max(0, width - 1)].rstrip() + "…"
    return line
