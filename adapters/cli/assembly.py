"""A running dealbot's core parts, built from its configuration, and what runs after the
inbox, built the same way for `serve`, `tick` and the console."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

from sqlalchemy import text

from adapters.platform import Platform
from bot import inbox, outbox
from bot.config import Config
from bot.handler import Bot
from bot.i18n import Words
from bot.inbox import InboxPolicy
from bot.intake import Intake
from bot.jobs import Observe, run_due
from bot.jobs.dead_letters import tell_admins
from bot.jobs.env import JobEnv
from bot.lanes import Lanes
from bot.leases import WorkerLease
from bot.outbox import OutboxPolicy
from bot.retention import RetentionPolicy
from bot.sending import Worker
from bot.settings import Settings
from storage import db

logger = logging.getLogger(__name__)

Unreachable = db.Unreachable  # the store did not answer in [database] connect_retry_seconds


@dataclass(kw_only=True)
class Core:
    bot: Bot
    env: JobEnv
    policy: OutboxPolicy

    def healthy(self) -> bool:
        try:
            with self.bot.sessions() as s:
                s.execute(text("select 1"))
        except Exception:  # noqa: BLE001 - any failure is "unhealthy"
            return False
        return True

    def outbox_depth(self) -> dict[str, int]:
        with self.bot.sessions() as s:
            return outbox.depth(s)

    def inbox_depth(self) -> inbox.Depth:
        with self.bot.sessions() as s:
            return inbox.depth(s, datetime.now(UTC))


def inbox_policy(config: Config) -> InboxPolicy:
    i = config.inbox
    return InboxPolicy(max_attempts=i.max_attempts, max_depth=i.max_depth)


def retention_policy(config: Config) -> RetentionPolicy:
    r = config.retention
    for note in config.notes():  # check-config prints these too
        logger.warning("config: %s", note)
    return RetentionPolicy(
        inbox_days=r.inbox_days(config.inbox),
        outbox_days=r.delivered_days,
        files_days=r.files_days,
        batch_size=r.batch_size,
    )


def outbox_policy(config: Config) -> OutboxPolicy:
    o = config.outbox
    return OutboxPolicy(
        max_attempts=o.max_attempts,
        base_backoff=o.base_backoff_seconds,
        max_backoff=o.max_backoff_seconds,
        batch_size=o.batch_size,
        concurrency=o.concurrency,
    )


def assemble(
    config: Config,
    *,
    database_url: str | None = None,
    settings: Settings | None = None,
    defer_to: Callable[[], bool] | None = None,  # storage.db: who goes first on SQLite
) -> Core:
    # a network database still starting (or restarting with us) is waited for: one log line
    # per attempt, then db.Unreachable
    sessions = db.open_store(
        database_url or config.database.url,
        defer_to=defer_to,
        connect_retry=config.database.connect_retry_seconds,
    )
    settings = settings or config.settings()
    bot = Bot(sessions=sessions, settings=settings, words=Words())
    env = JobEnv(sessions=sessions, settings=settings, words=bot.words)
    return Core(bot=bot, env=env, policy=outbox_policy(config))


@dataclass(kw_only=True)
class Machinery:
    """What runs after the inbox: the intake handles stored deliveries, the outbox worker
    sends what they and the rules enqueued, and `rules(when)` runs every scheduled job due
    by then (serve's scheduler calls it on its interval, `tick` once, the console at each
    `:tick`), returning how many pushes each job enqueued."""

    intake: Intake
    outbox: Worker
    rules: Callable[[datetime], dict[str, int]]


def machinery(
    *,
    bot: Bot,
    env: JobEnv,
    platforms: Mapping[str, Platform],
    name: str,
    clock: Callable[[], datetime],
    policy: OutboxPolicy | None = None,
    inbox_policy: InboxPolicy | None = None,
    orphans: bool = False,
    lease: WorkerLease | None = None,
    told_at: Callable[[], datetime] | None = None,
    on_result: Callable[[str, str], None] | None = None,
    on_handled: Callable[[], None] = lambda: None,
    observe: Observe | None = None,
    timing: Callable[[str, str, float], None] | None = None,
    lanes: Lanes | None = None,
) -> Machinery:
    """The intake, outbox worker and rules of one process, named `name`, reading and sending
    through `platforms`. `policy`, `inbox_policy`: None for the defaults (the console's: one
    conversation sent at a time, so its lines print in order). `orphans`: these are every
    platform the deployment has (see bot.sending.Worker). `lease`: the process's worker lease
    (serve renews it); by default the intake and the worker each renew one of their own.
    Admins are told of a dead letter at `told_at()` (by default `clock()`). `on_result`,
    `observe`: a send's and a job's metrics; `timing(kind, platform, seconds)`: a row's
    handling and a reply's answer latency; `on_handled`: a reply was just enqueued.
    `lanes`: the intake's share of the inbox's lanes (serve's workers); None: every lane."""
    stamp = told_at or clock
    outbox = Worker(
        sessions=env.sessions,
        senders={n: p.sender() for n, p in platforms.items()},
        name=name,
        policy=policy,
        clock=clock,
        on_dead=lambda delivery, reason: tell_admins(env, delivery, reason, stamp()),
        on_result=on_result,
        orphans=orphans,
        lease=lease,
        timing=timing,
    )
    intake = Intake(
        bot=bot,
        parsers={n: p.parse for n, p in platforms.items()},
        name=name,
        clock=clock,
        policy=inbox_policy,
        on_handled=on_handled,
        lease=lease,
        directories={n: d for n, p in platforms.items() if (d := p.directory()) is not None},
        lanes=lanes,
        timing=timing,
    )
    return Machinery(intake=intake, outbox=outbox, rules=partial(run_due, env, observe=observe))
