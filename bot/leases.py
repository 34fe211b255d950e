"""The leases of this running process (storage/leases.py holds the table): what one instance
at a time may do, named by its holder, this host and process."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from storage import leases

HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def of_process(
    sessions: sessionmaker[Session], holder: str = HOLDER
) -> tuple[Callable[[str, float], bool], Callable[[str], None]]:
    """(hold, let_go) for this process: hold(name, ttl) takes or renews, True while held."""

    def hold(name: str, ttl: float) -> bool:
        return leases.hold(sessions, name, holder, ttl=ttl, now=datetime.now(UTC))

    def let_go(name: str) -> None:
        leases.release(sessions, name, holder)

    return hold, let_go
