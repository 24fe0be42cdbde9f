"""Finding secrets written literally in config.yaml, where a `${ENV_VAR}` reference belongs.

`warden check` warns about each one with its file, line and key path. What counts as a secret
is decided precisely, so that a warning means something: the password of a URL's
`user:password@` part, a URL query parameter known to carry a credential (`?token=...`,
`?pass=...`), a source option that holds a credential (`token`, `client_secret`, ...) and a
credential HTTP header (`Authorization`, `X-Api-Key`, ...). A host, a port or an e-mail
address in a query (`mailto://127.0.0.1:8025?to=ops@example.com`) is not a secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from warden.yamlfile import Loc, YamlDocument, format_loc

SECRET_OPTIONS = frozenset(
    {"token", "bearer_token", "client_secret", "app_password", "secret", "password"}
)
"""Option names of config.yaml whose value is a credential."""
SECRET_QUERY_PARAMS = frozenset(
    {
        "pass",
        "password",
        "passwd",
        "pwd",
        "token",
        "access_token",
        "auth_token",
        "apikey",
        "api_key",
        "key",
        "secret",
        "client_secret",
    }
)
"""URL query parameters that carry a credential (apprise's `?pass=`, `?token=`, `?key=`, ...)."""
_SECRET_HEADER = re.compile(r"authorization|token|api[-_]?key|secret|cookie", re.IGNORECASE)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def _literal(value: str) -> bool:
    """True when `value` is written out rather than taken from the environment."""
    return bool(value) and "${" not in value


def url_secrets(url: str) -> list[str]:
    """What in `url` is a literal credential: `password` and/or `query parameter NAME`.

    >>> url_secrets("mailto://127.0.0.1:8025?mode=ssl&to=ops@example.com")
    []
    >>> url_secrets("mailtos://bob:hunter2@mail.example.com")
    ['password']
    """
    if not _URL.match(url):
        return []
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return []
    found = []
    if password is not None and _literal(password):
        found.append("password")
    for name, value in parse_qsl(parts.query, keep_blank_values=False):
        if name.lower() in SECRET_QUERY_PARAMS and _literal(value):
            found.append(f"query parameter {name!r}")
    return found


def _walk(data: Any, loc: Loc) -> Iterator[tuple[Loc, Any]]:
    yield loc, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _walk(value, (*loc, str(key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _walk(value, (*loc, i))


def _secrets_at(loc: Loc, value: Any) -> list[str]:
    if not isinstance(value, str):
        return []
    key = loc[-1] if loc else None
    parent = loc[-2] if len(loc) >= 2 else None
    if isinstance(key, str) and key in SECRET_OPTIONS and _literal(value):
        return [f"a secret is written inline ({key})"]
    if parent == "headers" and isinstance(key, str) and _SECRET_HEADER.search(key):
        if _literal(value):
            return [f"a credential is written inline (header {key})"]
        return []
    return [
        "a password is written inline"
        if what == "password"
        else f"a token is written inline (the URL's {what})"
        for what in url_secrets(value)
    ]


def inline_secret_warnings(doc: YamlDocument) -> list[str]:
    """One `file:line: key.path: ...` warning per credential written literally in `doc`."""
    out = []
    for loc, value in _walk(doc.data, ()):
        for problem in _secrets_at(loc, value):
            out.append(
                f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}: {problem}; use a ${{ENV_VAR}} "
                "reference so it stays out of the file"
            )
    return out
