"""Exceptions Warden raises to operators: each carries a message meant to be read, not a trace."""

from __future__ import annotations

EXIT_OK = 0
EXIT_FAILURE = 1
"""Something outside the configuration failed (database unreachable, model missing, port taken)."""
EXIT_SOFTWARE = 70
"""A crash: an unexpected exception (sysexits EX_SOFTWARE); a bug to report."""
EXIT_CONFIG = 78
"""config.yaml or a rule file is invalid, or the database path is unwritable (sysexits
EX_CONFIG; systemd shows it as CONFIG). Restarting cannot help: the unit's
RestartPreventExitStatus= names it."""


class WardenError(Exception):
    """Base class of errors that are shown to the operator as a plain message."""


class ConfigError(WardenError):
    """config.yaml (or a rule file) is invalid; `problems` holds one `file:line: message` each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class StorageError(ConfigError):
    """The database cannot be written where config.yaml puts it (read-only or missing folder)."""

    def __init__(self, problem: str) -> None:
        super().__init__([problem])


class ModelLoadError(WardenError):
    """The sentiment model could not be loaded; the message says how to fix it."""


class SourceError(WardenError):
    """A source could not be polled (network, HTTP status, unparsable payload)."""
