"""Who may read the status page: `web.auth` (a bearer token or basic auth), checked per request.

Token mode accepts `Authorization: Bearer <token>`, the `warden_session` cookie, or
`?token=<token>` once: that visit sets the cookie (HttpOnly, SameSite=Lax, Secure behind
HTTPS or when `web.public_url` is https) and is redirected to the same address without the
token, so it does not stay in the address bar, history or proxy logs. The cookie holds an
HMAC of the token, not the token.
SameSite=Lax, not Strict: a link followed from a chat app or a webmail (a top-level GET from
another site) must carry the cookie, and no page of the status page changes anything on a
GET (the look-up only reads), so Lax gives nothing away that Strict would have kept.
Basic mode checks the user name and password. Every comparison is constant-time
(`hmac.compare_digest`). A refusal is 401 with `WWW-Authenticate`; the token is never logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Request, redirect
from werkzeug.wrappers import Response

from warden.web.settings import WebAuth

COOKIE = "warden_session"


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def session_value(token: str) -> str:
    """What the cookie holds for `token`: an HMAC, useless as a bearer token elsewhere."""
    return hmac.new(token.encode("utf-8"), b"warden status page", hashlib.sha256).hexdigest()


def _basic(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


@dataclass(frozen=True)
class Credentials:
    """What a request presented: its `Authorization` header, session cookie and `?token=`.
    Kept after the request was answered, a long-lived response (the live stream) re-checks
    them against the `web.auth` in force, so a token revoked by a reload stops the stream it
    opened."""

    authorization: str
    cookie: str | None
    token: str | None

    @classmethod
    def of(cls, request: Request) -> Credentials:
        return cls(
            request.headers.get("Authorization", ""),
            request.cookies.get(COOKIE),
            request.args.get("token"),
        )


def authorised(auth: WebAuth | None, given: Credentials) -> bool:
    """Whether `given` credentials may read the page (always, without `web.auth`)."""
    if auth is None:
        return True
    header = given.authorization
    if auth.basic is not None:
        pair = _basic(header)
        if pair is None:
            return False
        # Both compared, always: the time taken does not tell which one was wrong.
        user_ok = _same(pair[0], auth.basic.username)
        password_ok = _same(pair[1], auth.basic.password)
        return user_ok and password_ok
    assert auth.token is not None
    scheme, _, bearer = header.partition(" ")
    if scheme.lower() == "bearer" and _same(bearer.strip(), auth.token):
        return True
    if given.cookie is not None and _same(given.cookie, session_value(auth.token)):
        return True
    return given.token is not None and _same(given.token, auth.token)


def challenge(auth: WebAuth) -> str:
    """The WWW-Authenticate header of a 401."""
    if auth.basic is not None:
        return 'Basic realm="Warden", charset="UTF-8"'
    return 'Bearer realm="Warden"'


def secure_request(request: Request, public_url: str | None = None) -> bool:
    """Whether cookies set for `request` must be `Secure`: it came over https (directly or
    through a proxy's `X-Forwarded-Proto`), or the page's public address is https."""
    forwarded = request.headers.get("X-Forwarded-Proto", "").strip().lower() == "https"
    public = (public_url or "").lower().startswith("https://")
    return request.is_secure or forwarded or public


def token_redirect(
    auth: WebAuth, request: Request, public_url: str | None = None
) -> Response | None:
    """For a visit authorised by `?token=`: a redirect to the address without it that sets the
    session cookie (HttpOnly, SameSite=Lax, Secure per `secure_request`). None otherwise."""
    if auth.token is None or "token" not in request.args:
        return None
    rest = [(k, v) for k, v in request.args.items(multi=True) if k != "token"]
    target = request.path + (f"?{urlencode(rest)}" if rest else "")
    response = redirect(target, code=303)
    response.set_cookie(
        COOKIE,
        session_value(auth.token),
        httponly=True,
        samesite="Lax",
        secure=secure_request(request, public_url),
        path="/",
    )
    return response
