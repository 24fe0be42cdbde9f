"""Making outside text (posts, names, URLs, entity names from feeds) inert on each channel.

Two steps, always both: `neutralise` removes what can disguise text on any screen (bidirectional
overrides, zero-width characters, control characters), then the channel's escaper keeps the
text from becoming markup there (Slack mrkdwn, HTML, Markdown). Plain-text channels (SMS,
console, generic JSON webhooks) only need the first step.
"""

from __future__ import annotations

import html as html_module
import re
import unicodedata
from collections.abc import Callable

import markupsafe

# Bidirectional embeddings, overrides and isolates, and the implicit direction marks: shown as a
# visible code so a reader sees that the text tried to reorder itself.
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Invisible characters that split or hide words (zero-width space, joiners, word joiner, BOM,
# soft hyphen, invisible operators): removed.
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TABLE = {ord(c): f"[U+{ord(c):04X}]" for c in _BIDI} | {ord(c): None for c in _INVISIBLE}


_SPACES = re.compile(r"[^\S\u00a0\u202f]+")


def one_line(text: str) -> str:
    """`text` on one line: runs of spaces and line breaks become one space; the no-break
    spaces of French punctuation (before : ; ! ?, inside « ») are kept."""
    return _SPACES.sub(" ", text).strip()


def neutralise(text: str) -> str:
    """`text` with bidi controls shown as `[U+202E]`, invisible characters and controls removed.

    Newlines and tabs are kept; the result is in NFC form.
    """
    return _CONTROL.sub("", unicodedata.normalize("NFC", text).translate(_TABLE))


def slack(text: str) -> str:
    """Escape for Slack mrkdwn: `<!channel>` and `<url|label>` become literal text.

    Slack's documented escapes are exactly these three characters.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def html(text: str) -> str:
    """Escape for HTML (e-mail, Telegram): tags and entities become literal text."""
    return str(markupsafe.escape(text))


# Markdown: characters that start markup wherever they stand (emphasis, code, strike, links,
# spoilers and tables, autolinks and HTML); others only at the start of a line (headings,
# quotes, lists, setext underlines). Hyphens in dates, dots in numbers, parentheses without a
# `[...]` before them format nothing and are left alone.
_MD_ANYWHERE = re.compile(r"([\\`*_\[\]|~])")
_MD_LINE_START = re.compile(r"^([ \t]*)([#>+\-=])", re.MULTILINE)
_MD_ORDERED = re.compile(r"^([ \t]*\d+)([.)])", re.MULTILINE)
_MD_ENTITY = re.compile(r"&(?=#?\w+;)")
_MASS_MENTION = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)


def _markdown_marks(text: str) -> str:
    text = _MD_ANYWHERE.sub(r"\\\1", text)
    text = _MD_ORDERED.sub(r"\1\\\2", text)
    text = _MD_LINE_START.sub(r"\1\\\2", text)
    return _MASS_MENTION.sub("@\u200b\\1", text)


def markdown(text: str) -> str:
    """Escape for CommonMark renderers (Matrix, Mattermost, Rocket.Chat, Teams): what formats is
    backslashed, `<` and entity-like `&` are written as entities (Python-Markdown, which
    apprise uses for Matrix, reads no backslash before `<`), `@everyone` / `@here` cannot ping.
    Dates (`2026-03-02`), numbers and plain punctuation are left as they are."""
    return _markdown_marks(_MD_ENTITY.sub("&amp;", text).replace("<", "&lt;"))


def discord(text: str) -> str:
    """Escape for Discord's Markdown: as `markdown`, but `<` (mentions `<@id>`, `<t:...>`) is
    backslashed, since Discord shows entities as they are typed."""
    return _markdown_marks(text).replace("<", "\\<")


_TAG = re.compile(r"<[^<>]*>")
_MD_ESCAPED = re.compile(r"\\([\\`*_\[\]|~#>+\-=.)<])")


def as_plain(text: str, markup: str) -> str:
    """`text` written for `markup` back as plain text: escapes undone, HTML tags dropped (so
    it can be escaped again for another channel, e.g. a fallback's). Warden's own Markdown or
    mrkdwn emphasis marks stay as characters."""
    if markup == "html":
        return html_module.unescape(_TAG.sub("", text))
    if markup == "slack":
        return html_module.unescape(text)
    if markup in ("markdown", "discord"):
        text = _MD_ESCAPED.sub(r"\1", text.replace("@\u200b", "@"))
        return html_module.unescape(text) if markup == "markdown" else text
    return text


def plain(text: str) -> str:
    """Plain-text channels: nothing to escape."""
    return text


ESCAPERS: dict[str, Callable[[str], str]] = {
    "slack": slack,
    "html": html,
    "markdown": markdown,
    "discord": discord,
    "text": plain,
}
"""The escaper of each markup a channel speaks."""

# GSM 03.38 basic character set (what fits 160 characters in one SMS segment).
GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ ÆæßÉ!\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("^{}\\[~]|€")  # two characters each
_GSM_FOLD = {
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "«": '"',
    "»": '"',
    "…": "...",
    "–": "-",
    "—": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "·": "-",
    "•": "-",
}


def gsm7_fold(text: str) -> str:
    """`text` in the GSM-7 alphabet where a close letter exists (ê → e, « → "), so an SMS
    keeps 160 characters a segment; characters without one are kept (the SMS becomes UCS-2)."""
    out = []
    for char in text:
        if char in GSM7 or char in GSM7_EXTENDED:
            out.append(char)
            continue
        if char in _GSM_FOLD:
            out.append(_GSM_FOLD[char])
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base and all(c in GSM7 for c in base) else char)
    return "".join(out)


def sms_units(text: str) -> tuple[int, int]:
    """(characters counted, characters per single segment) of `text` as an SMS: GSM-7 counts
    extended characters twice and allows 160; anything else is UCS-2 with 70."""
    if all(c in GSM7 or c in GSM7_EXTENDED for c in text):
        return sum(2 if c in GSM7_EXTENDED else 1 for c in text), 160
    return len(text), 70


_URL_UNSAFE = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]")


def web_url(url: str | None) -> str | None:
    """`url` if it is an http(s) address, with characters that could end a link or start
    markup percent-encoded; None for anything else (javascript:, data:, relative)."""
    if not url:
        return None
    cleaned = neutralise(url).strip()
    if not re.match(r"^https?://[^\s/]", cleaned, re.IGNORECASE):
        return None
    return _URL_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), cleaned)
