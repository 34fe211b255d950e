"""Storing verified deliveries before the answer, many at a time.

Every platform edge (HTTP route or long connection) hands its verified delivery to `Ingress`
and waits for the verdict: SAVED or REPEAT (already stored) → acknowledge; BUSY or FAILED →
answer so that the platform retries, or the person tries again. One writer thread commits all
deliveries waiting at that moment in one transaction (group commit): under load, one fsync and
one turn on SQLite's write lock serve dozens of requests, and the event loop never blocks on
the database.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable
from enum import Enum

from sqlalchemy.orm import Session, sessionmaker

from bot import inbox
from bot.inbox import Arrival

logger = logging.getLogger(__name__)

LATE_GRACE = 0.5  # seconds a delivery already being written may take past the edge's timeout


class Verdict(Enum):
    SAVED = "saved"
    REPEAT = "repeat"  # the same delivery was stored before: acknowledge, change nothing
    BUSY = "busy"  # the backlog is past its limit: come back later
    FAILED = "failed"  # the store did not take it in time: nothing was saved

    @property
    def stored(self) -> bool:
        return self in (Verdict.SAVED, Verdict.REPEAT)


class Ingress:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        max_depth: int,
        on_saved: Callable[[], None] = lambda: None,
        max_batch: int = 500,
    ) -> None:
        self.sessions = sessions
        self.max_depth = max_depth
        self.on_saved = on_saved
        self.max_batch = max_batch
        self.backlog = 0  # rows waiting in the inbox, as last counted (see `observe`)
        self._queue: queue.Queue[tuple[Arrival, concurrent.futures.Future[Verdict]]] = (
            queue.Queue()
        )
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def observe(self, backlog: int) -> None:
        """The inbox's depth, counted by whoever counts it (the intake loop)."""
        self.backlog = backlog

    def busy(self) -> bool:
        return self.backlog + self._queue.qsize() >= self.max_depth

    def start(self) -> None:
        self._thread = threading.Thread(target=self._write_loop, name="ingress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Write what is queued, then stop (the edges stopped taking requests before)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def submit(self, arrival: Arrival) -> concurrent.futures.Future[Verdict]:
        future: concurrent.futures.Future[Verdict] = concurrent.futures.Future()
        if self._stop.is_set() or self.busy():
            future.set_result(Verdict.BUSY)
        else:
            self._queue.put((arrival, future))
        return future

    def save(self, arrival: Arrival, timeout: float) -> Verdict:
        """Blocking (long connections' threads): the verdict within `timeout` seconds."""
        return self._settle(self.submit(arrival), timeout)

    async def persist(self, arrival: Arrival, timeout: float) -> Verdict:
        """The same, awaited (HTTP routes): the event loop stays free meanwhile."""
        future = self.submit(arrival)
        try:
            return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), timeout)
        except TimeoutError:
            return self._settle(future, 0)

    @staticmethod
    def _settle(future: concurrent.futures.Future[Verdict], timeout: float) -> Verdict:
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            # not written yet: withdraw it, so "not saved" stays true. If the writer already
            # took it, its transaction is under way: give it a moment more. A store locked
            # for longer than that gets FAILED: an event comes back with the same key (a
            # no-op if the late commit landed), a person is asked to send again.
            if future.cancel():
                return Verdict.FAILED
            try:
                return future.result(LATE_GRACE)
            except concurrent.futures.TimeoutError:
                return Verdict.FAILED

    def _write_loop(self) -> None:
        while not (self._stop.is_set() and self._queue.empty()):
            try:
                batch = [self._queue.get(timeout=0.1)]
            except queue.Empty:
                continue
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            live = [(a, f) for a, f in batch if f.set_running_or_notify_cancel()]
            if live:
                self._write(live)

    def _write(self, live: list[tuple[Arrival, concurrent.futures.Future[Verdict]]]) -> None:
        try:
            with self.sessions.begin() as s:
                ids = inbox.accept(s, [a for a, _ in live])
        except Exception as e:  # noqa: BLE001 - the store is down or locked: nothing saved
            logger.warning("inbox insert of %d deliveries failed: %s", len(live),
                           e.__class__.__name__)  # fmt: skip
            for _, f in live:
                f.set_result(Verdict.FAILED)
            return
        for (_, f), row_id in zip(live, ids, strict=True):
            f.set_result(Verdict.SAVED if row_id is not None else Verdict.REPEAT)
        self.backlog += sum(1 for i in ids if i is not None)
        self.on_saved()
