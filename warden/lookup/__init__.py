"""Look-up: what every source that can search, and the stored mentions, say about a name.

Public API (`warden lookup`, the status page's search box):

- `LookupQuery(name, kind="person"|"company"|None, place=None, limit=None, sources=())`
- `run_lookup(config, db, query, scorer=None, clock=None, *, progress=None) -> LookupResult`
- `LookupResult.groups`: one `SourceGroup` per source (`source`, `platform`, `query`,
  `items: list[FoundItem]`, or `error`), `LookupResult.as_json()` for scripts.
- `watch_name(config_path, name, kind, aliases, result)`: the name added to `entities:`.

Modules, one job each: `settings` (the `lookup:` section), `results` (the data), `searchers`
(one per platform), `stored` (stored mentions), `run` (running them), `watch` (config edit).
Imports are lazy so that warden.config can import `settings` from here.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warden.lookup.results import FoundItem, LookupQuery, LookupResult, SourceGroup
    from warden.lookup.run import run_lookup
    from warden.lookup.watch import watch_name

__all__ = [
    "FoundItem",
    "LookupQuery",
    "LookupResult",
    "SourceGroup",
    "run_lookup",
    "watch_name",
]

_HOMES = {
    "FoundItem": "results",
    "LookupQuery": "results",
    "LookupResult": "results",
    "SourceGroup": "results",
    "run_lookup": "run",
    "watch_name": "watch",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'warden.lookup' has no attribute {name!r}")
    return getattr(importlib.import_module(f"warden.lookup.{home}"), name)
