"""The inbox's worker: claims what the edge stored, turns it into an Event with the platform's
own parser, and hands it to the Bot, which marks the row done in its transaction.

A row that fails is retried with a backoff; one that keeps failing is dead-lettered with its
reason, and the person who sent it is told that it was not saved, with their words quoted.
Log lines name rows and reasons, never what people wrote.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

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
    ) -> None:
        """`lease`: the process's worker lease (serve renews it from a thread); by default one
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
            for row in batch:
                if self.stopping.is_set():
                    break  # the rest is released by stop() for the next start
                if self.handle(row):
                    done += 1
                    self.on_handled()  # its answer is in the outbox: send it now
        return done

    def handle(self, row: Claimed) -> bool:
        try:
            event = self.parsers[row.platform](row)
        except Malformed as e:
            self._failed(row, None, f"malformed: {e}", final=True)
            return False
        except Exception as e:  # noqa: BLE001 - a lookup that failed, a parser bug: retry
            self._failed(row, None, f"parse: {e.__class__.__name__}")
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
            logger.warning("inbox row %s was taken over by another worker", row.id)
            return False
        except Exception as e:  # noqa: BLE001 - a bug, the store: retried, then dead-lettered
            self._failed(row, event, failures.log(logger, e, "inbox row %s failed", row.id))
            return False
        return True

    def _failed(self, row: Claimed, event: Event | None, reason: str, final: bool = False) -> None:
        try:
            with self.bot.sessions.begin() as s:
                dead = inbox.mark_failed(
                    s,
                    self.name,
                    row.id,
                    reason,
                    now=self.clock(),
                    policy=self.policy,
                    final=final,
                )
        except Exception as e:  # noqa: BLE001 - the store is down: the claim times out
            logger.warning(
                "inbox row %s: could not record the failure (%s)", row.id, e.__class__.__name__
            )
            return
        if not dead:
            return
        logger.error("inbox row %s dead-lettered: %s", row.id, reason)
        if event is not None:
            try:
                self.bot.give_up(event, InboxClaim(row.id, self.name))
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
