"""The durable outbox: every push is a row first, then claimed, sent and marked by a worker.

With several processes on one PostgreSQL database, claims use FOR UPDATE SKIP LOCKED so each
row goes to one worker; a claim older than the timeout (its worker died) is taken over.
SQLite serialises writers (BEGIN IMMEDIATE), which gives the same guarantee in one process.
"""

from __future__ import annotations

import logging
import random
import threading
import time as _time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import (
    Delivery,
    RetryLater,
    Sender,
    Undeliverable,
    message_from_dict,
    message_to_dict,
)
from bot.outcome import Message
from bot.people import Address
from storage.models import OutboxItem

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class OutboxPolicy:
    max_attempts: int = 8
    base_backoff: float = 2.0
    max_backoff: float = 300.0
    claim_timeout: float = 120.0
    batch_size: int = 50

    def backoff(self, attempts: int) -> float:
        # exponential with jitter, so many failed rows don't come back in one burst
        raw = min(self.max_backoff, self.base_backoff * 2 ** max(attempts - 1, 0))
        return raw * random.uniform(0.8, 1.2)


def enqueue(
    session: Session,
    *,
    tenant_id: int,
    dedup_key: str,
    to: Address,
    message: Message,
    now: datetime,
    target_kind: str = "person",
    meta: dict[str, str] | None = None,
) -> bool:
    """Add a push unless one with this key exists; True when it was added."""
    values = {
        "tenant_id": tenant_id,
        "dedup_key": dedup_key[:200],
        "platform": to.platform,
        "target_kind": target_kind,
        "target_id": to.user_id,
        "target_name": to.name,
        "payload": {**message_to_dict(message), "meta": meta or {}},
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(OutboxItem)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant_id", "dedup_key"])
        .returning(OutboxItem.id)  # rowcount is -1 here with psycopg 3: ask for the row instead
    )
    return session.execute(stmt).scalar() is not None


def claim(
    sessions: sessionmaker[Session],
    *,
    worker: str,
    platforms: list[str],
    now: datetime,
    policy: OutboxPolicy,
) -> list[Delivery]:
    """Take up to a batch of due rows for these platforms, including abandoned claims."""
    stale = now - timedelta(seconds=policy.claim_timeout)
    with sessions.begin() as s:
        ids = list(
            s.scalars(
                select(OutboxItem.id)
                .where(
                    OutboxItem.platform.in_(platforms),
                    or_(
                        and_(OutboxItem.status == "pending", OutboxItem.next_attempt_at <= now),
                        and_(OutboxItem.status == "claimed", OutboxItem.claimed_at < stale),
                    ),
                )
                .order_by(OutboxItem.next_attempt_at, OutboxItem.id)
                .limit(policy.batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        if not ids:
            return []
        s.execute(
            update(OutboxItem)
            .where(OutboxItem.id.in_(ids))
            .values(
                status="claimed",
                claimed_by=worker,
                claimed_at=now,
                attempts=OutboxItem.attempts + 1,
            )
        )
        rows = s.scalars(select(OutboxItem).where(OutboxItem.id.in_(ids)).order_by(OutboxItem.id))
        return [
            Delivery(
                id=r.id,
                tenant_id=r.tenant_id,
                dedup_key=r.dedup_key,
                platform=r.platform,
                target_kind=r.target_kind,
                target_id=r.target_id,
                target_name=r.target_name or r.target_id,
                message=message_from_dict(r.payload),
                meta=r.payload.get("meta") or {},
            )
            for r in rows
        ]


def _mine(worker: str, item_id: int):  # type: ignore[no-untyped-def]
    # a row we no longer hold (taken over after a timeout) is not ours to mark
    return and_(
        OutboxItem.id == item_id, OutboxItem.claimed_by == worker, OutboxItem.status == "claimed"
    )


def mark_sent(
    sessions: sessionmaker[Session], worker: str, item_id: int, message_id: str, now: datetime
) -> None:
    with sessions.begin() as s:
        s.execute(
            update(OutboxItem)
            .where(_mine(worker, item_id))
            .values(
                status="sent", sent_at=now, platform_message_id=message_id[:200], last_error=None
            )
        )


def mark_failed(
    sessions: sessionmaker[Session],
    worker: str,
    item_id: int,
    reason: str,
    *,
    now: datetime,
    policy: OutboxPolicy,
    after: float | None,
    final: bool,
) -> bool:
    """Back to pending with a backoff, or dead when final or out of attempts. True if dead."""
    with sessions.begin() as s:
        item = s.scalar(select(OutboxItem).where(_mine(worker, item_id)))
        if item is None:
            return False
        item.last_error = reason[:2000]
        item.claimed_by, item.claimed_at = None, None
        if final or item.attempts >= policy.max_attempts:
            item.status = "dead"
            return True
        wait = max(after or 0.0, policy.backoff(item.attempts))
        item.status, item.next_attempt_at = "pending", now + timedelta(seconds=wait)
        return False


def defer(sessions: sessionmaker[Session], worker: str, item_id: int, until: datetime) -> None:
    """Not sent yet, not failed either: back in the queue until `until` (pacing)."""
    with sessions.begin() as s:
        s.execute(
            update(OutboxItem)
            .where(_mine(worker, item_id))
            .values(
                status="pending",
                claimed_by=None,
                claimed_at=None,
                next_attempt_at=until,
                attempts=OutboxItem.attempts - 1,
            )
        )


def release(sessions: sessionmaker[Session], worker: str) -> int:
    """Give back every row this worker still holds (clean shutdown)."""
    with sessions.begin() as s:
        result = s.execute(
            update(OutboxItem)
            .where(OutboxItem.claimed_by == worker, OutboxItem.status == "claimed")
            .values(
                status="pending", claimed_by=None, claimed_at=None, attempts=OutboxItem.attempts - 1
            )
        )
        return result.rowcount or 0


@dataclass(kw_only=True)
class DrainReport:
    sent: int = 0
    retried: int = 0
    deferred: int = 0
    dead: list[tuple[Delivery, str]] | None = None


class Worker:
    """Claims and sends; one per process. `clock` gives the time (a tick's time in tests)."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        senders: Mapping[str, Sender],
        name: str,
        policy: OutboxPolicy | None = None,
        clock: Callable[[], datetime],
        on_dead: Callable[[Delivery, str], None] | None = None,
        on_result: Callable[[str, str], None] | None = None,
    ) -> None:
        self.sessions = sessions
        self.senders = dict(senders)
        self.name = name
        self.policy = policy or OutboxPolicy()
        self.clock = clock
        self.on_dead = on_dead
        self.on_result = on_result or (lambda platform, result: None)
        self.stopping = threading.Event()
        self._last_sent: dict[tuple[str, str], float] = {}

    def drain(self, *, max_batches: int = 1000) -> DrainReport:
        """Send what is due now, batch after batch, until nothing is left or we are stopping."""
        report = DrainReport(dead=[])
        for _ in range(max_batches):
            if self.stopping.is_set():
                break
            batch = claim(
                self.sessions,
                worker=self.name,
                platforms=list(self.senders),
                now=self.clock(),
                policy=self.policy,
            )
            if not batch:
                break
            for delivery in batch:
                if self.stopping.is_set():
                    break  # unsent claims are released by stop()
                self._send(delivery, report)
        return report

    def _send(self, delivery: Delivery, report: DrainReport) -> None:
        sender = self.senders[delivery.platform]
        if not self._paced(sender, delivery):
            report.deferred += 1
            return
        try:
            message_id = sender.send(delivery)
        except RetryLater as e:
            self._failed(delivery, e.reason, e.after, False, report)
        except Undeliverable as e:
            self._failed(delivery, e.reason, None, True, report)
        except Exception as e:  # a bug or an unexpected client error: retry, then dead-letter
            logger.exception("sending outbox row %s failed", delivery.id)
            self._failed(delivery, f"{e.__class__.__name__}: {e}", None, False, report)
        else:
            mark_sent(self.sessions, self.name, delivery.id, message_id or "", self.clock())
            report.sent += 1
            self.on_result(delivery.platform, "sent")

    def _failed(
        self, delivery: Delivery, reason: str, after: float | None, final: bool, report: DrainReport
    ) -> None:
        dead = mark_failed(
            self.sessions,
            self.name,
            delivery.id,
            reason,
            now=self.clock(),
            policy=self.policy,
            after=after,
            final=final,
        )
        logger.warning(
            "outbox row %s to %s failed (%s)%s",
            delivery.id,
            delivery.platform,
            reason,
            ", dead-lettered" if dead else "",
        )
        self.on_result(delivery.platform, "dead" if dead else "retry")
        if dead:
            assert report.dead is not None
            report.dead.append((delivery, reason))
            if self.on_dead is not None:
                self.on_dead(delivery, reason)
        else:
            report.retried += 1

    def _paced(self, sender: Sender, delivery: Delivery) -> bool:
        """Within the platform's pace for this conversation? If not, the row goes back to wait
        its turn and the worker moves on: one busy channel never holds up the others."""
        key = sender.pace_key(delivery) if hasattr(sender, "pace_key") else delivery.target_id
        if key is None or sender.min_interval <= 0:
            return True
        now = _time.monotonic()
        wait = self._last_sent.get((delivery.platform, key), 0.0) + sender.min_interval - now
        if wait > 0:
            defer(self.sessions, self.name, delivery.id, self.clock() + timedelta(seconds=wait))
            return False
        self._last_sent[(delivery.platform, key)] = now
        return True

    def stop(self) -> int:
        self.stopping.set()
        return release(self.sessions, self.name)
