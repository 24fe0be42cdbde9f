"""A JSON Lines file tailed line by line (exports, other tools' output, tests).

The cursor keeps the byte offset reached and the file's inode, so a restart resumes exactly
where reading stopped. A file that was rotated (renamed, a new one created in its place) is
first read to its end under its new name when it is still in the same folder, then the new file
is read from its start; a file that shrank (truncated) is read again from its start. Only
complete lines are read: a line still being written waits for the next poll. A malformed line
is logged with file:line and skipped. With `start_at: beginning`, the lines the file held when
it was first seen are its history (backfill, see warden.sources.poller), even when reading them
takes more than one poll; `history_end` in the cursor is where they end.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
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


@dataclass
class _Reading:
    """Where reading one file got to, and what it produced."""

    offset: int
    line: int
    history_end: int = 0
    """Lines starting before this offset were in the file when it was first seen."""
    drafts: list[MentionDraft] = field(default_factory=list)
    skipped: int = 0
    lines: int = 0
    at_end: bool = False


def _find_by_inode(folder: Path, inode: int) -> Path | None:
    """The file of `folder` with this inode (where a rotated file went), if any."""
    try:
        for entry in os.scandir(folder):
            if entry.is_file(follow_symlinks=False) and entry.stat().st_ino == inode:
                return Path(entry.path)
    except OSError:
        return None
    return None


def _count_lines(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))


class JsonlTail:
    """Reads the lines added to a JSONL file since the last poll."""

    def __init__(self, settings: JsonlSource) -> None:
        self.settings = settings
        self.name = settings.name

    def _read(
        self, path: Path, offset: int, line: int, budget: int, clock: Clock, history_end: int = 0
    ) -> _Reading:
        reading = _Reading(offset, line, history_end)
        try:
            with open(path, "rb") as handle:
                handle.seek(offset)
                while reading.lines < budget:
                    raw = handle.readline()
                    if not raw.endswith(b"\n"):
                        reading.at_end = True  # end of file, or a line still being written
                        break
                    history = reading.offset < reading.history_end
                    reading.offset += len(raw)
                    reading.line += 1
                    reading.lines += 1
                    if raw.strip():
                        self._parse(raw, path, reading, clock, history)
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
        return reading

    def _parse(
        self, raw: bytes, path: Path, reading: _Reading, clock: Clock, history: bool
    ) -> None:
        try:
            item: Any = json.loads(raw)
            draft = draft_from_item(item, self.settings.fields, self.name, clock.now())
        except (ValueError, UnusableItem) as exc:
            reading.skipped += 1
            reason = str(exc) if isinstance(exc, UnusableItem) else "malformed JSON"
            skip_item(self.name, reason, where=f"{path}:{reading.line}")
            return
        draft.backfill = history
        reading.drafts.append(draft)

    def poll(self, state: PollState, http: HttpFetcher, clock: Clock) -> PollResult:
        path = self.settings.path
        try:
            info = os.stat(path)
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from None
        cursor: dict[str, Any] = dict(state.cursor)
        if not cursor and self.settings.start_at == "end":
            new = {"offset": info.st_size, "inode": info.st_ino, "line": _count_lines(path)}
            return PollResult([], PollState(cursor=new))
        offset = int(cursor.get("offset", 0))
        line = int(cursor.get("line", 0))
        # First sight (start_at: beginning): the file's current content is its history.
        history_end = int(cursor.get("history_end", info.st_size if not cursor else 0))
        budget = self.settings.max_lines
        drafts: list[MentionDraft] = []
        skipped = 0
        if cursor and cursor.get("inode") != info.st_ino:
            rotated = _find_by_inode(path.parent, int(cursor.get("inode") or -1))
            if rotated is not None:  # finish the old file first
                rest = self._read(rotated, offset, line, budget, clock, history_end)
                drafts, skipped, budget = rest.drafts, rest.skipped, budget - rest.lines
                if not rest.at_end:
                    old = {
                        "offset": rest.offset,
                        "inode": cursor.get("inode"),
                        "line": rest.line,
                        "history_end": history_end,
                    }
                    return PollResult(drafts, PollState(cursor=old), skipped)
            log.info("source.file_rotated", source=self.name, path=str(path))
            offset, line, history_end = 0, 0, 0
        elif info.st_size < offset:
            log.info("source.file_truncated", source=self.name, path=str(path))
            offset, line, history_end = 0, 0, 0
        reading = self._read(path, offset, line, budget, clock, history_end)
        new_cursor = {"offset": reading.offset, "inode": info.st_ino, "line": reading.line}
        if reading.offset < history_end:
            new_cursor["history_end"] = history_end
        return PollResult(
            drafts + reading.drafts, PollState(cursor=new_cursor), skipped + reading.skipped
        )
