"""What `dealbot serve`'s worker process runs: the scheduler, the inbox's intake, the outbox,
and the heartbeat of its worker lease.

APScheduler only keeps time: what is due lives in the database, so any number of processes
may run this side by side; inbox and outbox claims make each row handled once. The claims of
this process are its own while its lease is renewed (every third of `lease_seconds`), so a
send is never repeated by another instance; once the process dies they are free within
`lease_seconds`, for a survivor or for this process's own restart. The intake claims from its
share of the inbox's lanes (bot/lanes.py), announced with the same heartbeat: the lanes move
to the other workers, of this instance and others, when this one stops or dies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from adapters.cli.assembly import machinery
from adapters.cli.process import worker_name
from adapters.platform import Platform
from bot import failures
from bot.handler import Bot
from bot.inbox import InboxPolicy
from bot.jobs.env import JobEnv
from bot.lanes import Lanes
from bot.leases import WorkerLease
from bot.outbox import OutboxPolicy
from bot.retention import RetentionPolicy, forget_turns, prune_delivered

logger = logging.getLogger(__name__)

RETENTION_EVERY = 600.0  # seconds between prunes of delivered inbox and outbox rows


def now() -> datetime:
    return datetime.now(UTC)


class _Loop:
    """A thread that runs `work` every `poll` seconds, or at once when woken."""

    def __init__(
        self, name: str, work: Callable[[], None], poll: float, wake_up: Any = None
    ) -> None:
        self.name, self.work, self.poll = name, work, poll
        self.wake_up = wake_up or threading.Event()  # or a multiprocessing.Event
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name=name, daemon=True)

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self.work()
            except Exception as e:  # noqa: BLE001 - the store is down, a bug: the next round
                failures.log(logger, e, "%s round failed", self.name)  # (never its message)
            self.wake_up.wait(self.poll)
            self.wake_up.clear()

    def stop(self, timeout: float) -> None:
        self.stopping.set()
        self.wake_up.set()
        self.thread.join(timeout=timeout)


class Runtime:
    def __init__(
        self,
        *,
        env: JobEnv,
        bot: Bot,
        platforms: dict[str, Platform],
        policy: OutboxPolicy,
        inbox_policy: InboxPolicy,
        interval: float,
        poll: float,
        inbox_poll: float,
        metrics: Any,  # .send(platform, result), .job(name, seconds, count, ok), .timing(…)
        wake: Any = None,  # set when a delivery was stored (by the edge process)
        retention: RetentionPolicy | None = None,  # None: the defaults
        lease_seconds: float = 10.0,
    ) -> None:
        self.env = env
        self.metrics = metrics
        self.interval = interval
        self.retention = retention or RetentionPolicy()
        self.stopping = threading.Event()
        name = worker_name()
        self.lease = WorkerLease(env.sessions, name, ttl=lease_seconds)
        self.lanes = Lanes(env.sessions, name, ttl=lease_seconds)
        parts = machinery(
            bot=bot,
            env=env,
            platforms=platforms,
            name=name,
            clock=now,
            policy=policy,
            inbox_policy=inbox_policy,
            orphans=True,
            lease=self.lease,
            on_result=metrics.send,
            on_handled=self.wake,
            observe=metrics.job,
            timing=metrics.timing,
            lanes=self.lanes,
        )
        self.worker, self.intake, self.rules = parts.outbox, parts.intake, parts.rules
        self.scheduler = BackgroundScheduler(timezone="UTC")
        self.outbox_loop = _Loop("outbox", self.worker.drain, poll)
        self.intake_loop = _Loop("intake", self.intake.drain, inbox_poll, wake)
        self.heartbeat_loop = _Loop("heartbeat", self.beat, lease_seconds / 3)

    def beat(self) -> None:
        """The worker lease (its claims stay its own) and its share of the lanes, renewed."""
        self.lease.beat()
        self.lanes.beat()

    def wake(self) -> None:
        """Something was just enqueued (a reply): send it now rather than at the next poll."""
        self.outbox_loop.wake_up.set()

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
        # its own job: a first prune of a long backlog never holds up a reminder
        self.scheduler.add_job(
            self.run_retention,
            "interval",
            seconds=RETENTION_EVERY,
            id="retention",
            next_run_time=now(),
            misfire_grace_time=None,
            coalesce=True,
            max_instances=1,
        )
        self.beat()  # announced before the first claim
        self.heartbeat_loop.thread.start()
        self.scheduler.start()
        self.intake_loop.thread.start()
        self.outbox_loop.thread.start()
        logger.info("runtime started: worker %s", self.worker.name)

    def run_rules(self) -> None:
        started = time.perf_counter()
        counts = self.rules(now())
        if any(counts.values()):
            logger.info(
                "rules enqueued %s",
                counts,
                extra={"event": "rules", "duration": round(time.perf_counter() - started, 3)},
            )

    def run_retention(self) -> None:
        """Delete delivered rows past their retention, a short transaction per batch."""
        started = time.perf_counter()
        try:
            pruned = prune_delivered(
                self.env.sessions, now(), self.retention, stopping=self.stopping.is_set
            )
            forget_turns(self.env.sessions, now())
        except Exception:
            self.metrics.job("retention", time.perf_counter() - started, 0, False)
            raise
        self.metrics.job("retention", time.perf_counter() - started, sum(pruned.values()), True)
        if any(pruned.values()):
            logger.info("retention pruned %s", pruned)

    def stop(self) -> None:
        """Stop taking work; finish the row and the send in flight; give back the rest."""
        self.stopping.set()  # a prune under way stops after its batch
        self.scheduler.shutdown(wait=False)
        self.intake.stopping.set()
        self.worker.stopping.set()
        self.intake_loop.stop(timeout=5)
        self.outbox_loop.stop(timeout=5)
        self.lanes.leave()  # the others take these lanes at their next claim
        held = self.intake.stop()
        released = self.worker.stop()
        self.heartbeat_loop.stop(timeout=5)
        self.lease.end()  # nothing of ours is left to take over: no one need wait for it
        logger.info("runtime stopped; released %d inbox and %d outbox rows", held, released)
