"""The durable outbox: every push is a row first, then claimed, sent and marked by a worker.

With several processes on one PostgreSQL database, claims use FOR UPDATE SKIP LOCKED so each
row goes to one worker. A claim is its worker's while the worker's lease lives (bot/leases.py),
and the worker sends only while its lease surely lasts, so no send is ever repeated by another
instance however long it takes; a dead worker's claims are taken over once its lease lapses.
SQLite serialises writers (BEGIN IMMEDIATE), which gives the same guarantee in one process.

Different conversations are sent concurrently (`OutboxPolicy.concurrency`), the messages of one
conversation in order; a message that fails goes back to wait its backoff and holds up nothing.
Pacing (a platform's messages per conversation per second) is shared by every instance through
the database (storage/paces.py).
"""

from __future__ import annotations

import logging
import random
import threading
import time as _time
from collections.abc import Callable, Mapping
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, or_, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from bot import failures
from bot.delivery import (
    Delivery,
    RetryLater,
    Sender,
    TargetKind,
    Undeliverable,
    adapt,
    conversation,
    message_from_dict,
    message_to_dict,
)
from bot.events import ReplyHandle
from bot.leases import WorkerLease
from bot.outcome import Message
from bot.people import Address
from storage import paces, queue
from storage.models import OutboxItem

logger = logging.getLogger(__name__)

ORPHAN_CHECK_SECONDS = 60.0  # rows for unconfigured platforms are looked for this often


@dataclass(frozen=True, kw_only=True)
class OutboxPolicy:
    max_attempts: int = 8
    base_backoff: float = 2.0
    max_backoff: float = 300.0
    batch_size: int = 50
    concurrency: int = 1  # conversations sent at once (serve: [outbox] concurrency)

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
    kind: TargetKind = TargetKind.PERSON,
    reply: ReplyHandle | None = None,
    clicked: tuple[str, str] | None = None,  # a card update: who pressed, when (ISO)
) -> bool:
    """Add a push unless one with this key exists; True when it was added."""
    payload = message_to_dict(message)
    if reply is not None:
        payload["reply"] = reply.to_dict()
    if clicked is not None:
        payload["clicked"] = list(clicked)
    values = {
        "tenant_id": tenant_id,
        "dedup_key": dedup_key[:200],
        "platform": to.platform,
        "target_kind": kind.value,
        "target_id": to.user_id[:200],
        "target_name": to.name[:200],
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "conversation": conversation(to.platform, to.user_id, reply),
    }
    stmt = (
        queue.insert_new(session, OutboxItem, ["tenant_id", "dedup_key"])
        .values(**values)
        .returning(OutboxItem.id)  # rowcount is -1 here with psycopg 3: ask for the row instead
    )
    return session.execute(stmt).scalar() is not None


def _delivery(row: OutboxItem) -> Delivery:
    clicked = row.payload.get("clicked") or ["", ""]
    return Delivery(
        id=row.id,
        tenant_id=row.tenant_id,
        dedup_key=row.dedup_key,
        platform=row.platform,
        kind=TargetKind(row.target_kind),
        target_id=row.target_id,
        target_name=row.target_name or row.target_id,
        message=message_from_dict(row.payload),
        reply=ReplyHandle.from_dict(row.payload.get("reply")),
        clicked_by=clicked[0],
        clicked_at=clicked[1],
        attempts=row.attempts,
        queued_at=row.created_at,
    )


def _waits_behind(worker: str, now: datetime) -> ColumnElement[bool]:
    """A push waits while an earlier push to its conversation is due or in another worker's
    hands: each conversation's pushes go out in order across instances, one at a time. One
    that failed and waits its backoff, or is dead, holds nothing up."""
    earlier = aliased(OutboxItem)
    return exists().where(
        earlier.conversation == OutboxItem.conversation,
        earlier.id < OutboxItem.id,
        or_(
            and_(earlier.status == "pending", earlier.next_attempt_at <= now),
            and_(earlier.status == "claimed", earlier.claimed_by != worker),
        ),
    )


def claim(
    sessions: sessionmaker[Session],
    *,
    worker: str,
    platforms: list[str],
    now: datetime,
    policy: OutboxPolicy,
    orphans: bool = False,
    alive_at: datetime | None = None,  # the wall clock, for workers' leases; default: now
) -> list[Delivery]:
    """Take up to a batch of due rows for these platforms (or, with `orphans`, for any other
    platform: rows no sender here can deliver), including abandoned claims."""
    where = OutboxItem.platform.not_in(platforms) if orphans else OutboxItem.platform.in_(platforms)
    with sessions.begin() as s:
        ids = queue.claim_ids(
            s,
            OutboxItem,
            worker=worker,
            now=now,
            alive_at=alive_at or now,
            limit=policy.batch_size,
            where=[where, ~_waits_behind(worker, now)],
        )
        if not ids:
            return []
        rows = s.scalars(select(OutboxItem).where(OutboxItem.id.in_(ids)).order_by(OutboxItem.id))
        deliveries = []
        for row in rows:
            try:
                deliveries.append(_delivery(row))
            except (KeyError, TypeError, ValueError) as e:  # one unreadable row stops no other
                logger.error("outbox row %s cannot be read (%s): dead", row.id,
                             e.__class__.__name__)  # fmt: skip
                row.status, row.claimed_by = "dead", None
                row.last_error = f"unreadable: {e.__class__.__name__}"
        return deliveries


def mark_sent(
    sessions: sessionmaker[Session], worker: str, item_id: int, message_id: str, now: datetime
) -> None:
    with sessions.begin() as s:
        s.execute(
            update(OutboxItem)
            .where(queue.mine(OutboxItem, worker, item_id))
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
        dead = queue.fail(
            s,
            OutboxItem,
            worker=worker,
            item_id=item_id,
            reason=reason,
            now=now,
            wait=lambda attempts: max(after or 0.0, policy.backoff(attempts)),
            max_attempts=policy.max_attempts,
            final=final,
        )
        return bool(dead)


def defer(sessions: sessionmaker[Session], worker: str, item_id: int, until: datetime) -> None:
    """Not sent yet, not failed either: back in the queue until `until` (pacing)."""
    with sessions.begin() as s:
        queue.give_back(s, OutboxItem, worker=worker, item_id=item_id, until=until)


def release(sessions: sessionmaker[Session], worker: str, item_id: int | None = None) -> int:
    """Give back every row this worker still holds (clean shutdown), or one of them."""
    with sessions.begin() as s:
        return queue.give_back(s, OutboxItem, worker=worker, item_id=item_id)


@dataclass(kw_only=True)
class DrainReport:
    sent: int = 0
    retried: int = 0
    deferred: int = 0
    dead: list[tuple[Delivery, str]] | None = None
    held: set[int] = field(default_factory=set)  # rows deferred for pacing in this round
    settled: set[int] = field(default_factory=set)  # rows sent, retried later or dead
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)


class LeaseLapsed(Exception):
    """This worker's lease may have lapsed: its claims may be another's now; send nothing."""


class Worker:
    """Claims and sends; one per process. `clock` gives the time (a tick's time in tests);
    leases and pacing go by the wall clock, which every instance shares."""

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
        orphans: bool = False,
        lease: WorkerLease | None = None,
    ) -> None:
        """`orphans`: this worker has every sender the deployment has (serve, tick), so a row
        for any other platform can never be sent: dead-letter it with the reason. `lease`: the
        process's worker lease (serve renews it from a thread); by default one of its own,
        renewed before each batch."""
        self.orphans = orphans
        self.sessions = sessions
        self.senders = dict(senders)
        self.name = name
        self.policy = policy or OutboxPolicy()
        self.clock = clock
        self.on_dead = on_dead
        self.on_result = on_result or (lambda platform, result: None)
        self._own_lease = lease is None
        self.lease = lease or WorkerLease(sessions, name)
        self.stopping = threading.Event()
        self._next_orphan_check = 0.0
        self._pool = (
            ThreadPoolExecutor(self.policy.concurrency, thread_name_prefix="send")
            if self.policy.concurrency > 1
            else None
        )

    @staticmethod
    def wall() -> datetime:
        return datetime.now(UTC)

    def drain(self, *, max_batches: int = 1000) -> DrainReport:
        """Send what is due now, batch after batch, until nothing is left or we are stopping."""
        report = DrainReport(dead=[])
        if not self.lease.ensure():
            return report  # not renewed: claim nothing until it is
        if self.orphans and _time.monotonic() >= self._next_orphan_check:
            self._next_orphan_check = _time.monotonic() + ORPHAN_CHECK_SECONDS
            self._bury_orphans(report)
        for _ in range(max_batches):
            if self.stopping.is_set() or not self.lease.ensure():
                break
            batch = claim(
                self.sessions,
                worker=self.name,
                platforms=list(self.senders),
                now=self.clock(),
                policy=self.policy,
                alive_at=self.wall(),
            )
            if not batch:
                break
            self._send_batch(batch, report)
        return report

    def _send_batch(self, batch: list[Delivery], report: DrainReport) -> None:
        """Each conversation's rows in order; the conversations side by side."""
        conversations: dict[str, list[Delivery]] = {}
        for delivery in batch:
            conversations.setdefault(delivery.conversation(), []).append(delivery)
        if self._pool is None or len(conversations) == 1:
            for rows in conversations.values():
                self._send_in_order(rows, report)
            return
        if self.stopping.is_set():
            return
        sending = [self._pool.submit(self._send_in_order, rows, report)
                   for rows in conversations.values()]  # fmt: skip
        # every send ends before the next claim, even when one conversation failed: a claim
        # takes this worker's own leftover rows, which must not be ones still being sent
        futures.wait(sending)
        for done in sending:
            done.result()

    def _send_in_order(self, rows: list[Delivery], report: DrainReport) -> None:
        for n, delivery in enumerate(rows):
            if self.stopping.is_set():
                return  # unsent claims are released by stop()
            try:
                paced = self._send(delivery, report)
            except LeaseLapsed:
                logger.warning("outbox: worker lease not renewed in time; %d rows given back",
                               len(rows) - n)  # fmt: skip
                for rest in rows[n:]:
                    release(self.sessions, self.name, rest.id)
                return
            if paced:  # the conversation's turn has not come: the rest wait behind it
                for rest in rows[n + 1 :]:
                    self._defer(rest, paced, report)
                return

    def drain_paced(self, *, max_wait: float, sleep: Callable[[float], None]) -> DrainReport:
        """Drain, then wait out the platforms' pacing and drain again, until nothing paced is
        left or `max_wait` seconds have passed (`dealbot tick`: its clock must advance)."""
        total = DrainReport(dead=[])
        waiting: set[int] = set()
        waited = 0.0
        while True:
            report = self.drain()
            total.sent += report.sent
            total.retried += report.retried
            total.dead = (total.dead or []) + (report.dead or [])
            waiting = (waiting | report.held) - report.settled
            total.deferred = len(waiting)  # still held back by pacing, not yet sent
            if not waiting or waited >= max_wait or self.stopping.is_set():
                return total
            step = min(max(s.min_interval for s in self.senders.values()), max_wait - waited)
            sleep(step)
            waited += step

    def _bury_orphans(self, report: DrainReport) -> None:
        while batch := claim(
            self.sessions,
            worker=self.name,
            platforms=list(self.senders),
            now=self.clock(),
            policy=self.policy,
            orphans=True,
            alive_at=self.wall(),
        ):
            for delivery in batch:
                reason = f"no sender for platform {delivery.platform!r}: it is not configured"
                self._failed(delivery, reason, None, True, report)

    def _send(self, delivery: Delivery, report: DrainReport) -> float:
        """Send one row; 0.0 when it was settled, else the seconds its conversation must wait
        (the row went back to wait its turn)."""
        sender = self.senders[delivery.platform]
        delivery = adapt(delivery, sender.capabilities)
        if not self.lease.safe_to_send():
            raise LeaseLapsed
        wait = self._turn(sender, delivery)
        if wait > 0:
            self._defer(delivery, wait, report)
            return wait
        with report.lock:
            report.settled.add(delivery.id)
        try:
            message_id = sender.send(delivery)
        except RetryLater as e:
            self._failed(delivery, e.reason, e.after, False, report)
        except Undeliverable as e:
            self._failed(delivery, e.reason, None, True, report)
        except Exception as e:  # noqa: BLE001 - a bug, an unexpected client error: retry, then dead
            reason = failures.log(logger, e, "sending outbox row %s failed", delivery.id)
            self._failed(delivery, reason, None, False, report)
        else:
            mark_sent(self.sessions, self.name, delivery.id, message_id or "", self.clock())
            with report.lock:
                report.sent += 1
            self.on_result(delivery.platform, "sent")
        return 0.0

    def _defer(self, delivery: Delivery, wait: float, report: DrainReport) -> None:
        defer(self.sessions, self.name, delivery.id, self.clock() + timedelta(seconds=wait))
        with report.lock:
            report.deferred += 1
            report.held.add(delivery.id)

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
            with report.lock:
                report.dead.append((delivery, reason))
            if self.on_dead is not None:
                self.on_dead(delivery, reason)
        else:
            with report.lock:
                report.retried += 1

    def _turn(self, sender: Sender, delivery: Delivery) -> float:
        """Within the platform's pace for this conversation, across every instance? 0.0 and
        the turn is taken; else the seconds to wait, and the worker moves on: one busy
        conversation never holds up the others."""
        key = sender.pace_key(delivery)
        if key is None or sender.min_interval <= 0:
            return 0.0
        return paces.take_turn(self.sessions, f"{delivery.platform}:{key}",
                               interval=sender.min_interval, now=self.wall())  # fmt: skip

    def stop(self) -> int:
        self.stopping.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True)  # the sends in flight finish
        released = release(self.sessions, self.name)
        if self._own_lease:
            self.lease.end()
        return released
