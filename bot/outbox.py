"""The durable outbox: every push is a row first, then claimed, sent and marked by a worker
(bot/sending.py sends).

With several processes on one PostgreSQL database, claims use FOR UPDATE SKIP LOCKED so each
row goes to one worker. A claim is its worker's while the worker's lease lives (bot/leases.py);
a dead worker's claims are taken over once its lease lapses. A push waits while an earlier one
to its conversation is due or in another worker's hands, so each conversation's pushes go out
in order across instances. SQLite serialises writers (BEGIN IMMEDIATE), which gives the same
guarantee in one process.
"""

from __future__ import annotations

import functools
import logging
import random
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.delivery import (
    Address,
    Delivery,
    TargetKind,
    conversation,
    message_from_dict,
    message_to_dict,
)
from bot.events import ReplyHandle
from bot.outcome import Message
from storage import queue
from storage.transit import OutboxItem

logger = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class OutboxPolicy:
    max_attempts: int = 8
    base_backoff: float = 2.0
    max_backoff: float = 300.0
    batch_size: int = 50
    concurrency: int = 1  # conversations sent at once (serve: [outbox] concurrency)

    def backoff(self, attempts: int) -> float:
        # exponential with jitter, so many failed rows don't come back in one burst
        raw = min(self.max_backoff, self.base_backoff * 2 ** max(attempts - 1, 0))
        return raw * random.uniform(0.8, 1.2)


def depth(session: Session) -> dict[str, int]:
    """How many rows are in each state (pending, claimed, sent, dead): /metrics reads it."""
    rows = session.execute(select(OutboxItem.status, func.count()).group_by(OutboxItem.status))
    return {status: n for status, n in rows}


def enqueue(
    session: Session,
    *,
    tenant_id: int,
    dedup_key: str,
    to: Address,
    message: Message,
    now: datetime,
    kind: TargetKind = TargetKind.PERSON,
    reply: ReplyHandle | None = None,
    clicked: tuple[str, str] | None = None,  # a card update: who pressed, when (ISO)
) -> bool:
    """Add a push unless one with this key exists; True when it was added."""
    payload = message_to_dict(message)
    if reply is not None:
        payload["reply"] = reply.to_dict()
    if clicked is not None:
        payload["clicked"] = list(clicked)
    values = {
        "tenant_id": tenant_id,
        "dedup_key": dedup_key[:200],
        "platform": to.platform,
        "target_kind": kind.value,
        "target_id": to.user_id[:200],
        "target_name": to.name[:200],
        "payload": payload,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
        "conversation": conversation(to.platform, to.user_id, reply),
    }
    # Core on the session's connection, the statement built once: no ORM work per push
    added = session.connection().execute(_insert(session.get_bind().dialect.name), values)
    return added.scalar() is not None


@functools.cache
def _insert(dialect: str) -> Any:
    # rowcount is -1 here with psycopg 3: ask for the row instead
    return queue.insert_new(dialect, OutboxItem, ["tenant_id", "dedup_key"]).returning(
        OutboxItem.id
    )


def _delivery(row: OutboxItem) -> Delivery:
    clicked = row.payload.get("clicked") or ["", ""]
    return Delivery(
        id=row.id,
        tenant_id=row.tenant_id,
        dedup_key=row.dedup_key,
        platform=row.platform,
        kind=TargetKind(row.target_kind),
        target_id=row.target_id,
        target_name=row.target_name or row.target_id,
        message=message_from_dict(row.payload),
        reply=ReplyHandle.from_dict(row.payload.get("reply")),
        clicked_by=clicked[0],
        clicked_at=clicked[1],
        attempts=row.attempts,
        queued_at=row.created_at,
    )


def _waits_behind(worker: str, now: datetime) -> ColumnElement[bool]:
    """A push waits while an earlier push to its conversation is due or in another worker's
    hands: each conversation's pushes go out in order across instances, one at a time. One
    that failed and waits its backoff, or is dead, holds nothing up."""
    return queue.waits_behind(
        OutboxItem,
        lambda earlier: or_(
            and_(earlier.status == "pending", earlier.next_attempt_at <= now),
            and_(earlier.status == "claimed", earlier.claimed_by != worker),
        ),
    )


def claim(
    sessions: sessionmaker[Session],
    *,
    worker: str,
    platforms: list[str],
    now: datetime,
    policy: OutboxPolicy,
    orphans: bool = False,
    alive_at: datetime | None = None,  # the wall clock, for workers' leases; default: now
) -> list[Delivery]:
    """Take up to a batch of due rows for these platforms (or, with `orphans`, for any other
    platform: rows no sender here can deliver), including abandoned claims."""
    where = OutboxItem.platform.not_in(platforms) if orphans else OutboxItem.platform.in_(platforms)
    with sessions.begin() as s:
        ids = queue.claim_in_order(
            s,
            OutboxItem,
            worker=worker,
            now=now,
            alive_at=alive_at or now,
            limit=policy.batch_size,
            scope=[where],
            waits=_waits_behind(worker, now),
        )
        if not ids:
            return []
        rows = s.scalars(select(OutboxItem).where(OutboxItem.id.in_(ids)).order_by(OutboxItem.id))
        deliveries = []
        for row in rows:
            try:
                deliveries.append(_delivery(row))
            except (KeyError, TypeError, ValueError) as e:  # one unreadable row stops no other
                logger.error(
                    "outbox row %s cannot be read (%s): dead", row.id, e.__class__.__name__
                )
                row.status, row.claimed_by = "dead", None
                row.last_error = f"unreadable: {e.__class__.__name__}"
        return deliveries


def mark_sent(
    sessions: sessionmaker[Session], worker: str, item_id: int, message_id: str, now: datetime
) -> None:
    with sessions.begin() as s:  # Core, built once: one of these follows every send
        s.connection().execute(
            _SENT, {"row": item_id, "worker": worker, "now": now, "message": message_id[:200]}
        )


_SENT = (
    update(OutboxItem)
    .where(
        OutboxItem.id == bindparam("row"),
        OutboxItem.claimed_by == bindparam("worker"),
        OutboxItem.status == "claimed",
    )
    .values(
        status="sent",
        sent_at=bindparam("now"),
        platform_message_id=bindparam("message"),
        last_error=None,
    )
)


def mark_failed(
    sessions: sessionmaker[Session],
    worker: str,
    item_id: int,
    reason: str,
    *,
    now: datetime,
    policy: OutboxPolicy,
    after: float | None,
    final: bool,
) -> bool:
    """Back to pending with a backoff, or dead when final or out of attempts. True if dead."""
    with sessions.begin() as s:
        dead = queue.fail(
            s,
            OutboxItem,
            worker=worker,
            item_id=item_id,
            reason=reason,
            now=now,
            wait=lambda attempts: max(after or 0.0, policy.backoff(attempts)),
            max_attempts=policy.max_attempts,
            final=final,
        )
        return bool(dead)


def defer(sessions: sessionmaker[Session], worker: str, item_id: int, until: datetime) -> None:
    """Not sent yet, not failed either: back in the queue until `until` (pacing)."""
    with sessions.begin() as s:
        queue.give_back(s, OutboxItem, worker=worker, item_id=item_id, until=until)


def release(sessions: sessionmaker[Session], worker: str, item_id: int | None = None) -> int:
    """Give back every row this worker still holds (clean shutdown), or one of them."""
    with sessions.begin() as s:
        return queue.give_back(s, OutboxItem, worker=worker, item_id=item_id)
