"""`warden lookup "Name"`: what every source that can search, and the stored mentions, say
about a person or a company now, grouped by source with sentiment; `--watch` keeps watching it.

Read-only (no database is created) unless `--watch`, which edits config.yaml.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from warden.cli.common import (
    add_config_option,
    add_json_option,
    config_from_args,
    local_time,
    plural,
    print_json,
    print_table,
)
from warden.cli.terminal import terminal_safe
from warden.clock import SystemClock
from warden.config import POLLING_UNUSED, Config
from warden.errors import EXIT_FAILURE, ModelLoadError, WardenError
from warden.log import say
from warden.lookup.results import STORED, FoundItem, LookupQuery, LookupResult, SourceGroup
from warden.sentiment.scorer import SentimentScorer
from warden.store.db import Database

EPILOG = """\
examples:
  warden lookup "Banque Exemple"                 every source, and the stored mentions
  warden lookup "Jérôme Martin" --person --place Lyon
  warden lookup "Acme" --company --source x-acme --source google-news --limit 10
  warden lookup "Acme" --json | jq '.groups[] | {source, error, n: (.items | length)}'
  warden lookup "Jérôme Martin" --person --watch --alias "J. Martin"

sources: the configured x, bluesky, mastodon, reddit and hackernews sources (searched with
the name as a phrase, their credentials and base URLs), Google News (lookup.google_news in
config.yaml, `--source google-news`) and the mentions Warden stored (`--source stored`).
A source that fails or is slower than lookup.timeout shows its error; the others are shown.

columns: TIME (UTC), SENTIMENT (label and score, -1 very negative .. 1 very positive),
AUTHOR, AUDIENCE (the author's followers), ENGAGEMENT (likes + reposts + replies), TEXT, LINK.

--watch adds the name to entities: in config.yaml (kind person with --person, else brand),
with the --alias names, its spelling without accents and the @handle/#hashtag forms seen in
the results; comments and layout of the file are kept. The daemon follows it once it
reloads its config (`systemctl reload warden`, or SIGHUP).

exit status: 0 when at least one source answered (or --watch added the name); 1 when every
source failed.
"""


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "lookup",
        help="search every source now for a person or a company",
        description="Search every source that can search, and the stored mentions, for a "
        "person or a company; results grouped by source, with sentiment.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", help="the person or company, searched as a phrase")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--person", dest="kind", action="store_const", const="person")
    kind.add_argument("--company", dest="kind", action="store_const", const="company")
    parser.add_argument("--place", metavar="P", help="a town or country that must occur too")
    parser.add_argument(
        "--source",
        metavar="NAME",
        action="append",
        default=[],
        help="ask only this source (repeatable): a source name, google-news or stored",
    )
    parser.add_argument(
        "--limit",
        type=_limit,
        metavar="N",
        help="most results per source (default: lookup.max_items)",
    )
    parser.add_argument(
        "--no-sentiment", action="store_true", help="do not load the sentiment model"
    )
    parser.add_argument("--watch", action="store_true", help="add the name to entities: too")
    parser.add_argument(
        "--alias", metavar="A", action="append", default=[], help="with --watch: another name"
    )
    add_json_option(parser)
    add_config_option(parser)
    parser.set_defaults(func=_lookup)


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 100:
        raise argparse.ArgumentTypeError("expected 1 to 100")
    return value


def _load_scorer(config: Config) -> SentimentScorer:
    from warden.sentiment.loader import load_scorer

    return load_scorer(config.sentiment)


def _open_database(config: Config, wanted: bool) -> tuple[Database | None, str | None]:
    """The existing database (never created here), or why there is none."""
    if not wanted:
        return None, None
    try:
        return Database(config.database_url, existing=True), None
    except WardenError as exc:
        return None, str(exc)


def _progress(total: int) -> Any:
    answered = [0]

    def show(group: SourceGroup) -> None:
        answered[0] += 1
        state = (
            f"failed: {terminal_safe(group.error, 100)}"
            if group.error
            else f"{plural(len(group.items), 'result')} in {group.seconds:.1f}s"
        )
        say(f"  [{answered[0]}/{total}] {terminal_safe(group.source)}: {state}")

    return show


def _lookup(args: argparse.Namespace) -> int:
    from warden.lookup.run import run_lookup, score_items
    from warden.lookup.searchers import build_searchers
    from warden.lookup.watch import check_not_watched, watch_name

    config = config_from_args(args, POLLING_UNUSED)  # its searchers use sources' tokens
    try:
        query = LookupQuery(
            args.name,
            kind=args.kind,
            place=args.place,
            limit=args.limit,
            sources=tuple(args.source),
        )
    except ValueError as exc:
        raise WardenError(str(exc)) from None
    if args.watch:
        check_not_watched(config, query.name, args.config)
    elif args.alias:
        raise WardenError("--alias goes with --watch")
    wants_stored = not query.sources or STORED in query.sources
    db, no_db = _open_database(config, wants_stored)
    limit = query.limit or config.lookup.max_items
    count = len(build_searchers(config, query, limit, config.lookup.timeout)) + wants_stored
    quiet = args.json and not sys.stderr.isatty()
    if not quiet:
        say(f"searching {plural(count, 'source')} for {terminal_safe(query.phrase)}…")
    progress = None if quiet else _progress(count)
    missing = None if no_db is None else SourceGroup(STORED, STORED, query.phrase, error=no_db)
    if progress is not None and missing is not None:
        progress(missing)
    with ThreadPoolExecutor(max_workers=1) as loader:
        model: Future[SentimentScorer] | None = None
        if not args.no_sentiment:
            model = loader.submit(_load_scorer, config)
        try:
            result = run_lookup(
                config,
                db,
                query,
                None,
                SystemClock(),
                progress=progress,
            )
        finally:
            if db is not None:
                db.dispose()
        if missing is not None:
            result.groups.insert(0, missing)
        if model is None:
            result.sentiment_note = "not scored (--no-sentiment)"
        else:
            try:
                score_items(result, model.result())
            except ModelLoadError as exc:
                result.sentiment_note = f"not scored: {' '.join(str(exc).split())}"
    watched = None
    if args.watch:
        watched = watch_name(args.config, query.name, query.kind, args.alias, result, config)
    if args.json:
        out = result.as_json()
        out["watched"] = (
            None
            if watched is None
            else {
                "name": watched.name,
                "kind": watched.kind,
                "aliases": watched.aliases,
                "config": str(watched.path),
            }
        )
        print_json(out)
    else:
        _print(result)
        if watched is not None:
            aliases = ", ".join(terminal_safe(a) for a in watched.aliases) or "none"
            print(
                f"\nnow watching {terminal_safe(watched.name)!r} ({watched.kind}; aliases: "
                f"{aliases}) in {watched.path}.\nAlerts follow it once the daemon reloads its "
                "config: `systemctl reload warden` (or send it SIGHUP)."
            )
    answered = [g for g in result.groups if g.error is None]
    return 0 if answered or watched is not None or not result.groups else EXIT_FAILURE


def _audience(followers: int | None) -> str:
    if followers is None:
        return "-"
    if followers >= 1_000_000:
        return f"{followers / 1_000_000:.1f}M"
    if followers >= 10_000:
        return f"{followers / 1_000:.0f}k"
    return str(followers)


def _row(item: FoundItem) -> list[str]:
    sentiment = (
        "-"
        if item.sentiment is None
        else f"{item.sentiment[:3]} {item.sentiment_score or 0.0:+.2f}"
    )
    text = item.text if not item.title or item.title in item.text else f"{item.title}. {item.text}"
    return [
        local_time(item.published_at),
        sentiment,
        terminal_safe(item.author, 24) or "-",
        _audience(item.followers),
        str(item.engagement),
        terminal_safe(text, 70),
        terminal_safe(item.url) or "-",
    ]


def _print(result: LookupResult) -> None:
    headers = ("TIME", "SENTIMENT", "AUTHOR", "AUDIENCE", "ENGAGEMENT", "TEXT", "LINK")
    for group in result.groups:
        title = f"{terminal_safe(group.source)} ({group.platform})"
        if group.error is not None:
            print(f"\n== {title}: error: {terminal_safe(group.error)}")
            continue
        found = plural(len(group.items), "result")
        extra = f", {group.duplicates} shown above" if group.duplicates else ""
        print(f"\n== {title}: {found}{extra}, query {terminal_safe(group.query)}")
        if group.items:
            print_table(headers, [_row(item) for item in group.items])
    print(
        f"\n{plural(result.total, 'result')} from "
        f"{plural(len(result.groups) - len(result.failed), 'source')}"
        + (f", {len(result.failed)} failed" if result.failed else "")
    )
    if result.sentiment_model:
        print(f"sentiment: {terminal_safe(result.sentiment_model)}")
    elif result.sentiment_note:
        print(f"sentiment: {terminal_safe(result.sentiment_note)}")
