"""Leases of the core's workers (storage/leases.py holds the table): one holder at a time for
a named thing, and each worker's own lease, which keeps its claims its own while it lives. Who
the holder is (this host and process, a worker's unique name) is the running process's to say:
the wiring names it and hands it in."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from storage import leases


def holding(
    sessions: sessionmaker[Session], holder: str
) -> tuple[Callable[[str, float], bool], Callable[[str], None]]:
    """(hold, let_go) for `holder`: hold(name, ttl) takes or renews, True while held."""

    def hold(name: str, ttl: float) -> bool:
        return leases.hold(sessions, name, holder, ttl=ttl, now=datetime.now(UTC))

    def let_go(name: str) -> None:
        leases.release(sessions, name, holder)

    return hold, let_go


class WorkerLease:
    """A worker's announcement that it is alive: its claims (inbox and outbox rows) are its own
    while this lease lasts, however long a send takes, and free for the others within `ttl`
    seconds once it stops renewing (it died). `serve` renews it every ttl/3 from a thread of its
    own; one-shot runs (tick, console) renew it before each batch (`ensure`).

    The worker itself asks `remaining()` before each send: a lease it could not renew in time
    (the store unreachable) may have lapsed, and its rows may already be another's."""

    PRUNE_AFTER = timedelta(hours=1)  # a dead worker's expired lease is deleted after this

    def __init__(
        self,
        sessions: sessionmaker[Session],
        name: str,
        *,
        ttl: float = 10.0,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        prefix: str = "worker:",  # of the lease's name; bot/lanes.py announces with "lanes:"
    ) -> None:
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.sessions, self.name, self.ttl, self.wall = sessions, name, ttl, wall
        self.monotonic, self.prefix = monotonic, prefix
        self._valid_until = 0.0  # monotonic; what this process knows of its own lease
        self._lock = threading.Lock()
        self._beats = 0

    def beat(self) -> bool:
        """Renew (or take) the lease; True once it is renewed. Raises when the store is down."""
        with self._lock:
            started = self.monotonic()  # counted from before the write: never optimistic
            held = leases.hold(
                self.sessions, self.prefix + self.name, self.name, ttl=self.ttl, now=self.wall()
            )
            if held:
                self._valid_until = started + self.ttl
            self._beats += 1
            if self._beats % 100 == 1:  # now and then, forget workers long gone
                leases.prune(self.sessions, self.prefix, before=self.wall() - self.PRUNE_AFTER)
            return held

    def ensure(self) -> bool:
        """Renew unless renewed within the last third of the lease; True when it is safe to
        send (see `safe_to_send`)."""
        if self.remaining() < self.ttl * 2 / 3:
            self.beat()
        return self.safe_to_send()

    def remaining(self) -> float:
        """Seconds this lease surely still has (0 when it may have lapsed)."""
        return max(self._valid_until - self.monotonic(), 0.0)

    def safe_to_send(self) -> bool:
        """Enough lease left that a send started now ends while the claim is surely ours, even
        if no renewal succeeds meanwhile (the store went away)."""
        return self.remaining() > self.ttl / 3

    def end(self) -> None:
        """A clean stop, after its claims were given back: nothing is left to take over."""
        with self._lock:
            self._valid_until = 0.0
            leases.release(self.sessions, self.prefix + self.name, self.name)
