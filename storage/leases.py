"""Leases: one holder at a time for a named thing, across processes and instances. A holder
renews before `expires_at`; a holder that died stops renewing, and the next asker takes over."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.transit import Lease


def hold(
    sessions: sessionmaker[Session], name: str, holder: str, *, ttl: float, now: datetime
) -> bool:
    """Take or renew the lease; True while `holder` has it."""
    try:
        with sessions.begin() as s:
            row = s.get(Lease, name, with_for_update=True)
            until = now + timedelta(seconds=ttl)
            if row is None:
                s.add(Lease(name=name, holder=holder, expires_at=until))
                return True
            if row.holder == holder or row.expires_at <= now:
                row.holder, row.expires_at = holder, until
                return True
            return False
    except IntegrityError:  # another process took it first, at the same moment
        return False


def release(sessions: sessionmaker[Session], name: str, holder: str) -> None:
    """Give it up at once (a clean stop), so a standby need not wait for it to expire."""
    with sessions.begin() as s:
        row = s.get(Lease, name, with_for_update=True)
        if row is not None and row.holder == holder:
            s.delete(row)


def prune(sessions: sessionmaker[Session], prefix: str, *, before: datetime) -> int:
    """Delete the leases named `prefix…` that expired before `before` (holders long gone)."""
    with sessions.begin() as s:
        result = s.execute(
            delete(Lease).where(Lease.name.startswith(prefix), Lease.expires_at < before)
        )
        return result.rowcount or 0
