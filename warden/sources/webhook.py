"""Webhook sources: mentions pushed to Warden over HTTP, checked and normalised here.

The body is a JSON mention object, a list of them, or `{"mentions": [...]}`; `fields` maps an
object onto mention fields (Warden's own names by default: id, text, url, title,
author.{handle,name,followers}, published_at, lang, likes, reposts, replies). A sender proves
itself with an HMAC-SHA256 of the raw body (`X-Warden-Signature: sha256=<hex>`) and/or a bearer
token. The HTTP server is warden.web; a webhook source is never polled.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from warden.clock import Clock
from warden.sources.base import MentionDraft, PollResult, PollState
from warden.sources.drafting import UnusableItem, skip_item
from warden.sources.http import HttpFetcher
from warden.sources.jsonpath import lookup
from warden.sources.mapping import draft_from_item
from warden.sources.settings import WebhookSource

MAX_ITEMS = 1000
"""Most mentions accepted in one request."""


class PayloadError(ValueError):
    """The body is not JSON or not a mention, a list of mentions or {"mentions": [...]}."""


@dataclass
class PushedBatch:
    drafts: list[MentionDraft] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def sign(secret: str, body: bytes) -> str:
    """The signature header value a sender computes: `sha256=<hex HMAC of the raw body>`."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def authentication_failure(
    settings: WebhookSource, headers: Mapping[str, str], body: bytes
) -> str | None:
    """Why the request is refused (no signature, bad signature, bad token), or None if accepted.

    `headers` keys must be lower-case.
    """
    if settings.token:
        given = headers.get("authorization", "")
        if not given.lower().startswith("bearer "):
            return "missing bearer token"
        if not hmac.compare_digest(given[7:].strip().encode(), settings.token.encode()):
            return "wrong bearer token"
    if settings.secret:
        signature = headers.get(settings.signature_header.lower(), "").strip()
        if not signature:
            return f"missing {settings.signature_header} header"
        if not hmac.compare_digest(signature.encode(), sign(settings.secret, body).encode()):
            return "bad signature"
    return None


def parse_pushed(body: bytes, settings: WebhookSource, received_at: datetime) -> PushedBatch:
    """The drafts in a pushed body; unusable items are listed, not fatal. Raises PayloadError."""
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PayloadError(f"malformed JSON: {exc}") from None
    if isinstance(document, dict) and isinstance(document.get("mentions"), list):
        items: list[Any] = document["mentions"]
    elif isinstance(document, list):
        items = document
    elif isinstance(document, dict):
        items = [document]
    else:
        raise PayloadError('expected a mention object, a list, or {"mentions": [...]}')
    if len(items) > MAX_ITEMS:
        raise PayloadError(f"{len(items)} mentions in one request; at most {MAX_ITEMS}")
    batch = PushedBatch()
    for index, item in enumerate(items):
        try:
            batch.drafts.append(draft_from_item(item, settings.fields, settings.name, received_at))
        except UnusableItem as exc:
            batch.skipped.append(f"item {index}: {exc}")
            skip_item(settings.name, str(exc), lookup(item, settings.fields.id), index=index)
    return batch


class WebhookInbox:
    """The poll-side face of a webhook source: nothing to fetch, mentions arrive by push."""

    pushed = True
    """poll_source leaves pushed sources alone, so their health reflects what was pushed."""

    def __init__(self, settings: WebhookSource) -> None:
        self.settings = settings
        self.name = settings.name

    def poll(self, state: PollState, http: HttpFetcher, clock: Clock) -> PollResult:
        return PollResult([], state)
