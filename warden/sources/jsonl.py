"""A JSON Lines file tailed line by line (exports, other tools' output, tests).

The cursor keeps the byte offset reached and the file's inode, so a restart resumes exactly
where reading stopped; a file that shrank (truncated) or was replaced (rotated) is read again from
its start. Only complete lines are read: a line still being written waits for the next poll. A
malformed line is logged with file:line and skipped.
"""

from __future__ import annotations

import json
import os
from typing import Any

from warden.clock import Clock
from warden.errors import SourceError
from warden.log import get_logger
from warden.sources.base import MentionDraft, PollResult, PollState
from warden.sources.drafting import UnusableItem, skip_item
from warden.sources.http import HttpFetcher
from warden.sources.mapping import draft_from_item
from warden.sources.settings import JsonlSource

log = get_logger(__name__)


class JsonlTail:
    """Reads the lines added to a JSONL file since the last poll."""

    def __init__(self, settings: JsonlSource) -> None:
        self.settings = settings
        self.name = settings.name

    def poll(self, state: PollState, http: HttpFetcher, clock: Clock) -> PollResult:
        path = self.settings.path
        try:
            info = os.stat(path)
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
        cursor: dict[str, Any] = dict(state.cursor)
        offset = int(cursor.get("offset", 0))
        line_no = int(cursor.get("line", 0))
        if not cursor and self.settings.start_at == "end":
            new = {"offset": info.st_size, "inode": info.st_ino, "line": _count_lines(path)}
            return PollResult([], PollState(cursor=new))
        if cursor and (cursor.get("inode") != info.st_ino or info.st_size < offset):
            log.info("source.file_rotated", source=self.name, path=str(path))
            offset, line_no = 0, 0
        drafts: list[MentionDraft] = []
        skipped = 0
        try:
            with open(path, "rb") as handle:
                handle.seek(offset)
                for _ in range(self.settings.max_lines):
                    raw = handle.readline()
                    if not raw.endswith(b"\n"):
                        break  # end of file, or a line still being written
                    offset += len(raw)
                    line_no += 1
                    if not raw.strip():
                        continue
                    try:
                        item = json.loads(raw)
                        drafts.append(
                            draft_from_item(item, self.settings.fields, self.name, clock.now())
                        )
                    except (ValueError, UnusableItem) as exc:
                        skipped += 1
                        reason = str(exc) if isinstance(exc, UnusableItem) else "malformed JSON"
                        skip_item(self.name, reason, where=f"{path}:{line_no}")
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
        new_cursor = {"offset": offset, "inode": info.st_ino, "line": line_no}
        return PollResult(drafts, PollState(cursor=new_cursor), skipped)


def _count_lines(path: os.PathLike[str] | str) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
