"""The inbox's lanes, shared between the workers that drain it (bot/inbox.py gives each row its
lane, 0..LANES-1, a stable hash of its conversation).

Each such worker announces itself with a lease of its own, `lanes:<worker name>` in the lease
table, renewed with its worker lease and given up when it stops. At each claim it reads the
live announcements, sorts their names, and takes the lanes `lane % n == i`, where n is how many
live workers there are and i its own place among them: the live workers split the lanes evenly
and each lane has one owner. When a worker joins, leaves cleanly or dies (its lease lapses
within its ttl) the next claims split them again, so lanes move within seconds.

The lanes only spread the work: order does not depend on them. While workers see different
lists (one joined a moment ago), two may both hold a lane, or none may for a moment; the claim
itself still never takes a row while an earlier one of its conversation is pending or claimed
(inbox._waits_behind), so a lane changing hands never reorders a conversation, and no two
workers handle one conversation at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.inbox import LANES
from bot.leases import WorkerLease
from storage.transit import Lease

PREFIX = "lanes:"


def share(name: str, members: list[str], count: int = LANES) -> list[int]:
    """The lanes of worker `name` when `members` are the live workers (it counts itself in
    even when its own announcement has not been seen yet)."""
    everyone = sorted(set(members) | {name})
    i, n = everyone.index(name), len(everyone)
    return [lane for lane in range(count) if lane % n == i]


def live_members(session: Session, at: datetime) -> list[str]:
    return list(
        session.scalars(
            select(Lease.holder).where(Lease.name.startswith(PREFIX), Lease.expires_at > at)
        )
    )


class Lanes:
    """One worker's hold on its share of the lanes; `mine` is what inbox.claim asks. Its
    announcement is renewed and given up as a worker lease is (bot/leases.py), under its own
    name, so that one-shot runs holding only a worker lease never take a share."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        name: str,
        *,
        ttl: float = 10.0,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.announcement = WorkerLease(
            sessions, name, ttl=ttl, wall=wall, monotonic=monotonic, prefix=PREFIX
        )
        self.held: list[int] = []  # the lanes of the last claim (for logs and tests)

    def beat(self) -> None:
        """Announce (or renew) this worker as a holder of lanes."""
        self.announcement.beat()

    def ensure(self) -> None:
        """Renew unless renewed within the last third of the ttl."""
        self.announcement.ensure()

    def mine(self, session: Session, at: datetime) -> list[int]:
        """This worker's lanes now, read in the claim's own transaction."""
        self.held = share(self.name, live_members(session, at))
        return self.held

    def leave(self) -> None:
        """A clean stop: the others take these lanes at their next claim."""
        self.announcement.end()
