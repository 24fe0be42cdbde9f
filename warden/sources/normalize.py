"""Platform fields in one clean form: text (markup stripped from HTML only, whitespace folded),
absolute links, UTC times, counts, languages; and the keys that de-duplicate them."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from html.parser import HTMLParser
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from warden import folding
from warden.sources.dates import parse_time

__all__ = [
    "clean_text",
    "fold",
    "html_to_text",
    "normalise_lang",
    "normalise_url",
    "parse_time",
    "plain_text",
    "resolve_url",
    "text_key",
    "to_count",
    "url_key",
]

_SPACE = re.compile(r"\s+")
_URL_IN_TEXT = re.compile(r"https?://\S+")
_TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref_src", "igshid")
_HOST_ALIASES = {
    "twitter.com": "x.com",
    "mobile.twitter.com": "x.com",
    "mobile.x.com": "x.com",
    "old.reddit.com": "reddit.com",
    "new.reddit.com": "reddit.com",
    "np.reddit.com": "reddit.com",
    "m.reddit.com": "reddit.com",
}
"""Hosts serving the same pages under another name, mapped to one for de-duplication."""
_TRAILING_SLASHES = re.compile(r"[\s/]+$")
_X_STATUS = re.compile(r"^/(?:[^/]+/){1,2}status(?:es)?/(\d+)")
_CONTROL = dict.fromkeys(c for c in (*range(32), *range(127, 160)) if c not in (9, 10, 13))


_BLOCK_TAGS = frozenset(
    [
        "p",
        "br",
        "div",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "tr",
        "td",
        "th",
        "hr",
        "section",
        "article",
        "pre",
    ]
)
_SKIPPED_TAGS = frozenset({"script", "style", "template"})

TextFormat = Literal["html", "plain", "escaped"]
"""How a source writes a text field: HTML (`<p>a &lt; b</p>`), plain text (`a < b`, nothing
escaped) or plain text with HTML entities escaped (`a &lt; b`, as X's API sends)."""


class _TextOfHtml(HTMLParser):
    """The text an HTML fragment shows: tags dropped, entities decoded, script/style skipped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _tidy(text: str) -> str:
    text = unicodedata.normalize("NFC", text.translate(_CONTROL))
    return _SPACE.sub(" ", text).strip()


def html_to_text(value: str | None) -> str:
    """The text an HTML fragment shows: tags and comments dropped, entities decoded, control
    characters dropped, whitespace folded. Only markup is removed: ``a < 2 %`` and an escaped
    ``&lt;b&gt;`` stay text (an HTML parser, not a pattern, decides what is a tag)."""
    if not value:
        return ""
    parser = _TextOfHtml()
    try:
        parser.feed(value)
        parser.close()
    except AssertionError:  # pragma: no cover - malformed declarations in old Pythons
        return _tidy(html.unescape(value))
    return _tidy("".join(parser.parts))


def plain_text(value: str | None) -> str:
    """Plain text tidied: control characters dropped, whitespace folded, NFC. Nothing else:
    ``<``, ``&amp;`` and anything that looks like markup are the author's words."""
    return _tidy(value) if value else ""


def clean_text(value: str | None, fmt: TextFormat = "html") -> str:
    """A platform's text field as the text a reader sees, read as `fmt` (see TextFormat)."""
    if fmt == "plain":
        return plain_text(value)
    if fmt == "escaped":
        return plain_text(html.unescape(value)) if value else ""
    return html_to_text(value)


def resolve_url(url: str | None, base: str | None) -> str | None:
    """`url` made absolute against `base` (a page or feed URL); None when the result is not an
    http(s) URL with a host, i.e. not a link a reader can follow."""
    if not url or not url.strip():
        return None
    url = url.strip()
    try:
        absolute = urljoin(base, url) if base else url
        parts = urlsplit(absolute)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return absolute


def fold(text: str) -> str:
    """Case- and accent-insensitive form of `text` (for matching and keys): see warden.folding."""
    return folding.fold(text)


def text_key(text: str) -> str:
    """Key under which identical posts (reposts, copy-paste storms) share one sentiment score."""
    core = _SPACE.sub(" ", _URL_IN_TEXT.sub("", fold(text))).strip()
    return hashlib.sha256(core.encode("utf-8")).hexdigest()


def normalise_url(url: str | None) -> str | None:
    """Canonical URL for de-duplication: lower-case host, no fragment, no tracking parameters."""
    if not url:
        return None
    url = url.strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return url
    host = parts.netloc.lower().removeprefix("www.")
    host = _HOST_ALIASES.get(host, host)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PARAMS)
    ]
    path = _TRAILING_SLASHES.sub("", parts.path.strip()) or "/"
    if host == "x.com" and (status := _X_STATUS.match(path)):
        return f"https://x.com/i/status/{status.group(1)}"  # any handle, same post
    return urlunsplit(("https", host, path, urlencode(sorted(query)), ""))


def url_key(url: str | None) -> str | None:
    canonical = normalise_url(url)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest() if canonical else None


def to_count(value: object) -> int:
    """A non-negative engagement count from whatever the platform sent (missing or junk → 0)."""
    if isinstance(value, bool) or value is None:
        return 0
    if isinstance(value, int):
        number = value
    elif isinstance(value, str | float):
        try:
            number = int(float(value))
        except (ValueError, OverflowError):
            return 0
    else:
        return 0
    return max(0, min(number, 2**62))


def normalise_lang(value: object) -> str | None:
    """'fr', 'en', 'pt'... from a tag such as 'en-US', 'FR' or 'fr_FR'; None if unusable."""
    if not isinstance(value, str):
        return None
    code = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return code if code.isascii() and code.isalpha() and 2 <= len(code) <= 3 else None
