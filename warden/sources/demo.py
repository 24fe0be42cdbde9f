"""The demo source: replays a scripted crisis (bundled, or any JSONL scenario) against the clock.

Each scenario line is `{"id", "at" (seconds from the start), "text", "lang", "author",
"followers", "likes", "reposts", "replies"}`. At `speed: 20` a one-hour scenario plays in three
minutes; mentions are stamped with the compressed time so rules see a real surge.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from warden.clock import Clock
from warden.errors import SourceError
from warden.log import get_logger
from warden.sources.base import MentionDraft, PollResult, PollState
from warden.sources.drafting import UnusableItem, make_draft, skip_item
from warden.sources.http import HttpFetcher
from warden.sources.settings import DemoSource

log = get_logger(__name__)


def load_scenario(path: Path | None) -> list[dict[str, Any]]:
    """Scenario lines sorted by time; errors name the file and line."""
    if path is None:
        text = resources.files("warden.demo").joinpath("crisis.jsonl").read_text("utf-8")
        where = "bundled crisis.jsonl"
    else:
        try:
            text = path.read_text("utf-8")
        except OSError as exc:
            raise SourceError(f"cannot read scenario {path}: {exc}") from None
        where = str(path)
    items = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            float(item["at"])
            str(item["text"])
        except (ValueError, KeyError, TypeError) as exc:
            raise SourceError(
                f"{where}:{n}: expected a JSON object with 'at' and 'text' ({exc})"
            ) from None
        item.setdefault("id", f"line{n}")
        items.append(item)
    return sorted(items, key=lambda i: float(i["at"]))


class DemoReplay:
    """Emits the scenario's items whose time has come, remembering its place across restarts."""

    def __init__(self, settings: DemoSource) -> None:
        self.settings = settings
        self.name = settings.name
        self.items = load_scenario(settings.scenario)
        self.duration = max((float(i["at"]) for i in self.items), default=0.0)
        self._said_ended = False

    def poll(self, state: PollState, http: HttpFetcher, clock: Clock) -> PollResult:
        now = clock.now()
        cursor = dict(state.cursor)
        if "started_at" not in cursor:
            cursor = {"started_at": now.isoformat(), "next": 0, "round": 0}
        started = datetime.fromisoformat(cursor["started_at"])
        elapsed = (now - started).total_seconds() * self.settings.speed
        index = int(cursor["next"])
        ended_before = index >= len(self.items)
        drafts = []
        skipped = 0
        while index < len(self.items) and float(self.items[index]["at"]) <= elapsed:
            item = self.items[index]
            at = started + timedelta(seconds=float(item["at"]) / self.settings.speed)
            try:
                drafts.append(self._draft(item, at, int(cursor["round"])))
            except UnusableItem as exc:
                skipped += 1
                skip_item(self.name, str(exc), item.get("id"))
            index += 1
        cursor["next"] = index
        if index >= len(self.items) and self.settings.loop and elapsed > self.duration + 60:
            cursor = {"started_at": now.isoformat(), "next": 0, "round": int(cursor["round"]) + 1}
        elif index >= len(self.items) and not self.settings.loop:
            self._say_ended(started, ended_before)
        return PollResult(drafts, PollState(cursor=cursor), skipped)

    def _say_ended(self, started: datetime, ended_before: bool) -> None:
        """Say once that the scenario has ended and how to see it again: the cursor is kept in
        the database, so a restart resumes after the end and shows nothing new."""
        if self._said_ended:
            return
        self._said_ended = True
        how = (
            "set loop: true on this source to play it again, or start from an empty database "
            "(`make clean` deletes var/, the demo's database)"
        )
        if ended_before:
            log.warning(
                "demo.already_played",
                source=self.name,
                started_at=started.isoformat(),
                hint=f"the scenario already ended in an earlier run, so nothing new comes "
                f"from it: {how}",
            )
        else:
            log.info(
                "demo.ended",
                source=self.name,
                hint=f"the scenario has ended: {how}",
            )

    def _draft(self, item: dict[str, Any], at: datetime, round_no: int) -> MentionDraft:
        author = item.get("author")
        return make_draft(
            source=self.name,
            external_id=f"{round_no}:{item['id']}",
            text=str(item["text"]),
            published_at=at,
            fetched_at=at,
            url=f"https://demo.invalid/{self.name}/{round_no}/{item['id']}",
            author_handle=author,
            author_name=author,
            author_followers=item.get("followers"),
            lang=item.get("lang"),
            likes=item.get("likes", 0),
            reposts=item.get("reposts", 0),
            replies=item.get("replies", 0),
            raw=item,
            text_format="html",  # scenario lines may carry markup, as posts do
        )
