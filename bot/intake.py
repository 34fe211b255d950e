"""The inbox's worker: claims what the edge stored, turns it into an Event with the platform's
own parser, and hands it to the Bot, which marks the row done in its transaction.

A row that fails is retried with a backoff; one that keeps failing is dead-lettered with its
reason, and the person who sent it is told that it was not saved, with their words quoted.
Log lines name rows and reasons, never what people wrote.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from bot import failures, inbox
from bot.directory import Directory
from bot.events import Event
from bot.handler import Bot, InboxClaim, LostClaim
from bot.inbox import Claimed, InboxPolicy
from bot.lanes import Lanes
from bot.leases import WorkerLease

logger = logging.getLogger(__name__)

# a platform's half that reads its own stored deliveries: None means "nothing for the core"
# (the bot's own message, an event type we do not use); raising Malformed dead-letters the row
Parse = Callable[[Claimed], Event | None]


class _InOrder:
    """A batch may hold several rows of one conversation: once one of them fails, the rows
    after it are not handled now (`held`, to be given back uncounted), to come after it."""

    def __init__(self) -> None:
        self.broken: set[str] = set()
        self.held: list[int] = []

    def after_failure(self, row: Claimed) -> bool:
        if row.conversation is not None and row.conversation in self.broken:
            self.held.append(row.id)
            return True
        return False

    def failed(self, row: Claimed) -> None:
        if row.conversation is not None:
            self.broken.add(row.conversation)


def _fields(row: Claimed) -> dict[str, object]:
    """A log line's fields for an inbox row: ids, never what it says."""
    return {"inbox_row": row.id, "platform": row.platform, "workspace": row.workspace}


class Malformed(Exception):
    """A stored delivery that can never become an event: dead-lettered at once."""


class Intake:
    def __init__(
        self,
        *,
        bot: Bot,
        parsers: Mapping[str, Parse],
        name: str,
        clock: Callable[[], datetime],
        policy: InboxPolicy | None = None,
        on_handled: Callable[[], None] = lambda: None,
        lease: WorkerLease | None = None,
        directories: Mapping[str, Directory] | None = None,
        lanes: Lanes | None = None,
        timing: Callable[[str, str, float], None] | None = None,
    ) -> None:
        """`timing("handling", platform, seconds)`: a row handled, that long after its claim.
        `lease`: the process's worker lease (serve renews it from a thread); by default one
        of its own, renewed before each batch. `directories`: each platform's that has one
        (bot/directory.py), handed to the Bot with that platform's events. `lanes`: this
        worker's share of the inbox's lanes (serve's workers); None: every lane."""
        self.bot = bot
        self.parsers = dict(parsers)
        self.directories = dict(directories or {})
        self.name = name
        self.clock = clock
        self.policy = policy or InboxPolicy()
        self.on_handled = on_handled
        self._own_lease = lease is None
        self.lease = lease or WorkerLease(bot.sessions, name)
        self.lanes = lanes
        self.timing = timing or (lambda kind, platform, seconds: None)
        self.stopping = threading.Event()

    def drain(self, *, max_batches: int = 1000) -> int:
        """Handle what is waiting, batch after batch; returns how many rows were handled."""
        done = 0
        for _ in range(max_batches):
            if self.stopping.is_set():
                break
            self.lease.ensure()
            if self.lanes is not None:
                self.lanes.ensure()
            batch = inbox.claim(
                self.bot.sessions,
                worker=self.name,
                platforms=list(self.parsers),
                now=self.clock(),
                policy=self.policy,
                alive_at=datetime.now(UTC),
                lanes=self.lanes.mine if self.lanes is not None else None,
            )
            if not batch:
                break
            done += self.handle_batch(batch, claimed=time.perf_counter())
        return done

    def handle_batch(self, rows: list[Claimed], claimed: float | None = None) -> int:
        """Handle a claimed batch in one transaction, each command in a savepoint of its own:
        one commit and one wake-up of the outbox for the batch, a failing command rolled back
        alone and its failure recorded with the others' changes. Should the batch fail as a
        whole (the store, a lost claim), its rows are handled one by one instead.
        `claimed`: when the batch was claimed (time.perf_counter), for the handling time."""
        claimed = time.perf_counter() if claimed is None else claimed
        read = [(row, *self._parse(row)) for row in rows]  # outside the transaction: a
        # parser may look someone up on the platform, and no row waits on that
        try:
            with self.bot.sessions.begin() as s:
                ids: list[int] = []
                order = _InOrder()
                for row, event, failure in read:
                    if order.after_failure(row):
                        continue
                    if self._handle_in(s, row, event, failure):
                        ids.append(row.id)
                    else:
                        order.failed(row)
                inbox.give_back(s, self.name, order.held)
                if inbox.mark_all_done(s, self.name, ids, self.clock()) != len(ids):
                    raise LostClaim(f"inbox rows {ids}")
        except LostClaim:
            logger.warning("inbox rows of batch %s were taken over by another worker", rows[0].id)
            return 0
        except Exception as e:  # noqa: BLE001 - the store went away mid-batch, most likely
            failures.log(
                logger,
                e,
                "inbox batch from row %s failed; one by one now",
                rows[0].id,
                extra={"inbox_row": rows[0].id, "platform": rows[0].platform},
            )
            return self.handle_each(rows)
        if ids:
            self.on_handled()  # their answers are in the outbox: send them now
        took, handled = time.perf_counter() - claimed, set(ids)
        for row in rows:
            if row.id in handled:
                self.timing("handling", row.platform, took)
        return len(ids)

    def handle_each(self, rows: list[Claimed]) -> int:
        """Each row in a transaction of its own, in order; how many were done."""
        done, order = 0, _InOrder()
        for row in rows:
            if self.stopping.is_set():
                break  # the rest is released by stop() for the next start
            if order.after_failure(row):
                continue
            if self.handle(row):
                done += 1
            else:
                order.failed(row)
        if order.held:
            with self.bot.sessions.begin() as s:
                inbox.give_back(s, self.name, order.held)
        return done

    def _parse(self, row: Claimed) -> tuple[Event | None, tuple[str, bool] | None]:
        """(the event, None), or (None, (why it failed, whether for good))."""
        try:
            return self.parsers[row.platform](row), None
        except Malformed as e:
            return None, (f"malformed: {e}", True)
        except Exception as e:  # noqa: BLE001 - a lookup that failed, a parser bug: retry
            return None, (f"parse: {e.__class__.__name__}", False)

    def _handle_in(
        self, s: Session, row: Claimed, event: Event | None, failure: tuple[str, bool] | None
    ) -> bool:
        """One row of a batch in the batch's transaction; True when it is done."""
        if failure is not None:
            self._failed_in(s, row, None, *failure)
            return False
        if event is None:
            return True
        try:
            self.bot.handle_in(
                s, event, origin=f"in{row.id}", directory=self.directories.get(row.platform)
            )
        except Exception as e:  # noqa: BLE001 - a bug, a refused write: retried, then dead
            reason = failures.log(logger, e, "inbox row %s failed", row.id, extra=_fields(row))
            self._failed_in(s, row, event, reason)
            return False
        return True

    def handle(self, row: Claimed) -> bool:
        """One row in a transaction of its own; True when it is done."""
        event, failure = self._parse(row)
        if failure is not None:
            self._failed(row, None, *failure)
            return False
        if event is None:
            with self.bot.sessions.begin() as s:
                inbox.mark_done(s, self.name, row.id, self.clock())
            return True
        try:
            self.bot.handle(
                event,
                claim=InboxClaim(row.id, self.name),
                directory=self.directories.get(row.platform),
            )
        except LostClaim:
            logger.warning(
                "inbox row %s was taken over by another worker", row.id, extra=_fields(row)
            )
            return False
        except Exception as e:  # noqa: BLE001 - a bug, the store: retried, then dead-lettered
            reason = failures.log(logger, e, "inbox row %s failed", row.id, extra=_fields(row))
            self._failed(row, event, reason)
            return False
        self.on_handled()  # its answer is in the outbox: send it now
        return True

    def _failed(self, row: Claimed, event: Event | None, reason: str, final: bool = False) -> None:
        try:
            with self.bot.sessions.begin() as s:
                self._failed_in(s, row, event, reason, final)
        except Exception as e:  # noqa: BLE001 - the store is down: the claim times out
            logger.warning(
                "inbox row %s: could not record the failure (%s)", row.id, e.__class__.__name__
            )

    def _failed_in(
        self, s: Session, row: Claimed, event: Event | None, reason: str, final: bool = False
    ) -> None:
        """Retried later, or dead-lettered, and then the sender is told, in the same transaction
        (in a savepoint: should telling fail, the row is dead all the same)."""
        dead = inbox.mark_failed(
            s, self.name, row.id, reason, now=self.clock(), policy=self.policy, final=final
        )
        if not dead:
            return
        logger.error("inbox row %s dead-lettered: %s", row.id, reason, extra=_fields(row))
        if event is None:
            return
        try:
            with s.begin_nested():
                self.bot.give_up(s, event, InboxClaim(row.id, self.name))
        except Exception as e:  # noqa: BLE001
            logger.error(
                "inbox row %s: could not tell the sender (%s)", row.id, e.__class__.__name__
            )

    def stop(self) -> int:
        self.stopping.set()
        released = inbox.release(self.bot.sessions, self.name)
        if self._own_lease:
            self.lease.end()
        return released
