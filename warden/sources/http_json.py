"""Any JSON HTTP API: a declarative mapping from the response to mention fields.

`items` is the path of the list in the response, `fields` says where each mention field is in an
item, and `pagination` follows a cursor found in the response or numbered pages. Paging stops at
the first page whose items are all older than the newest mention of the previous poll, so a poll
costs one request when nothing is new; the store drops what was already seen.
"""

from __future__ import annotations

from typing import Any

from warden.clock import Clock
from warden.errors import SourceError
from warden.sources.base import MentionDraft, PollResult, PollState
from warden.sources.drafting import UnusableItem, skip_item
from warden.sources.http import HttpFetcher
from warden.sources.jsonpath import lookup
from warden.sources.mapping import draft_from_item
from warden.sources.settings import HttpJsonSource


class HttpJsonApi:
    """Polls one JSON endpoint and maps its items onto mentions."""

    def __init__(self, settings: HttpJsonSource) -> None:
        self.settings = settings
        self.name = settings.name

    def _items(self, document: Any, url: str) -> list[Any]:
        items = lookup(document, self.settings.items)
        if items is None and self.settings.items:
            raise SourceError(f"{url}: no `{self.settings.items}` in the response")
        if not isinstance(items, list):
            raise SourceError(f"{url}: `{self.settings.items or '(response)'}` is not a list")
        return items

    def poll(self, state: PollState, http: HttpFetcher, clock: Clock) -> PollResult:
        pagination = self.settings.pagination
        newest: float | None = state.cursor.get("newest")
        top = newest
        drafts: list[MentionDraft] = []
        skipped = 0
        token: str | None = None
        etag, last_modified = state.etag, state.last_modified
        pages = 1 if pagination.type == "none" else pagination.max_pages
        for number in range(pages):
            params: dict[str, Any] = dict(self.settings.params)
            if pagination.type == "cursor" and token:
                params[pagination.cursor_param] = token
            elif pagination.type == "page":
                params[pagination.page_param] = pagination.first_page + number
            try:
                response = http.request(
                    self.settings.method,
                    str(self.settings.url),
                    params=params,
                    headers=self.settings.headers,
                    json_body=self.settings.body,
                    etag=state.etag if number == 0 else None,
                    last_modified=state.last_modified if number == 0 else None,
                    timeout=self.settings.timeout.total_seconds(),
                )
                if response.not_modified:
                    return PollResult([], state, not_modified=True)
                document = response.json()
                items = self._items(document, response.where)
            except SourceError as exc:
                if number == 0:
                    raise
                cursor = {"newest": top}
                return PollResult(
                    drafts, PollState(cursor, etag, last_modified), skipped, error=str(exc)
                )
            if number == 0:
                etag = response.headers.get("etag")
                last_modified = response.headers.get("last-modified")
            fresh = 0
            for item in items:
                try:
                    draft = draft_from_item(
                        item, self.settings.fields, self.name, clock.now(), str(self.settings.url)
                    )
                except UnusableItem as exc:
                    skipped += 1
                    skip_item(self.name, str(exc), lookup(item, self.settings.fields.id))
                    continue
                stamp = min(draft.published_at, clock.now()).timestamp()  # no future times
                if newest is None or stamp >= newest:
                    fresh += 1
                top = stamp if top is None else max(top, stamp)
                drafts.append(draft)
            if not items or fresh == 0:
                break
            if pagination.type == "cursor":
                next_token = lookup(document, pagination.cursor_path)
                if next_token in (None, "") or str(next_token) == token:
                    break
                token = str(next_token)
        return PollResult(drafts, PollState({"newest": top}, etag, last_modified), skipped)
