"""`warden sources status|try`: per-source health as the daemon recorded it, and a dry-run poll
of one source that shows the normalised mentions without storing them."""

from __future__ import annotations

import argparse
from datetime import datetime

from sqlalchemy.exc import DBAPIError

from warden.cli.common import (
    add_config_option,
    add_json_option,
    config_from_args,
    local_time,
    plural,
    print_json,
    print_table,
)
from warden.clock import SystemClock
from warden.config import POLLING_UNUSED, READ_ONLY_UNUSED
from warden.entities import matcher_from_settings
from warden.errors import SourceError, WardenError
from warden.log import configure_logging
from warden.sources.base import PollState
from warden.sources.health import SourceHealth, read_health, removed_line, removed_sources
from warden.sources.http import HttpFetcher
from warden.sources.registry import build_source, is_polled
from warden.store.db import Database, database_problem

EPILOG = """\
examples:
  warden sources status              one line per source: status, last success, last error
  warden sources status --json       the same as JSON, for scripts and monitoring
  warden sources try reviews-api     poll one source now, show what it would store (nothing is)

status is ok, failing (last poll failed), backing_off (resting after repeated failures or a
rate limit), disabled, or never_polled.
"""

STATUS_EPILOG = """\
examples:
  warden sources status              one line per source
  warden sources status --json       the same as JSON, for scripts and monitoring

status is ok, failing (last poll failed), backing_off (resting after repeated failures or a
rate limit), disabled, or never_polled.
"""

TRY_EPILOG = """\
examples:
  warden sources try reviews-api             the first 20 mentions it would store
  warden sources try reviews-api --limit 5 --json
"""


def _when(value: datetime | None) -> str:
    return local_time(value, seconds=True)


def _row(h: SourceHealth) -> list[str]:
    error = (h.last_error or "").replace("\n", " ")
    return [
        h.source,
        h.type or "?",
        h.status,
        _when(h.last_success_at),
        str(h.consecutive_failures),
        str(h.items_last_poll),
        str(h.total_items),
        _when(h.backoff_until) if h.status == "backing_off" else "-",
        (error[:70] + "…") if len(error) > 71 else (error or "-"),
    ]


def _status(args: argparse.Namespace) -> int:
    config = config_from_args(args, READ_ONLY_UNUSED)
    db = Database(config.database_url, existing=True)
    try:
        with db.session() as session:
            health = read_health(session, config.sources, SystemClock().now())
            removed = removed_sources(session, config.sources)
    except DBAPIError as exc:
        raise WardenError(database_problem(exc, db.safe_url)) from None
    finally:
        db.dispose()
    if args.json:
        print_json(
            {
                "sources": [h.as_json() for h in health],
                "removed_sources": [r.as_json() for r in removed],
            }
        )
        return 0
    if not health:
        print("no sources configured")
    else:
        headers = [
            "SOURCE",
            "TYPE",
            "STATUS",
            "LAST SUCCESS",
            "FAILURES",
            "ITEMS/POLL",
            "TOTAL",
            "RETRY AT",
            "LAST ERROR",
        ]
        print_table(headers, [_row(h) for h in health])
    if removed:
        print(removed_line(removed, _when))
    return 0


def _try(args: argparse.Namespace) -> int:
    configure_logging("info", "console")  # skipped items are reported on stderr
    config = config_from_args(args, POLLING_UNUSED)  # the source's own secrets are needed
    settings = next((s for s in config.sources if s.name == args.name), None)
    if settings is None:
        names = ", ".join(s.name for s in config.sources) or "none"
        raise WardenError(f"no source named {args.name!r} in {args.config} (configured: {names})")
    if not is_polled(settings):
        raise WardenError(f"{settings.name} is a {settings.type} source: mentions are pushed to it")
    matcher = matcher_from_settings(config.entities)
    http = HttpFetcher(retries=1, max_retry_wait=10)
    try:
        result = build_source(settings).poll(PollState(), http, SystemClock())
    except SourceError as exc:
        raise WardenError(f"{settings.name}: {exc}") from None
    finally:
        http.close()
    drafts = result.drafts[: args.limit]
    forced = list(settings.entities)
    for draft in drafts:
        draft.entities = list(dict.fromkeys([*forced, *matcher.match(draft.title, draft.text)]))
    if args.json:
        fields = (
            "external_id",
            "url",
            "title",
            "text",
            "author_handle",
            "author_name",
            "author_followers",
            "lang",
            "likes",
            "reposts",
            "replies",
            "entities",
        )
        print_json(
            {
                "source": settings.name,
                "mentions": [
                    {"published_at": d.published_at.isoformat()}
                    | {f: getattr(d, f) for f in fields}
                    for d in drafts
                ],
                "fetched": len(result.drafts),
                "skipped": result.skipped,
                "error": result.error,
            }
        )
        return 0
    rows = [
        [
            _when(d.published_at),
            d.author_handle or d.author_name or "-",
            ",".join(d.entities) or "-",
            d.lang or "-",
            (d.text[:60] + "…") if len(d.text) > 61 else d.text,
        ]
        for d in drafts
    ]
    print_table(["PUBLISHED", "AUTHOR", "ENTITIES", "LANG", "TEXT"], rows)
    shown = f", {len(drafts)} shown" if len(drafts) < len(result.drafts) else ""
    print(
        f"\n{settings.name}: {plural(len(result.drafts), 'mention')}{shown}, "
        f"{plural(result.skipped, 'item')} skipped (reasons in the log); nothing was stored"
        + (f"; stopped early: {result.error}" if result.error else "")
    )
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "sources",
        help="mention sources: health, dry-run poll",
        description="Inspect the mention sources the daemon polls.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="sources_command", metavar="SUBCOMMAND", required=True)
    status = sub.add_parser(
        "status",
        help="per-source health: last success, last error, failures, items per poll",
        description="Show each configured source's health as the daemon recorded it: status, "
        "last success, consecutive failures, items per poll, last error. Only reads the "
        "database.",
        epilog=STATUS_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(status)
    add_json_option(status)
    status.set_defaults(func=_status)
    trial = sub.add_parser(
        "try",
        help="poll one source now and show the mentions it would store (stores nothing)",
        description="Poll one source of config.yaml once, now, and show the normalised "
        "mentions with the entities they were tagged with. Nothing is stored; use it to check "
        "a new source before reloading the daemon.",
        epilog=TRY_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    trial.add_argument("name", help="the source's name in config.yaml")
    trial.add_argument("--limit", type=int, default=20, help="mentions shown (default 20)")
    add_config_option(trial)
    add_json_option(trial)
    trial.set_defaults(func=_try)
