"""A running dealbot's core parts, built from its configuration."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from bot import inbox
from bot.config import Config
from bot.handler import Bot
from bot.i18n import Words
from bot.inbox import InboxPolicy
from bot.jobs.env import JobEnv
from bot.outbox import OutboxPolicy
from bot.retention import RetentionPolicy
from bot.settings import Settings
from storage import db
from storage.models import OutboxItem

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
            rows = s.execute(select(OutboxItem.status, func.count()).group_by(OutboxItem.status))
            return {status: n for status, n in rows}

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
        inbox_days=r.inbox_days(config.inbox), outbox_days=r.delivered_days, batch_size=r.batch_size
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
