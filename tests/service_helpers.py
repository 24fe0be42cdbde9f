"""`warden run` as a subprocess whose output is a pipe: every line is collected as it comes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class WardenProcess:
    """A running `python -m warden run -c CONFIG`; stdout and stderr both go to one pipe."""

    def __init__(self, config: Path, env: dict[str, str] | None = None) -> None:
        full_env = dict(os.environ)
        full_env.pop("WARDEN_SENTIMENT_MODEL", None)
        full_env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", PYTHONUNBUFFERED="1")
        full_env.update(env or {})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "warden", "run", "-c", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=full_env,
            cwd=config.parent,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def events(self) -> list[dict[str, Any]]:
        """Every line parsed as JSON (fails on the first line that is not one JSON object)."""
        out = []
        for n, line in enumerate(list(self.lines)):
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                raise AssertionError(f"line {n + 1} is not JSON: {line!r}") from None
            assert isinstance(event, dict), line
            out.append(event)
        return out

    def wait_for(
        self, name: str, timeout: float = 60, after: int = 0, **fields: Any
    ) -> dict[str, Any]:
        """The first event `name` (with `fields`) logged after the first `after` lines."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for line in self.lines[after:]:
                if f'"{name}"' not in line:
                    continue
                event = json.loads(line)
                if event.get("event") == name and all(event.get(k) == v for k, v in fields.items()):
                    return dict(event)
            if self.proc.poll() is not None and not self._reader.is_alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"no {name} {fields} logged; output:\n" + "\n".join(self.lines[-40:]))

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def stop(self, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._reader.join(timeout=5)
        return code


def until(check: Callable[[], bool], timeout: float = 60) -> None:
    """Wait until `check()` is true (an exception counts as not yet: the database may be
    down), polling every 0.2 s; AssertionError naming the check after `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {check.__name__}")
