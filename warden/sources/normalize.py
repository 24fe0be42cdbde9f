"""Platform text in one clean form (HTML stripped, whitespace folded) and de-duplication keys."""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TAG = re.compile(r"<[^>]+>")
_BLOCK_TAG = re.compile(r"</?(p|br|div|li|ul|ol|h[1-6]|blockquote|tr|td)\b[^>]*>", re.I)
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.I | re.S)
_SPACE = re.compile(r"\s+")
_URL_IN_TEXT = re.compile(r"https?://\S+")
_TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref_src", "igshid")
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


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


def fold(text: str) -> str:
    """Case- and accent-insensitive form of `text` (for matching and keys)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.replace("’", "'").replace("ʼ", "'")


def text_key(text: str) -> str:
    """Key under which identical posts (reposts, copy-paste storms) share one sentiment score."""
    core = _SPACE.sub(" ", _URL_IN_TEXT.sub("", fold(text))).strip()
    return hashlib.sha256(core.encode("utf-8")).hexdigest()


def normalise_url(url: str | None) -> str | None:
    """Canonical URL for de-duplication: lower-case host, no fragment, no tracking parameters."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return url
    host = parts.netloc.lower().removeprefix("www.")
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PARAMS)
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(("https", host, path, urlencode(sorted(query)), ""))


def url_key(url: str | None) -> str | None:
    canonical = normalise_url(url)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest() if canonical else None
