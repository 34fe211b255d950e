"""This running process, named: the holder of what one instance at a time may do (this host
and process), and a unique name for each of its workers, under which their claims and their
worker leases (bot/leases.py) are kept."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from bot.leases import holding

HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def of_process(
    sessions: sessionmaker[Session], holder: str = HOLDER
) -> tuple[Callable[[str, float], bool], Callable[[str], None]]:
    """(hold, let_go) for this process: hold(name, ttl) takes or renews, True while held."""
    return holding(sessions, holder)


def worker_name(kind: str = "worker") -> str:
    """A name no other process, here or on another host, has ever had: a restarted process
    may get its old pid back (pid 1 in a container) and must not inherit the claims of its
    former self, which it no longer works on."""
    return f"{socket.gethostname()}:{os.getpid()}:{kind}-{uuid.uuid4().hex[:8]}"
