"""Platform text in one clean form (HTML stripped, whitespace folded) and de-duplication keys."""

from __future__ import annotations

import email.utils
import hashlib
import html
import re
import unicodedata
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TAG = re.compile(r"<[^>]+>")
_BLOCK_TAG = re.compile(r"</?(p|br|div|li|ul|ol|h[1-6]|blockquote|tr|td)\b[^>]*>", re.I)
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_SPACE = re.compile(r"\s+")
_URL_IN_TEXT = re.compile(r"https?://\S+")
_TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref_src", "igshid")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
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


def clean_text(value: str | None) -> str:
    """Strip HTML tags and entities, drop control characters, fold whitespace."""
    if not value:
        return ""
    text = _SCRIPT.sub(" ", value)
    text = _BLOCK_TAG.sub(" ", text)
    text = _TAG.sub("", text)
    text = html.unescape(text).translate(_CONTROL)
    text = unicodedata.normalize("NFC", text)
    return _SPACE.sub(" ", text).strip()


class _WithoutMarks(dict[int, int | None]):
    """A str.translate table that drops combining marks, filled in as characters are seen."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_MARKS = _WithoutMarks({ord("’"): ord("'"), ord("ʼ"): ord("'")})


def fold(text: str) -> str:
    """Case- and accent-insensitive form of `text` (for matching and keys)."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", text.casefold()).translate(_WITHOUT_MARKS)


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


def parse_time(value: object, fmt: str = "auto") -> datetime:
    """An aware UTC datetime from ISO 8601, RFC 2822, or epoch seconds / milliseconds.

    `fmt` forces one reading ("iso", "epoch", "epoch_ms"); "auto" recognises each form (numbers
    above 10^11 are taken as milliseconds). Raises ValueError when `value` is not a time.
    """
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if isinstance(value, bool) or value is None:
        raise ValueError(f"not a time: {value!r}")
    number: float | None = None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _NUMBER.match(value.strip()):
        number = float(value.strip())
    if number is not None and fmt != "iso":
        if fmt == "epoch_ms" or (fmt == "auto" and abs(number) > 1e11):
            number /= 1000.0
        try:
            return datetime.fromtimestamp(number, UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch out of range: {value!r}") from None
    if not isinstance(value, str) or fmt in ("epoch", "epoch_ms"):
        raise ValueError(f"not a time: {value!r}")
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            raise ValueError(f"not a time: {value!r}") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


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
