"""Receivers that need no account, registered as apprise schemas so routing treats them alike.

- `console://` prints the message on Warden's standard output (the demo's receiver).
- `mbox:///absolute/path/inbox.txt` appends each message to a text file, one after another.
"""

from __future__ import annotations

import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apprise.decorators import notify

_lock = threading.Lock()
_register_lock = threading.Lock()
_registered = False


def _console(body: str, title: str, notify_type: str, *args: Any, **kwargs: Any) -> bool:
    rule = "=" * 72
    with _lock:
        print(f"\n{rule}\n{title}\n{rule}\n{body}\n{rule}\n", file=sys.stdout, flush=True)
    return True


def _mbox(
    body: str,
    title: str,
    notify_type: str,
    *args: Any,
    meta: dict[str, Any] | None = None,
    **kwargs: Any,
) -> bool:
    meta = meta or {}
    path = Path("/" + str(meta.get("host") or "") + str(meta.get("fullpath") or ""))
    stamp = datetime.now(UTC).strftime("%a %b %d %H:%M:%S %Y")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with _lock, path.open("a", encoding="utf-8") as inbox:
            inbox.write(f"From warden {stamp}\nSubject: {title}\n\n{body}\n\n")
    except OSError:
        return False
    return True


def register_local_schemas() -> None:
    """Make console:// and mbox:// known to apprise (idempotent)."""
    global _registered
    with _register_lock:  # senders run in several threads; apprise refuses a second definition
        if _registered:
            return
        notify(on="console", name="Warden console")(_console)  # type: ignore[no-untyped-call]
        notify(on="mbox", name="Warden mailbox file")(_mbox)  # type: ignore[no-untyped-call]
        _registered = True
