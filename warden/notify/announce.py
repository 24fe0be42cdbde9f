"""Telling the receivers that a config or rule edit is broken, and that it is fixed again.

Every new broken state is announced once (the same content re-read while still broken is
not), and so is the return to a valid one; a mistake repeated after a fix is a new broken
state. Messages go through the outbox like alerts (kind `system`, severity warning), written
in each receiver's language; the problems themselves are quoted as `warden check` prints them.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from datetime import datetime

from warden.clock import Clock
from warden.config import ReceiverSettings
from warden.log import get_logger
from warden.notify.outbox import enqueue
from warden.store.db import Database

log = get_logger(__name__)

_WHAT = {
    "en": {"rules": "rule files", "config": "config.yaml"},
    "fr": {"rules": "fichiers de règles", "config": "config.yaml"},
}
_TITLES = {
    "en": {
        "rules": ("rule files have errors; previous rules kept", "rule files valid again"),
        "config": ("config.yaml has errors; previous config kept", "config.yaml valid again"),
    },
    "fr": {
        "rules": (
            "fichiers de règles en erreur\u202f; règles précédentes conservées",
            "fichiers de règles de nouveau valides",
        ),
        "config": (
            "config.yaml en erreur\u202f; configuration précédente conservée",
            "config.yaml de nouveau valide",
        ),
    },
}
_BROKEN = {
    "en": (
        "An edit of the {what} could not be loaded; Warden keeps running the last good "
        "version.\n\n{problems}\n\nFix the file, then check it with `warden check`; Warden "
        "reloads rule files by itself, config.yaml on `systemctl reload warden` (SIGHUP)."
    ),
    "fr": (
        "Une modification des {what} n’a pas pu être chargée\u202f; Warden continue avec la "
        "dernière version valide.\n\n{problems}\n\nCorrigez le fichier, puis vérifiez-le "
        "avec `warden check`\u202f; Warden recharge seul les fichiers de règles, config.yaml sur "
        "`systemctl reload warden` (SIGHUP)."
    ),
}
_REPAIRED = {
    "en": "The {what} load again without errors; Warden now runs the edited version.",
    "fr": "Les {what} se chargent de nouveau sans erreur\u202f; Warden applique la version "
    "modifiée.",
}


def _texts(language: str, kind: str, broken: bool, problems: Sequence[str]) -> tuple[str, str]:
    """(title, body) of an announcement in `language` (English unless French)."""
    lang = language if language in _WHAT else "en"
    what = _WHAT[lang].get(kind, kind)
    titles = _TITLES[lang].get(kind, (f"{what}: errors", f"{what}: valid again"))
    if broken:
        body = _BROKEN[lang].format(what=what, problems="\n".join(problems))
    else:
        body = _REPAIRED[lang].format(what=what)
    return f"[WARDEN] {titles[0 if broken else 1]}", body


class BrokenEditAnnouncer:
    """Remembers, per kind (`rules`, `config`), whether the last reload was broken, and how."""

    def __init__(
        self, db: Database, receivers: Callable[[], Sequence[ReceiverSettings]], clock: Clock
    ) -> None:
        self.db = db
        self.receivers = receivers
        self.clock = clock
        self._broken: dict[str, str] = {}
        self._lock = threading.Lock()

    def broken(self, kind: str, problems: list[str]) -> bool:
        """A reload of `kind` failed with `problems`; True when this was announced (new state)."""
        digest = hashlib.sha256("\n".join(problems).encode()).hexdigest()[:16]
        with self._lock:
            if self._broken.get(kind) == digest:
                return False
        if not self._send(f"{kind}-broken:{digest}", kind, True, problems):
            return False  # tried again at the next reload
        with self._lock:
            self._broken[kind] = digest
        return True

    def valid(self, kind: str) -> bool:
        """A reload of `kind` succeeded; True when it repaired an announced broken state."""
        with self._lock:
            if kind not in self._broken:
                return False
        if not self._send(f"{kind}-repaired", kind, False, []):
            return False
        with self._lock:
            self._broken.pop(kind, None)
        return True

    def _send(self, key: str, kind: str, broken: bool, problems: Sequence[str]) -> bool:
        """Queue the message for every receiver taking warnings, in its language; False when
        it could not be."""
        targets = [r for r in self.receivers() if "warning" in r.severities]
        if not targets:
            return True
        now = self.clock.now()
        by_language: dict[str, list[ReceiverSettings]] = {}
        for receiver in targets:
            by_language.setdefault(receiver.language, []).append(receiver)
        title = ""
        try:
            for language, receivers in by_language.items():
                title, body = _texts(language, kind, broken, problems)
                self._enqueue(receivers, f"{key}:{language}", title, body, now)
        except Exception as exc:  # the database is down: the next reload tries again
            log.error("notify.announce_failed", title=title, error=f"{type(exc).__name__}: {exc}")
            return False
        return True

    def _enqueue(
        self,
        targets: Sequence[ReceiverSettings],
        key: str,
        title: str,
        body: str,
        now: datetime,
    ) -> None:
        with self.db.session() as session:
            enqueue(
                session,
                None,
                "system",
                targets,
                title,
                body,
                now,
                severity="warning",
                key_prefix=f"{key}:{now.strftime('%Y%m%dT%H%M%S.%f')}",
            )
