"""systemd's service protocol without libsystemd: sd_notify datagrams and the watchdog interval.

`notify("READY=1")` sends one datagram to $NOTIFY_SOCKET (a path, or `@name` for the abstract
namespace); outside systemd (no NOTIFY_SOCKET) it does nothing. `watchdog_interval()` reads
$WATCHDOG_USEC (and $WATCHDOG_PID, which must be this process) as the unit's WatchdogSec=.
See sd_notify(3) and sd_watchdog_enabled(3).
"""

from __future__ import annotations

import os
import socket
import time
from datetime import timedelta


def notify(*fields: str) -> bool:
    """Send `fields` (`"READY=1"`, `"STATUS=..."`) as one message; True when it was sent.

    Never raises: a missing or unreachable socket means systemd is not listening.
    """
    address = os.environ.get("NOTIFY_SOCKET")
    if not address or not fields:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    message = "\n".join(fields).encode()
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message)
    except OSError:
        return False
    return True


def monotonic_usec() -> str:
    """`MONOTONIC_USEC=...` for RELOADING=1 (CLOCK_MONOTONIC in microseconds, as systemd wants)."""
    return f"MONOTONIC_USEC={time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000}"


def status_line(text: str) -> str:
    """`STATUS=...` on one line (systemctl status shows it)."""
    return "STATUS=" + " ".join(text.split())[:200]


def watchdog_interval() -> timedelta | None:
    """The unit's WatchdogSec= when it applies to this process, else None."""
    usec = os.environ.get("WATCHDOG_USEC", "")
    pid = os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid.isdigit() and int(pid) != os.getpid():
        return None
    return timedelta(microseconds=int(usec))
