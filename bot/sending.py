"""The outbox's worker: claims due pushes (bot/outbox.py) and sends them through the
platforms' senders.

A worker sends only while its lease surely lasts (bot/leases.py), so no send is ever repeated by
another instance however long it takes. Different conversations are sent concurrently
(`OutboxPolicy.concurrency`), the messages of one conversation in order; a message that fails
goes back to wait its backoff and holds up nothing. Pacing (a platform's messages per
conversation per second) is shared by every instance through the database (storage/paces.py).
"""

from __future__ import annotations

import logging
import threading
import time as _time
from collections.abc import Callable, Mapping
from concurrent import futures
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot import failures
from bot.delivery import Delivery, RetryLater, Sender, Undeliverable, adapt
from bot.leases import WorkerLease
from bot.outbox import OutboxPolicy, claim, defer, mark_failed, mark_sent, release
from storage import files, paces

logger = logging.getLogger(__name__)

ORPHAN_CHECK_SECONDS = 60.0  # rows for unconfigured platforms are looked for this often


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
        timing: Callable[[str, str, float], None] | None = None,
    ) -> None:
        """`timing("answer", platform, seconds)`: a reply sent, that long after it was asked.
        `orphans`: this worker has every sender the deployment has (serve, tick), so a row
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
        self.timing = timing or (lambda kind, platform, seconds: None)
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
        sending = [
            self._pool.submit(self._send_in_order, rows, report) for rows in conversations.values()
        ]
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
                logger.warning(
                    "outbox: worker lease not renewed in time; %d rows given back", len(rows) - n
                )
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
        if delivery.message.page and not sender.capabilities.page:
            mark_sent(self.sessions, self.name, delivery.id, "", self.clock())  # nowhere to show
            return 0.0
        try:
            message_id = sender.send(self._with_file(delivery))
        except RetryLater as e:
            self._failed(delivery, e.reason, e.after, False, report)
        except Undeliverable as e:
            self._failed(delivery, e.reason, None, True, report)
        except Exception as e:  # noqa: BLE001 - a bug, an unexpected client error: retry, then dead
            reason = failures.log(
                logger,
                e,
                "sending outbox row %s failed",
                delivery.id,
                extra={"outbox_row": delivery.id, "platform": delivery.platform},
            )
            self._failed(delivery, reason, None, False, report)
        else:
            mark_sent(self.sessions, self.name, delivery.id, message_id or "", self.clock())
            with report.lock:
                report.sent += 1
            self.on_result(delivery.platform, "sent")
            if delivery.reply is not None and delivery.queued_at is not None:
                asked = (self.wall() - delivery.queued_at).total_seconds()
                self.timing("answer", delivery.platform, asked)
        return 0.0

    def _with_file(self, delivery: Delivery) -> Delivery:
        """The delivery with its stored file's bytes, when its attachment is one (read here, at
        the send, so a row waiting its turn never holds them in memory). A file that is gone
        (pruned) is Undeliverable: it will never come back."""
        attachment = delivery.message.attachment
        if attachment is None or attachment.file_id is None:
            return delivery
        with self.sessions() as s:
            data = files.read(s, attachment.file_id)
        if data is None:
            raise Undeliverable(
                f"the attachment's stored file {attachment.file_id} is gone from the store: "
                "it was pruned before it could be sent"
            )
        return replace(delivery, data=data)

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
            extra={
                "event": "outbox dead" if dead else "outbox retry",
                "outbox_row": delivery.id,
                "platform": delivery.platform,
                "tenant": delivery.tenant_id,
            },
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
        return paces.take_turn(
            self.sessions,
            f"{delivery.platform}:{key}",
            interval=sender.min_interval,
            now=self.wall(),
        )

    def stop(self) -> int:
        self.stopping.set()
        if self._pool is not None:
            self._pool.shutdown(wait=True)  # the sends in flight finish
        released = release(self.sessions, self.name)
        if self._own_lease:
            self.lease.end()
        return released
