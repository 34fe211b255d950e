"""The durable inbox: what a platform delivered, stored before the platform got its answer.

A platform that got its 200 never resends, so from then on the inbox row is the only copy of
what a person typed. The edge inserts (`accept`) and answers; a worker claims rows, handles
them and marks each done in the handler's own transaction. The unique key (platform, the
platform's tenant, the delivery's own id) makes a retried or doubled delivery a no-op here.

Order: each row carries its conversation (platform, tenant and the channel, or the user of a
1:1 chat or a click) and a lane, a stable hash of it (`lane_of`). Workers hold sets of lanes
(bot/lanes.py) and claim from them only, oldest first; and whatever the lanes, a row is never
claimed while an earlier row of its conversation is pending or claimed (`_waits_behind`), so a
lane moving between workers never reorders a conversation, and no two workers ever handle one
conversation at once.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from storage import queue
from storage.transit import InboxItem

KEY_LIMIT = 200  # the column's width; longer keys are cut, never refused
CONVERSATION_LIMIT = 300  # InboxItem.conversation; a longer one is kept as its digest
LANES = 64  # fixed: a row's lane never changes; workers share these between them


def conversation(*, channel: str = "", user: str = "") -> str:
    """What an edge knows of where a delivery belongs, the one way every edge says it: the
    channel (group or 1:1 chat) it was said in, else the user (a 1:1 chat known only by its
    person, a click on a card); "" when neither is known. Kinds are prefixed, so a channel and a
    user that share an id are two conversations."""
    if channel:
        return f"c:{channel}"
    return f"u:{user}" if user else ""


def conversation_key(platform: str, workspace: str, where: str) -> str | None:
    """The stored conversation: platform, tenant and `where` (see `conversation`); None when
    `where` is unknown. One that does not fit the column is kept whole as its digest, never
    cut (two conversations cut to one prefix would only wait for each other, but still)."""
    if not where:
        return None
    key = f"{platform}:{workspace}:{where}"
    if len(key) <= CONVERSATION_LIMIT:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def lane_of(platform: str, workspace: str, where: str, delivery_key: str = "") -> int:
    """The lane of a delivery: a stable hash (CRC-32, the same in every process and release,
    unlike Python's hash()) of its conversation, or of its own key when the conversation is
    unknown (then it keeps no order with others, and goes to any lane)."""
    basis = (
        conversation_key(platform, workspace, where) or f"{platform}:{workspace}:#{delivery_key}"
    )
    return zlib.crc32(basis.encode()) % LANES


@dataclass(frozen=True, kw_only=True)
class Arrival:
    """One verified delivery, as the edge hands it to the store."""

    platform: str
    workspace: str  # the platform's own tenant id (team, tenant key, corp id)
    key: str  # the platform's own id for this delivery, stable across its retries
    payload: dict[str, Any]
    received_at: datetime
    conversation: str = ""  # `conversation(...)`: its channel or user; "" when not known


@dataclass(frozen=True, kw_only=True)
class Claimed:
    id: int
    platform: str
    workspace: str
    payload: dict[str, Any]
    attempts: int
    received_at: datetime
    conversation: str | None = None  # a batch may hold several rows of one, in order


@dataclass(frozen=True, kw_only=True)
class InboxPolicy:
    max_attempts: int = 5
    backoff: float = 2.0  # doubles per attempt
    batch_size: int = 20
    max_depth: int = 5000  # pending rows past which the edge asks platforms to come back later


KEY = ["platform", "workspace", "delivery_key"]


def _row(a: Arrival) -> dict[str, Any]:
    workspace, key = a.workspace[:KEY_LIMIT], a.key[:KEY_LIMIT]
    return {
        "platform": a.platform,
        "workspace": workspace,
        "delivery_key": key,
        "conversation": conversation_key(a.platform, workspace, a.conversation),
        "lane": lane_of(a.platform, workspace, a.conversation, key),
        "payload": a.payload,
        "status": "pending",
        "attempts": 0,
        "received_at": a.received_at,
        "next_attempt_at": a.received_at,
    }


def accept(session: Session, arrivals: list[Arrival]) -> list[int | None]:
    """Insert each arrival unless it is already here; its new row id, or None for a repeat."""
    stmt = queue.insert_new(session, InboxItem, KEY).returning(InboxItem.id)
    return [session.execute(stmt, _row(a)).scalar() for a in arrivals]


def accept_many(session: Session, arrivals: list[Arrival]) -> None:
    """Insert all arrivals in one statement (a repeat is skipped): the edge's group commit."""
    if arrivals:  # Core executemany on the session's connection: no ORM bookkeeping per row
        session.connection().execute(
            queue.insert_new(session, InboxItem, KEY), [_row(a) for a in arrivals]
        )


def _waits_behind() -> ColumnElement[bool]:
    """A row waits while an earlier row of its conversation is pending (due or waiting out a
    backoff) or claimed (by any worker, this one too): each conversation's rows are handled
    one at a time, in the order they were stored. A dead row holds nothing up. Unlike the
    outbox's rule (a push may overtake one waiting its backoff), a command never overtakes
    the one before it: `/deal X stage won` must not run before the `/deal X new` that failed
    once. Served by ix_inbox_conversation (conversation, status, id)."""
    return queue.waits_behind(InboxItem, lambda earlier: earlier.status.in_(("pending", "claimed")))


# which lanes a worker claims from, read in its claim's transaction at the wall-clock moment
Lanes = Callable[[Session, datetime], Collection[int]]


def claim(
    sessions: sessionmaker[Session],
    *,
    worker: str,
    platforms: list[str],
    now: datetime,
    policy: InboxPolicy,
    alive_at: datetime | None = None,  # the wall clock, for workers' leases; default: now
    lanes: Lanes | None = None,  # None: every lane (one worker alone, the console)
) -> list[Claimed]:
    """Up to a batch of due rows, oldest first, from this worker's lanes; a dead worker's
    claims among them are taken over. Of each conversation the first row not yet done comes
    (`_waits_behind`), and then the rows right after it that are due, in order: a busy
    channel's backlog is taken a batch at a time, not a row per claim (storage/queue.py)."""
    with sessions.begin() as s:
        scope = [InboxItem.platform.in_(platforms)]
        if lanes is not None:
            mine = sorted(lanes(s, alive_at or now))
            if not mine:
                return []
            if len(mine) < LANES:
                scope.append(InboxItem.lane.in_(mine))

        ids = queue.claim_in_order(
            s,
            InboxItem,
            worker=worker,
            now=now,
            alive_at=alive_at or now,
            limit=policy.batch_size,
            scope=scope,
            waits=_waits_behind(),
        )
        if not ids:
            return []
        rows = s.scalars(select(InboxItem).where(InboxItem.id.in_(ids)).order_by(InboxItem.id))
        return [
            Claimed(
                id=r.id,
                platform=r.platform,
                workspace=r.workspace,
                payload=r.payload,
                attempts=r.attempts,
                received_at=r.received_at,
                conversation=r.conversation,
            )
            for r in rows
        ]


def mark_done(session: Session, worker: str, item_id: int, now: datetime) -> bool:
    """In the handler's transaction: done together with the change it made, or not at all.
    False: the row is no longer ours (taken over after a claim timeout); roll back."""
    result = session.execute(
        update(InboxItem)
        .where(queue.mine(InboxItem, worker, item_id))
        .values(status="done", done_at=now, claimed_by=None, last_error=None)
        .returning(InboxItem.id)
    )
    return result.scalar() is not None


def mark_all_done(session: Session, worker: str, item_ids: list[int], now: datetime) -> int:
    """`mark_done` for a batch, in one statement: how many of them were still ours."""
    if not item_ids:
        return 0
    done = session.connection().execute(  # Core, built once: once per batch
        _ALL_DONE, {"ids": item_ids, "worker": worker, "now": now}
    )
    return len(done.all())


_ALL_DONE = (
    update(InboxItem)
    .where(
        InboxItem.id.in_(bindparam("ids", expanding=True)),
        InboxItem.claimed_by == bindparam("worker"),
        InboxItem.status == "claimed",
    )
    .values(status="done", done_at=bindparam("now"), claimed_by=None, last_error=None)
    .returning(InboxItem.id)
)


def mark_failed(
    session: Session,
    worker: str,
    item_id: int,
    reason: str,
    *,
    now: datetime,
    policy: InboxPolicy,
    final: bool = False,
) -> bool | None:
    """True: dead (the sender is then told); False: retried later; None: no longer ours."""
    return queue.fail(
        session,
        InboxItem,
        worker=worker,
        item_id=item_id,
        reason=reason,
        now=now,
        wait=lambda attempts: policy.backoff * 2 ** max(attempts - 1, 0),
        max_attempts=policy.max_attempts,
        final=final,
    )


def give_back(session: Session, worker: str, item_ids: list[int]) -> None:
    """Unclaim these rows of ours without counting an attempt: not handled, to come later."""
    for item_id in item_ids:
        queue.give_back(session, InboxItem, worker=worker, item_id=item_id)


def release(sessions: sessionmaker[Session], worker: str) -> int:
    with sessions.begin() as s:
        return queue.give_back(s, InboxItem, worker=worker)


@dataclass(frozen=True, kw_only=True)
class Depth:
    pending: int  # waiting or being handled
    dead: int
    oldest_age: float  # seconds since the oldest waiting row arrived; 0 when none


def depth(session: Session, now: datetime) -> Depth:
    counts = dict(
        session.execute(
            select(InboxItem.status, func.count())
            .where(InboxItem.status.in_(("pending", "claimed", "dead")))
            .group_by(InboxItem.status)
        ).all()
    )
    oldest = session.scalar(
        select(func.min(InboxItem.received_at)).where(InboxItem.status.in_(("pending", "claimed")))
    )
    if isinstance(oldest, datetime) and oldest.tzinfo is None:  # SQLite's aggregate is naive
        oldest = oldest.replace(tzinfo=now.tzinfo)
    return Depth(
        pending=counts.get("pending", 0) + counts.get("claimed", 0),
        dead=counts.get("dead", 0),
        oldest_age=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
    )
