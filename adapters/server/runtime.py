"""The background half of `dealbot serve`: the scheduler and the outbox worker."""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.jobs import run_due
from bot.jobs.dead_letters import tell_admins
from bot.jobs.env import JobEnv
from bot.outbox import OutboxPolicy, Worker

logger = logging.getLogger(__name__)


def now() -> datetime:
    return datetime.now(UTC)


class Runtime:
    """Runs the rules every `interval` seconds and drains the outbox every `poll` seconds.

    APScheduler only keeps time: what is due lives in the database, so any number of
    processes may run this side by side; the outbox claims make each push go out once.
    """

    def __init__(
        self,
        *,
        env: JobEnv,
        senders,
        policy: OutboxPolicy,
        interval: float,  # type: ignore[no-untyped-def]
        poll: float,
        metrics=None,
    ) -> None:  # type: ignore[no-untyped-def]
        self.env = env
        self.metrics = metrics
        self.interval = interval
        self.poll = poll
        self.worker = Worker(
            sessions=env.sessions,
            senders=senders,
            name=f"{socket.gethostname()}:{os.getpid()}",
            policy=policy,
            clock=now,
            on_dead=lambda d, reason: tell_admins(env, d, reason, now()),
            on_result=metrics.send if metrics else None,
        )
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()

    def wake(self) -> None:
        """Something was just enqueued (a reply): send it now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        # a late run still runs (no misfire grace limit); a backlog collapses into one run,
        # which is enough because every run delivers everything due by its time
        self.scheduler.add_job(
            self.run_rules,
            "interval",
            seconds=self.interval,
            id="rules",
            next_run_time=now(),
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )
        self.scheduler.start()
        self._thread = threading.Thread(target=self._drain_loop, name="outbox", daemon=True)
        self._thread.start()
        logger.info("runtime started: worker %s", self.worker.name)

    def run_rules(self) -> None:
        counts = run_due(self.env, now(), observe=self.metrics.job if self.metrics else None)
        if any(counts.values()):
            logger.info("rules enqueued %s", counts)

    def _drain_loop(self) -> None:
        while not self.worker.stopping.is_set():
            try:
                self.worker.drain()
            except Exception:
                logger.exception("outbox drain failed")
            self._wake.wait(self.poll)
            self._wake.clear()

    def stop(self) -> None:
        """Stop taking work, finish the send in flight, give back the rest of our claims."""
        self.scheduler.shutdown(wait=True)
        self.worker.stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        released = self.worker.stop()
        logger.info("runtime stopped; released %d claimed outbox rows", released)
