"""What apprise logs during one send, kept for that send alone, whichever threads send at once.

apprise reports why a delivery failed only in its log: the socket error at debug level, the
HTTP status as a warning. The dispatcher and `warden notify test` send to several receivers at
the same time, so reading apprise's process-wide logger during a send would mix the receivers'
errors, one reported as another's. apprise (2.3 and later) hands each `notify` call its own log
entries (`log_callback`, per call and thread-safe): `notify_logged` collects them. apprise's
logger is set to DEBUG once, so the socket errors are produced at all, and it does not forward
to Warden's log: its lines say nothing a send's outcome does not (the outcome carries them,
secrets masked), and the debug ones would be noise that can carry a URL.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import apprise

_lock = threading.Lock()
_installed = False


def _install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        logger = logging.getLogger("apprise")
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        _installed = True


def notify_logged(target: apprise.Apprise, **kwargs: Any) -> tuple[bool, list[tuple[str, str]]]:
    """`target.notify(**kwargs)`: whether it succeeded, and what apprise logged for this call
    only, as (level name, message) pairs, oldest first, debug lines included."""
    _install()
    lines: list[tuple[str, str]] = []

    def keep(entry: Any, service: Any) -> None:
        lines.append((str(entry.level), str(entry.message)))

    ok = bool(target.notify(**kwargs, log_level=logging.DEBUG, log_callback=keep))
    return ok, lines
