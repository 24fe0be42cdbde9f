"""/readyz: whether this instance can do its work, with the reason for each check that fails.

Each check is a callable returning None when fine, else a short reason. The answer is 200
`{"ready": true, "checks": {...}}` or 503 `{"ready": false, "not_ready": [names], "checks":
{name: {"ok": false, "reason": ...}}}`; a check that raises counts as not ready.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[], str | None]


def evaluate_checks(checks: Mapping[str, Check]) -> tuple[bool, dict[str, Any]]:
    """Run every check; (ready, JSON body)."""
    results: dict[str, dict[str, Any]] = {}
    for name, check in checks.items():
        try:
            reason = check()
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
        results[name] = {"ok": True} if reason is None else {"ok": False, "reason": reason}
    failing = [name for name, result in results.items() if not result["ok"]]
    body: dict[str, Any] = {"ready": not failing, "checks": results}
    if failing:
        body["not_ready"] = failing
    return not failing, body


def readiness_page(
    checks: Mapping[str, Check], on_result: Callable[[bool], None] | None = None
) -> Callable[[], tuple[int, str, bytes]]:
    """The GET /readyz handler over `checks`; `on_result(ready)` is told each answer."""

    def page() -> tuple[int, str, bytes]:
        ready, body = evaluate_checks(checks)
        if on_result is not None:
            on_result(ready)
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return (200 if ready else 503), "application/json; charset=utf-8", content

    return page
