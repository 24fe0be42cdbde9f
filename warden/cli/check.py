"""`warden check`: validate config.yaml and every rule file; errors as `file:line: message`."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys

import apprise

from warden.cli.common import add_config_option, plural
from warden.config import Config, load_config
from warden.errors import EXIT_CONFIG, ConfigError, ModelLoadError
from warden.inline_secrets import inline_secret_warnings
from warden.notify.crosscheck import receiver_warnings
from warden.notify.local_schemas import register_local_schemas
from warden.notify.template_check import template_problems
from warden.rules.loader import load_rules
from warden.sentiment.loader import MODEL_ENV, load_scorer
from warden.sentiment.resolve import resolve_model
from warden.store.db import storage_problem
from warden.web.settings import proxy_warning
from warden.yamlfile import Loc, YamlDocument, format_loc, read_yaml

EPILOG = """\
examples:
  warden check                        config.yaml and the rules folder it names
  warden check -c /etc/warden/config.yaml
  warden check && systemctl reload warden
  warden check --load-model           also load the sentiment model (slow, thorough)
  warden check --json                 one JSON line, as the systemd unit runs it

The sentiment model is checked without loading it: a folder must hold config.json, weights
and tokenizer files; a hub id must be in the Hugging Face cache, or (when the hub may be
used: neither sentiment.offline nor HF_HUB_OFFLINE) served by the hub, which one HEAD
request checks; then a note says the first start downloads it. Its labels must map to
negative/neutral/positive. --load-model loads it as `warden run` does.

Exit status: 0 when everything is valid, 78 otherwise (each problem on its own line).
"""


def _receiver_problems(doc: YamlDocument, config: Config) -> list[str]:
    """Receiver URLs apprise cannot parse, located in config.yaml."""
    register_local_schemas()
    problems = []
    for i, receiver in enumerate(config.receivers):
        for j, url in enumerate(receiver.urls):
            if apprise.Apprise().add(url):
                continue
            loc: Loc = ("receivers", i, "urls", j)
            scheme = url.split("://", 1)[0] if "://" in url else url[:20]
            problems.append(
                f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}: apprise does not "
                f"understand this URL (scheme {scheme!r}; see its wiki for the URL forms)"
            )
    return problems


def _group_by_warnings(doc: YamlDocument, config: Config, known: set[str]) -> list[str]:
    """notifications.group_by labels that no rule's alert carries (every alert groups alone)."""
    warnings = []
    for i, name in enumerate(config.notifications.group_by):
        if name != "..." and name not in known:
            loc: Loc = ("notifications", "group_by", i)
            warnings.append(
                f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}: no rule gives alerts the "
                f"label {name!r} (they carry: {', '.join(sorted(known))})"
            )
    return warnings


def _model_problems(doc: YamlDocument, config: Config, load: bool) -> list[str]:
    """Whether the configured sentiment model would load, located in config.yaml."""
    resolution = resolve_model(config.sentiment)
    if resolution.from_env:
        where = f"{MODEL_ENV}={resolution.model}"
    else:
        loc: Loc = ("sentiment", "model")
        where = f"{doc.path}:{doc.line_of(loc)}: {format_loc(loc)}"
    if not resolution.ok:
        return [f"{where}: {resolution.problem}"]
    if resolution.note:
        print(f"note: {where}: {resolution.note}", file=sys.stderr)
    if load:
        try:
            load_scorer(config.sentiment)
        except ModelLoadError as exc:
            return [f"{where}: {exc}"]
    return []


def run_check(args: argparse.Namespace) -> int:
    problems: list[str] = []
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_CONFIG
    doc = read_yaml(args.config)
    for warning in inline_secret_warnings(doc):
        print(f"warning: {warning}", file=sys.stderr)
    published = proxy_warning(config.web)
    if published is not None:
        print(f"warning: {args.config}: {published}", file=sys.stderr)
    problems += _receiver_problems(doc, config)
    if config.notifications.templates_dir is not None:
        problems += template_problems(config.notifications.templates_dir)
    problems += _model_problems(doc, config, args.load_model)
    storage = storage_problem(config.database_url)
    if storage is not None:
        problems.append(f"{args.config}: {storage}")
    try:
        ruleset = load_rules(config)
    except ConfigError as exc:
        problems += exc.problems
        ruleset = None
    for warning in receiver_warnings(doc, config.receivers):
        print(f"warning: {warning}", file=sys.stderr)
    if ruleset is not None:
        for warning in _group_by_warnings(doc, config, ruleset.label_names()):
            print(f"warning: {warning}", file=sys.stderr)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return EXIT_CONFIG
    assert ruleset is not None
    print(
        f"{args.config}: ok ({plural(len(config.sources), 'source')}, "
        f"{plural(len(config.receivers), 'receiver')}, "
        f"{plural(len(config.entities), 'entity', 'entities')}); "
        f"{plural(len(ruleset), 'rule')} in {plural(len(ruleset.files), 'file')}: ok"
    )
    return 0


def run_check_json(args: argparse.Namespace) -> int:
    """`warden check --json`: the same checks, reported as one JSON line (for the journal)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = run_check(args)
        except ConfigError as exc:  # raised past run_check (an unreadable file)
            print("\n".join(exc.problems), file=sys.stderr)
            code = EXIT_CONFIG
    said = err.getvalue().splitlines()
    report = {
        "event": "check.ok" if code == 0 else "check.failed",
        "level": "info" if code == 0 else "error",
        "config": str(args.config),
        "summary": out.getvalue().strip() or None,
        "problems": [line for line in said if not line.startswith("warning: ")],
        "warnings": [
            line.removeprefix("warning: ") for line in said if line.startswith("warning: ")
        ],
    }
    print(json.dumps(report, ensure_ascii=False))
    return code


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check",
        help="validate config.yaml and the rule files",
        description="Validate config.yaml and every rule file without starting anything.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_option(parser)
    parser.add_argument(
        "--load-model",
        action="store_true",
        help="load the sentiment model too, as `warden run` does (seconds to minutes); by "
        "default its files are only located and its config read",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="one JSON line (event check.ok or check.failed, problems, warnings): what the "
        "systemd unit's ExecStartPre= uses, so the journal holds JSON only",
    )
    parser.set_defaults(func=lambda args: run_check_json(args) if args.json else run_check(args))
