"""`warden run` as a process: load the config, start the daemon, block until a signal, stop
cleanly, and map every outcome to its exit status and its log event (or, at a terminal, the
`file:line: path: message` lines `warden check` prints)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from warden.config import load_config
from warden.daemon import Daemon
from warden.errors import (
    EXIT_CONFIG,
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_SOFTWARE,
    ConfigError,
    WardenError,
)
from warden.log import configure_logging, get_logger, set_console_zone, use_json
from warden.yamlfile import read_yaml

log = get_logger("warden.daemon")  # the daemon's events keep their logger name


def _declared_log_format(config_path: Path) -> Literal["auto", "json", "console"]:
    """logging.format as written in the file, read before (and whether or not) it validates."""
    try:
        data = read_yaml(config_path).data
    except ConfigError:
        return "auto"
    section = data.get("logging") if isinstance(data, dict) else None
    fmt = section.get("format") if isinstance(section, dict) else None
    if fmt == "json":
        return "json"
    if fmt == "console":
        return "console"
    return "auto"


def run_daemon(config_path: Path) -> int:
    """`warden run`: load config, start, block until a signal, stop cleanly; the exit status.

    Every outcome is a log event (JSON under systemd): config.invalid (78; printed as
    ``file:line: path: message`` lines instead on a terminal or with logging.format console),
    daemon.failed (1),
    daemon.crashed (70, with the traceback as one JSON field).
    """
    configure_logging("info", "auto", capture_process=True)
    daemon: Daemon | None = None
    fmt = _declared_log_format(config_path)
    try:
        config = load_config(config_path)
        fmt = config.logging.format
        set_console_zone(config.timezone)
        configure_logging(config.logging.level, config.logging.format, capture_process=True)
        daemon = Daemon(config, config_path=config_path)
        daemon.install_signal_handlers()
        daemon.start()
    except ConfigError as exc:
        if use_json(fmt):
            log.error("config.invalid", file=str(config_path), problems=exc.problems)
        else:  # a person at a terminal, or format: console: the lines `warden check` prints
            print("\n".join(exc.problems), file=sys.stderr, flush=True)
        _abandon(daemon)
        return EXIT_CONFIG
    except WardenError as exc:
        log.error("daemon.failed", error=str(exc))
        _abandon(daemon)
        return EXIT_FAILURE
    except Exception as exc:
        log.critical("daemon.crashed", error=f"{type(exc).__name__}: {exc}", exc_info=True)
        _abandon(daemon)
        return EXIT_SOFTWARE
    try:
        daemon.wait()
    finally:
        daemon.stop()
    return EXIT_OK


def _abandon(daemon: Daemon | None) -> None:
    """Release what a daemon that failed to start holds (threads, listener, connections)."""
    if daemon is None:
        return
    daemon.stop_event.set()
    if daemon.web is not None:
        daemon.web.stop()
    if daemon.scheduler.running:
        daemon.scheduler.shutdown(wait=False)
    daemon.dispatcher.close(wait_for_senders=False)
    daemon.http.close()
    daemon.db.dispose()
    if daemon.sole is not None:
        daemon.sole.release()
