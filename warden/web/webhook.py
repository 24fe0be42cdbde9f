"""One webhook endpoint: authenticate a pushed body, normalise it, tag entities, store it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from warden.clock import Clock
from warden.entities import EntityMatcher
from warden.log import get_logger
from warden.sources.ingest import record_success, source_state, tag_and_store
from warden.sources.settings import WebhookSource
from warden.sources.webhook import PayloadError, authentication_failure, parse_pushed
from warden.store.db import Database

log = get_logger(__name__)


@dataclass
class Answer:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


class WebhookEndpoint:
    """Receives the POSTs of one `webhook` source."""

    def __init__(
        self, settings: WebhookSource, db: Database, matcher: EntityMatcher, clock: Clock
    ) -> None:
        self.settings = settings
        self.name = settings.name
        self.db = db
        self.matcher = matcher
        self.clock = clock

    def reject(self, status: int, reason: str, client: str) -> Answer:
        log.warning("webhook.rejected", source=self.name, reason=reason, client=client)
        return Answer(status, {"error": reason})

    def receive(self, headers: Mapping[str, str], body: bytes, client: str) -> Answer:
        """Handle one POST body (already size-checked); `headers` keys are lower-case."""
        failure = authentication_failure(self.settings, headers, body)
        if failure is not None:
            return self.reject(401, failure, client)
        now = self.clock.now()
        try:
            batch = parse_pushed(body, self.settings, now)
        except PayloadError as exc:
            return self.reject(400, str(exc), client)
        if not batch.drafts and batch.skipped:
            log.warning(
                "webhook.rejected",
                source=self.name,
                reason="no usable mention",
                client=client,
                skipped=len(batch.skipped),
            )
            return Answer(422, {"error": "no usable mention", "skipped": batch.skipped})
        with self.db.session() as session:
            result = tag_and_store(
                session, batch.drafts, self.matcher, now, tuple(self.settings.entities)
            )
            record_success(source_state(session, self.name), now, len(result.inserted))
        log.info(
            "webhook.received",
            source=self.name,
            new=len(result.inserted),
            duplicates=result.duplicates,
            skipped=len(batch.skipped),
        )
        return Answer(
            200,
            {
                "accepted": len(result.inserted),
                "duplicates": result.duplicates,
                "skipped": batch.skipped,
            },
        )
