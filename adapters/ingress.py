"""Storing verified deliveries before the answer, many at a time.

Every platform edge (HTTP route or long connection) hands its verified delivery to `Ingress`
and waits for the verdict: SAVED (now, or before: a retry) → acknowledge; BUSY or FAILED →
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



class Verdict(Enum):
    SAVED = "saved"  # stored now, or stored before (a platform's retry): acknowledge
    BUSY = "busy"  # the backlog is past its limit: come back later
    FAILED = "failed"  # the store did not take it in time: nothing was saved

    @property
    def stored(self) -> bool:
        return self is Verdict.SAVED


class _Waiting:
    """One delivery between the edge and the store. The edge may give up on it only while it
    is still WAITING; once the writer holds the store's write lock it is WRITING, and its
    verdict comes within milliseconds. So "not saved" is never said of a row that is saved."""

    WAITING, WRITING, ABANDONED, DONE = range(4)

    def __init__(self, arrival: Arrival) -> None:
        self.arrival = arrival
        self.state = self.WAITING
        self.lock = threading.Lock()
        self.future: concurrent.futures.Future[Verdict] = concurrent.futures.Future()

    def abandon(self) -> bool:
        with self.lock:
            if self.state == self.WAITING:
                self.state = self.ABANDONED
                return True
            return False

    def start_writing(self) -> bool:
        with self.lock:
            if self.state == self.WAITING:
                self.state = self.WRITING
                return True
            return False

    def settle(self, verdict: Verdict) -> None:
        with self.lock:
            self.state = self.DONE
        self.future.set_result(verdict)


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
        self._queue: queue.Queue[_Waiting] = queue.Queue()
        self._in_flight = 0  # submitted, not yet settled: counted against max_depth too
        self._count_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def observe(self, backlog: int) -> None:
        """The inbox's depth, counted by whoever counts it (the intake loop)."""
        self.backlog = backlog

    def busy(self) -> bool:
        return self.backlog + self._in_flight >= self.max_depth

    def start(self) -> None:
        self._thread = threading.Thread(target=self._write_loop, name="ingress", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Write what is queued, then stop (the edges stopped taking requests before)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _submit(self, arrival: Arrival) -> _Waiting | None:
        with self._count_lock:
            if self._stop.is_set() or self.busy():
                return None
            self._in_flight += 1
        item = _Waiting(arrival)
        self._queue.put(item)
        return item

    def save(self, arrival: Arrival, timeout: float) -> Verdict:
        """Blocking (long connections' threads): the verdict within `timeout` seconds."""
        item = self._submit(arrival)
        if item is None:
            return Verdict.BUSY
        try:
            return item.future.result(timeout)
        except concurrent.futures.TimeoutError:
            if item.abandon():
                return Verdict.FAILED
            return item.future.result()  # being written, the lock held: a moment more

    async def persist(self, arrival: Arrival, timeout: float) -> Verdict:
        """The same, awaited (HTTP routes): the event loop stays free meanwhile."""
        item = self._submit(arrival)
        if item is None:
            return Verdict.BUSY
        waiting = asyncio.wrap_future(item.future)
        try:
            return await asyncio.wait_for(asyncio.shield(waiting), timeout)
        except TimeoutError:
            if item.abandon():
                return Verdict.FAILED
            return await waiting  # being written, the lock held: a moment more

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
            self._write(batch)

    def _write(self, batch: list[_Waiting]) -> None:
        live: list[_Waiting] = []
        try:
            with self.sessions.begin() as s:
                s.connection()  # take the write lock first (SQLite: BEGIN IMMEDIATE) …
                live = [w for w in batch if w.start_writing()]  # … then what still waits
                inbox.accept_many(s, [w.arrival for w in live])
        except Exception as e:  # noqa: BLE001 - the store is down or locked: nothing saved
            logger.warning("inbox insert of %d deliveries failed: %s", len(batch),
                           e.__class__.__name__)  # fmt: skip
            for w in batch:
                if w in live or w.start_writing():
                    w.settle(Verdict.FAILED)
            live = []
        for w in live:  # a repeat was skipped by the insert: stored either way
            w.settle(Verdict.SAVED)
        with self._count_lock:
            self._in_flight -= len(batch)
            self.backlog += len(live)  # repeats overcount until the next `observe`
        if live:
            self.on_saved()
