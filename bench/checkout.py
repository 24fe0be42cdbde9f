"""The environment that makes a benchmark's subprocess run this checkout's ``warden``.

A benchmark that starts ``warden`` (the console script, or ``python -m warden`` from another
folder) would otherwise import the package the virtualenv was installed from, which need
not be the checkout being measured (a second working tree, an unpushed branch).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The checkout holding this file: the folder with ``warden/`` and ``bench/``."""


def checkout_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with :data:`ROOT` first on
    ``PYTHONPATH``, keeping whatever the path already held after it."""
    env = dict(os.environ if base is None else base)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + path if path else "")
    return env
