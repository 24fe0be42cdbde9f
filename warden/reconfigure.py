"""What a config reload changes: the sections that differ, which apply live, which need a restart.

Pure functions over two validated `Config` snapshots; the daemon applies the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warden.config import Config
from warden.web.settings import WebSettings, exposure_problem

LIVE_SECTIONS = (
    "entities",
    "sources",
    "receivers",
    "notifications",
    "digests",
    "logging",
    "rules",
    "lookup",
)
"""Applied by a reload (SIGHUP)."""
RESTART_SECTIONS = ("database", "daemon")
"""Kept as they are until the next start: the connection pool, the threads."""
WEB_ADDRESS = ("host", "port")
"""The listener's address: kept until the next start, and with it the whole `web` section,
since `web.auth` is validated against the address it guards (see `warden.web.settings`)."""
WEB_PAGE = "status_page"
"""Whether the listener serves the status page: kept until the next start. The rest of `web`
(auth, language, timezone, public_url) is read on each request and applies live, so a leaked
token is revoked by a reload, unless the page kept on would then be open to the network."""
SENTIMENT_LIVE = frozenset({"interval"})
"""The one sentiment option applied live; the others change the loaded model."""


def _dump(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value


@dataclass
class ConfigChanges:
    """The outcome of comparing the running config with the one just read."""

    applied: list[str] = field(default_factory=list)
    restart_needed: list[str] = field(default_factory=list)
    config: Config | None = None
    """The config to run: the new one, with restart-only sections kept as they were."""

    def __bool__(self) -> bool:
        return bool(self.applied or self.restart_needed)


def _web_changes(running: Config, new: Config) -> tuple[WebSettings, list[str]]:
    """The `web` section to run after a reload, and the options of it that need a restart
    (`web.port`, ...)."""
    old, edited = running.web.model_dump(mode="json"), new.web.model_dump(mode="json")
    moved = [f"web.{k}" for k in WEB_ADDRESS if old[k] != edited[k]]
    if moved:
        return running.web, moved
    if old[WEB_PAGE] == edited[WEB_PAGE]:
        return new.web, []
    kept = new.web.model_copy(update={WEB_PAGE: running.web.status_page})
    if exposure_problem(kept, [running.web.host]) is not None:
        return running.web, [f"web.{WEB_PAGE}"]  # without auth, the page kept on is exposed
    return kept, [f"web.{WEB_PAGE}"]


def compare(running: Config, new: Config) -> ConfigChanges:
    """Which sections changed, and the config to swap in now."""
    changes = ConfigChanges()
    keep: dict[str, Any] = {}
    for name in LIVE_SECTIONS:
        if _dump(getattr(running, name)) != _dump(getattr(new, name)):
            changes.applied.append(name)
    for name in RESTART_SECTIONS:
        if _dump(getattr(running, name)) != _dump(getattr(new, name)):
            changes.restart_needed.append(name)
            keep[name] = getattr(running, name)
    web, web_restart = _web_changes(running, new)
    if web is not new.web:
        keep["web"] = web
    changes.restart_needed += web_restart
    if _dump(web) != _dump(running.web):
        changes.applied.append("web")
    old_sentiment = running.sentiment.model_dump(mode="json")
    new_sentiment = new.sentiment.model_dump(mode="json")
    model_keys = sorted(k for k in old_sentiment if old_sentiment[k] != new_sentiment.get(k))
    if any(k not in SENTIMENT_LIVE for k in model_keys):
        changes.restart_needed.append("sentiment")
        keep["sentiment"] = running.sentiment.model_copy(
            update={"interval": new.sentiment.interval}
        )
    if "interval" in model_keys:
        changes.applied.append("sentiment.interval")
    if running.state_env != new.state_env and "daemon" not in changes.restart_needed:
        keep["state_env"] = running.state_env
    changes.config = new.model_copy(update=keep)
    return changes
