"""Exceptions Warden raises to operators: each carries a message meant to be read, not a trace."""

from __future__ import annotations


class WardenError(Exception):
    """Base class of errors that are shown to the operator as a plain message."""


class ConfigError(WardenError):
    """config.yaml (or a rule file) is invalid; `problems` holds one `file:line: message` each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class ModelLoadError(WardenError):
    """The sentiment model could not be loaded; the message says how to fix it."""


class SourceError(WardenError):
    """A source could not be polled (network, HTTP status, unparsable payload)."""
