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
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from enum import Enum
from typing import Any

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
    verdict comes within milliseconds. So "not saved" is never said of a row that is saved.

    An HTTP route waits on an asyncio future of its loop (the writer settles a whole batch
    with one wake-up of the loop); a long connection's thread waits on a threading Event."""

    WAITING, WRITING, ABANDONED, DONE = range(4)

    def __init__(self, arrival: Arrival, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.arrival = arrival
        self.state = self.WAITING
        self.lock = threading.Lock()
        self.loop = loop
        self.future: asyncio.Future[Verdict] | None = loop.create_future() if loop else None
        self.done = threading.Event()
        self.verdict = Verdict.FAILED

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
        """In the writer thread; an asyncio future is resolved by `resolve` in its loop."""
        with self.lock:
            self.state, self.verdict = self.DONE, verdict
        self.done.set()

    def resolve(self) -> None:
        if self.future is not None and not self.future.done():
            self.future.set_result(self.verdict)


def _resolve_all(items: list[_Waiting]) -> None:
    for item in items:
        item.resolve()


class Ingress:
    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        max_depth: int,
        on_saved: Callable[[], None] = lambda: None,
        writing: Any = None,  # a shared counter (multiprocessing.Value): others defer to it
        max_batch: int = 500,
    ) -> None:
        self.writing = writing
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

    def _submit(self, item: _Waiting) -> bool:
        with self._count_lock:
            if self._stop.is_set() or self.busy():
                return False
            self._in_flight += 1
        self._queue.put(item)
        return True

    def save(self, arrival: Arrival, timeout: float) -> Verdict:
        """Blocking (long connections' threads): the verdict within `timeout` seconds."""
        item = _Waiting(arrival)
        if not self._submit(item):
            return Verdict.BUSY
        if not item.done.wait(timeout) and item.abandon():
            return Verdict.FAILED
        item.done.wait()  # being written, the lock held: a moment more
        return item.verdict

    async def persist(self, arrival: Arrival, timeout: float) -> Verdict:
        """The same, awaited (HTTP routes): the event loop stays free meanwhile."""
        loop = asyncio.get_running_loop()
        item = _Waiting(arrival, loop)
        if not self._submit(item):
            return Verdict.BUSY
        assert item.future is not None

        def give_up() -> None:
            if item.abandon() and item.future is not None and not item.future.done():
                item.future.set_result(Verdict.FAILED)
            # else: being written, the lock held: its verdict comes in a moment

        timer = loop.call_later(timeout, give_up)
        try:
            return await item.future
        finally:
            timer.cancel()

    @staticmethod
    def _wake_loops(batch: list[_Waiting]) -> None:
        """One call into each waiting event loop per batch, not one per delivery."""
        by_loop: dict[asyncio.AbstractEventLoop, list[_Waiting]] = {}
        for w in batch:
            if w.loop is not None and w.state == _Waiting.DONE:
                by_loop.setdefault(w.loop, []).append(w)
        for loop, items in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
                loop.call_soon_threadsafe(_resolve_all, items)

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
        if self.writing is not None:
            self.writing.value = 1
        try:
            self._write_batch(batch)
        finally:
            if self.writing is not None:
                self.writing.value = 0

    def _write_batch(self, batch: list[_Waiting]) -> None:
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
            self._wake_loops(batch)
            live = []
        for w in live:  # a repeat was skipped by the insert: stored either way
            w.settle(Verdict.SAVED)
        self._wake_loops(batch)
        with self._count_lock:
            self._in_flight -= len(batch)
            self.backlog += len(live)  # repeats overcount until the next `observe`
        if live:
            self.on_saved()
