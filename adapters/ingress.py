"""Storing verified deliveries before the answer, many at a time.

Every platform edge (HTTP route or long connection) hands its verified delivery to `Ingress`
and waits for the verdict: SAVED (now, or before: a retry) → acknowledge; BUSY or FAILED →
answer so that the platform retries, or the person tries again. One writer thread commits all
deliveries waiting at that moment in one transaction (group commit): under load, one fsync and
one turn on SQLite's write lock serve dozens of requests, and the event loop never blocks on
the database.

One delivery the store refuses (PostgreSQL text holds no NUL character) fails alone: when the
group insert fails on a row's data rather than on the store, the batch is inserted again row by
row, each under its own savepoint in one transaction, and only the refused row gets REFUSED
(never resent: it would be refused again); every other row is stored and SAVED.
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

from sqlalchemy.exc import DataError, IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from bot import inbox
from bot.inbox import Arrival

logger = logging.getLogger(__name__)


class Verdict(Enum):
    SAVED = "saved"  # stored now, or stored before (a platform's retry): acknowledge
    BUSY = "busy"  # the backlog is past its limit: come back later
    FAILED = "failed"  # the store did not take it in time: nothing was saved
    REFUSED = "refused"  # the store refuses this delivery itself (a NUL in an id): never saved

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


def _row_fault(e: BaseException) -> bool:
    """The store refused a row's data (PostgreSQL's DataError: a NUL in text; a string that
    cannot be encoded; a payload that is not JSON), not the store's state (down, locked,
    schema behind): only then is each row tried alone."""
    if isinstance(e, DataError | IntegrityError):
        return True
    if isinstance(e, StatementError):  # SQLAlchemy's wrapping of a parameter it could not bind
        return isinstance(e.orig, ValueError | TypeError)
    return isinstance(e, ValueError | TypeError)  # UnicodeEncodeError is a ValueError


def _refusal(arrival: Arrival, e: BaseException) -> str:
    """Why the store refused it, named without its content (ids are checked, never words)."""
    for field, value in (("workspace id", arrival.workspace), ("delivery key", arrival.key)):
        if "\x00" in value:
            return f"a NUL character in its {field}, which PostgreSQL text cannot hold"
        try:
            value.encode()
        except UnicodeEncodeError:
            return f"its {field} cannot be encoded as UTF-8 (an unpaired surrogate)"
    orig = getattr(e, "orig", None)
    return e.__class__.__name__ + (f" ({orig.__class__.__name__})" if orig is not None else "")


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
        refused: list[_Waiting] = []
        try:
            with self.sessions.begin() as s:
                s.connection()  # take the write lock first (SQLite: BEGIN IMMEDIATE) …
                live = [w for w in batch if w.start_writing()]  # … then what still waits
                inbox.accept_many(s, [w.arrival for w in live])
        except Exception as e:  # noqa: BLE001 - a row refused, or the store down or locked
            failure: Exception | None = e
            if live and _row_fault(e):
                live, refused, failure = self._write_one_by_one(live)
            if failure is not None:  # nothing saved
                logger.warning(
                    "inbox insert of %d deliveries failed: %s",
                    len(batch),
                    failure.__class__.__name__,
                )
                for w in batch:
                    if w in live or w.start_writing():
                        w.settle(Verdict.FAILED)
                self._wake_loops(batch)
                live = []
        for w in refused:
            w.settle(Verdict.REFUSED)
        for w in live:  # a repeat was skipped by the insert: stored either way
            w.settle(Verdict.SAVED)
        self._wake_loops(batch)
        with self._count_lock:
            self._in_flight -= len(batch)
            self.backlog += len(live)  # repeats overcount until the next `observe`
        if live:
            self.on_saved()

    def _write_one_by_one(
        self, live: list[_Waiting]
    ) -> tuple[list[_Waiting], list[_Waiting], Exception | None]:
        """The batch again, each row under its own savepoint, in one transaction: (stored,
        refused, None), or (the rows, [], the error) when the store itself failed — then the
        refused stay refused, and nothing else was saved."""
        stored: list[_Waiting] = []
        refused: list[tuple[_Waiting, str]] = []
        failure: Exception | None = None
        try:
            with self.sessions.begin() as s:
                for w in live:
                    try:
                        with s.begin_nested():
                            inbox.accept_many(s, [w.arrival])
                    except Exception as e:  # sorted: the row's fault, or the store's
                        if not _row_fault(e):
                            raise
                        refused.append((w, _refusal(w.arrival, e)))
                    else:
                        stored.append(w)
        except Exception as e:  # noqa: BLE001 - the store is down or locked: nothing saved
            failure = e
        outcome = (
            f"the store failed ({failure.__class__.__name__}): none of its group of "
            f"{len(live)} saved"
            if failure is not None
            else f"the other {len(stored)} of its group of {len(live)} stored"
        )
        for w, reason in refused:  # ids are checked, the words never named
            logger.warning(
                "inbox: a %s delivery refused by the store: %s; %s",
                w.arrival.platform,
                reason,
                outcome,
                extra={"platform": w.arrival.platform, "workspace": w.arrival.workspace},
            )
        if failure is not None:
            for w, _ in refused:
                w.settle(Verdict.REFUSED)
            refused_now = {id(w) for w, _ in refused}
            return [w for w in live if id(w) not in refused_now], [], failure
        return stored, [w for w, _ in refused], None
