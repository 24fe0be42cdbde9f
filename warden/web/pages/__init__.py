"""The status page: a Flask application served by the daemon's listener for every path that
is not a webhook, /healthz or one of its own pages (see `warden.web.server`).

`create_app` builds it; the views live in `views` (overview, stream, alert, look-up), the
live stream in `live`, the chart images in `charts`, access control in `auth`, reads of the
store in `queries` and `overview`, and the words in `words`. Templates are in
`warden/web/templates` (Jinja2, autoescaped).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, g, render_template, request
from werkzeug.exceptions import HTTPException

from warden.clock import Clock
from warden.config import Config
from warden.log import get_logger
from warden.rules.loader import RuleSet
from warden.store.db import Database
from warden.web.pages import auth
from warden.web.pages.overview import Overview
from warden.web.pages.words import PAGE_PHRASES, PageWords

PUBLIC = frozenset({"/favicon.svg", "/favicon.ico"})
"""Paths served without `web.auth`: the icon, which says nothing about what is watched."""

log = get_logger(__name__)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LANG_COOKIE = "warden_lang"
MAX_STREAMS = 32


@dataclass
class PageContext:
    """What every view reads: the config in force, the store, the clock, the server's stop."""

    config: Callable[[], Config]
    db: Database
    clock: Clock
    stopping: threading.Event
    overview: Overview = field(default_factory=Overview)
    scorer: Callable[[], Any] | None = None
    """The daemon's sentiment scorer (None while it loads), for look-up results."""
    poll_seconds: float = 1.0
    """How often the live stream looks for new mentions."""
    streams: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(MAX_STREAMS)
    )
    """Live streams open at once (each holds a thread): more are answered 503."""
    rules: Callable[[], RuleSet | None] | None = None
    """The rules in force (after reloads), whose annotations the alert page renders."""


def context() -> PageContext:
    """The running app's PageContext (inside a request)."""
    from flask import current_app

    found: PageContext = current_app.extensions["warden"]
    return found


def _language(config: Config) -> str:
    asked = request.args.get("lang") or request.cookies.get(LANG_COOKIE) or ""
    return asked if asked in PAGE_PHRASES else config.web.language


def _security_headers(response: Response) -> Response:
    nonce = getattr(g, "nonce", "")
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
        f"script-src 'nonce-{nonce}'; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def create_app(
    config: Callable[[], Config],
    db: Database,
    clock: Clock,
    stopping: threading.Event,
    scorer: Callable[[], Any] | None = None,
    rules: Callable[[], RuleSet | None] | None = None,
) -> Flask:
    """The status page application; `config()` gives the config in force on each request,
    `scorer()` the sentiment scorer look-ups use (None: results are not scored), `rules()`
    the rules in force (their annotations are shown in the page's language)."""
    app = Flask("warden.web.pages", template_folder=str(TEMPLATES), static_folder=None)
    app.jinja_env.autoescape = True
    app.extensions["warden"] = PageContext(config, db, clock, stopping, scorer=scorer, rules=rules)

    @app.before_request
    def _check() -> Any:
        settings = config()
        g.nonce = secrets.token_urlsafe(16)
        g.lang = _language(settings)
        g.t = PageWords(g.lang, settings.web_timezone)
        g.now = clock.now()
        web_auth = settings.web.auth
        if request.path in PUBLIC:
            return None
        if not auth.authorised(web_auth, auth.Credentials.of(request)):
            assert web_auth is not None
            log.info("web.unauthorised", path=request.path, client=request.remote_addr)
            body = render_template("unauthorized.html", basic=web_auth.basic is not None)
            return Response(
                body,
                401,
                {"WWW-Authenticate": auth.challenge(web_auth)},
                mimetype="text/html",
            )
        if web_auth is not None:
            return auth.token_redirect(web_auth, request, settings.web.public_url)
        return None

    @app.after_request
    def _after(response: Response) -> Response:
        asked = request.args.get("lang")
        if asked in PAGE_PHRASES:
            response.set_cookie(
                LANG_COOKIE,
                asked,
                samesite="Lax",
                httponly=True,
                secure=auth.secure_request(request, config().web.public_url),
            )
        return _security_headers(response)

    @app.context_processor
    def _globals() -> dict[str, Any]:
        def other_language() -> str:
            """This page in the other language (same filters)."""
            args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("lang", "token")]
            args.append(("lang", PAGE_PHRASES[g.lang]["other_lang"]))
            return request.path + "?" + urlencode(args)

        return {"t": g.t, "nonce": g.nonce, "lang": g.lang, "other_language": other_language}

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> tuple[str, int]:
        code = exc.code or 500
        return render_template("error.html", code=code), code

    @app.errorhandler(Exception)
    def _failed(exc: Exception) -> tuple[str, int]:
        log.error(
            "web.page_failed",
            path=request.path,
            error=f"{type(exc).__name__}: {exc}",
            exc_info=True,
        )
        return render_template("error.html", code=500), 500

    from warden.web.pages import charts, live, views

    app.register_blueprint(views.blueprint)
    app.register_blueprint(live.blueprint)
    app.register_blueprint(charts.blueprint)
    return app
