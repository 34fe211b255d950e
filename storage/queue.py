"""The claim discipline shared by the two durable queues, the inbox and the outbox.

A row is pending until a worker claims it (FOR UPDATE SKIP LOCKED on PostgreSQL, so each row
goes to one worker; SQLite's BEGIN IMMEDIATE serialises writers to the same effect). A claim
lives as long as its worker's lease (bot/leases.py: every worker renews one while it runs, sends
included): a claim is taken over only once its worker's lease has lapsed, never because a send
took long. A failed row goes back to pending after a backoff, or dies when it is out of attempts. Delivered rows are pruned after
a while, a batch per short transaction; dead rows stay until an admin retries or clears them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, delete, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased, sessionmaker

from storage.transit import InboxItem, Lease, OutboxItem

Queued = type[InboxItem] | type[OutboxItem]


def insert_new(session: Session | str, model: type[Any], key: list[str]) -> PgInsert | SqliteInsert:
    """INSERT … ON CONFLICT (key) DO NOTHING, in the session's dialect (or the one named): a
    repeat is a no-op."""
    dialect = session if isinstance(session, str) else session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing(index_elements=key)


def claim_ids(
    session: Session,
    model: Queued,
    *,
    worker: str,
    now: datetime,
    alive_at: datetime,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
) -> list[int]:
    """Claim up to `limit` due rows, oldest first: pending ones whose time has come, and claimed
    ones whose worker holds no lease alive at `alive_at` (the wall clock: `now` may be a tick's
    moment), or that are this worker's own from a batch it no longer works on."""
    holder_alive = exists().where(Lease.holder == model.claimed_by, Lease.expires_at > alive_at)
    ids = list(
        session.scalars(
            select(model.id)
            .where(
                *where,
                or_(
                    and_(model.status == "pending", model.next_attempt_at <= now),
                    and_(
                        model.status == "claimed",
                        or_(model.claimed_by == worker, ~holder_alive),
                    ),
                ),
            )
            .order_by(model.next_attempt_at, model.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:  # Core: no ORM bookkeeping (no row of it is loaded in this session)
        session.connection().execute(
            update(model)
            .where(model.id.in_(ids))
            .values(
                status="claimed", claimed_by=worker, claimed_at=now, attempts=model.attempts + 1
            )
        )
    return ids


WINDOW = 10  # batches' worth of the oldest waiting rows in which a claim looks for heads first


def claim_in_order(
    session: Session,
    model: Queued,
    *,
    worker: str,
    now: datetime,
    alive_at: datetime,
    limit: int,
    scope: Sequence[ColumnElement[bool]],
    waits: ColumnElement[bool],
) -> list[int]:
    """Claim up to `limit` rows of `scope`, keeping each conversation's order: the heads (the
    rows that `waits` does not hold back), oldest first, then the due rows right behind each
    head in its conversation (`claim_runs`), so that a busy conversation's backlog is taken a
    batch at a time, not a row per claim.

    The heads are looked for among the oldest waiting rows first: behind one conversation's
    backlog nearly every waiting row waits for its head, and a look at all of them for every
    batch cost as much as the backlog was long. Only when none of the oldest can go (they all
    wait behind a row in another's hands or in its backoff) is every row looked at, so no
    conversation waits for another's. Claimed rows are few (a batch a worker at most): one
    whose worker died, or this worker's own from a batch it no longer works on, is taken over
    as always."""

    def take(*narrower: ColumnElement[bool]) -> list[int]:
        return claim_ids(
            session,
            model,
            worker=worker,
            now=now,
            alive_at=alive_at,
            limit=limit,
            where=[*scope, ~waits, *narrower],
        )

    oldest = (
        select(model.id)
        .where(*scope, model.status == "pending")
        .order_by(model.next_attempt_at, model.id)
        .limit(limit * WINDOW)
    )
    ids = take(or_(model.id.in_(oldest.scalar_subquery()), model.status == "claimed")) or take()
    if ids:
        ids += claim_runs(session, model, ids, worker=worker, now=now, room=limit - len(ids))
    return ids


def claim_runs(
    s: Session, model: Queued, heads: list[int], *, worker: str, now: datetime, room: int
) -> list[int]:
    """Claim the due rows that follow each claimed head in its conversation, up to `room`,
    stopping a conversation at its first row that is not due. Nobody else can take them: their
    head, an earlier row of theirs, is ours (the claim rule makes them wait for it)."""
    if room <= 0:
        return []
    first = dict(
        s.execute(
            select(model.conversation, func.min(model.id))
            .where(model.id.in_(heads), model.conversation.is_not(None))
            .group_by(model.conversation)
        ).all()
    )
    if not first:
        return []
    after = s.execute(
        select(
            model.id,
            model.conversation,
            and_(model.status == "pending", model.next_attempt_at <= now),
        )
        .where(
            model.conversation.in_(first),
            model.id > min(first.values()),
            model.status.in_(("pending", "claimed")),
        )
        .order_by(model.id)
        .limit(room + len(heads))
    ).all()
    taken: dict[int, str] = {}
    stopped: set[str] = set()
    for item_id, conversation, free in after:  # free: pending and due
        if item_id <= first[conversation] or conversation in stopped or item_id in heads:
            continue
        if not free or len(taken) == room:  # a row not ours to take ends its run
            stopped.add(conversation)
            continue
        taken[item_id] = conversation
    if not taken:
        return []
    got = set(
        s.scalars(
            update(model)
            .where(model.id.in_(taken), model.status == "pending")
            .values(
                status="claimed",
                claimed_by=worker,
                claimed_at=now,
                attempts=model.attempts + 1,
            )
            .returning(model.id)
        )
    )
    kept, broken = [], set()
    for item_id, conversation in taken.items():  # should one have changed meanwhile, the
        if item_id in got and conversation not in broken:  # rows after it are not taken
            kept.append(item_id)
        else:
            broken.add(conversation)
            if item_id in got:
                give_back(s, model, worker=worker, item_id=item_id)
    return kept


def waits_behind(
    model: Queued, holds_up: Callable[[Any], ColumnElement[bool]]
) -> ColumnElement[bool]:
    """The order both queues keep per conversation: a row waits while an earlier row (a
    smaller id) of its conversation is in a state that `holds_up` (given that earlier row)
    says holds it up. A row with no conversation (NULL) waits for nothing. Each queue says what
    holds up: the inbox any row not yet done or dead, the outbox a due or another's claim."""
    earlier = aliased(model)
    return exists().where(
        earlier.conversation == model.conversation,
        earlier.id < model.id,
        holds_up(earlier),
    )


def mine(model: Queued, worker: str, item_id: int) -> ColumnElement[bool]:
    """The row, while this worker still holds it: one taken over after a timeout is not ours."""
    return and_(model.id == item_id, model.claimed_by == worker, model.status == "claimed")


def fail(
    session: Session,
    model: Queued,
    *,
    worker: str,
    item_id: int,
    reason: str,
    now: datetime,
    wait: Callable[[int], float],  # attempts so far → seconds until the next try
    max_attempts: int,
    final: bool,
) -> bool | None:
    """Back to pending after `wait(attempts)` seconds, or dead when final or out of attempts.
    True: dead; False: will retry; None: the row is no longer ours."""
    item = session.scalar(select(model).where(mine(model, worker, item_id)))
    if item is None:
        return None
    item.last_error = reason[:2000]
    item.claimed_by, item.claimed_at = None, None
    if final or item.attempts >= max_attempts:
        item.status = "dead"
        return True
    item.status, item.next_attempt_at = "pending", now + timedelta(seconds=wait(item.attempts))
    return False


def give_back(
    session: Session,
    model: Queued,
    *,
    worker: str,
    until: datetime | None = None,
    item_id: int | None = None,
) -> int:
    """Unclaim without counting an attempt: this worker's rows (stopping), or one row (pacing)."""
    where = [model.claimed_by == worker, model.status == "claimed"]
    if item_id is not None:
        where.append(model.id == item_id)
    values: dict[str, Any] = {
        "status": "pending",
        "claimed_by": None,
        "claimed_at": None,
        "attempts": model.attempts - 1,
    }
    if until is not None:
        values["next_attempt_at"] = until
    return session.execute(update(model).where(*where).values(**values)).rowcount or 0


# What "delivered" means per queue: the status, and the time it was reached. A prune walks the
# queue's due index (status, next_attempt_at) from its oldest row: a row is claimed only once its
# next_attempt_at has passed, so next_attempt_at <= done_at / sent_at, and that bound lets the
# index give the rows in order and stop after a batch (a row whose clock ran backwards is only
# kept longer). The same equality + range + order on one index is every planner's choice.
DELIVERED: dict[Any, tuple[str, InstrumentedAttribute[Any]]] = {
    InboxItem: ("done", InboxItem.done_at),  # ix_inbox_due
    OutboxItem: ("sent", OutboxItem.sent_at),  # ix_outbox_due
}


def delete_in_batches(
    sessions: sessionmaker[Session],
    model: Queued,
    where: Sequence[ColumnElement[bool]],
    *,
    order_by: InstrumentedAttribute[Any],
    batch: int,
    stopping: Callable[[], bool] = lambda: False,
) -> int:
    """Delete the rows matching `where`, at most `batch` per transaction, each its own short
    transaction, until a batch comes back short (or `stopping()`); how many were deleted.

    Rows another transaction holds are skipped (SKIP LOCKED on PostgreSQL): two instances
    pruning at once share the work instead of queueing on each other's locks."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    pick = (
        select(model.id)
        .where(*where)
        .order_by(order_by)
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    total = 0
    while not stopping():
        with sessions.begin() as s:
            ids = list(s.scalars(pick))
            if ids:  # by primary key: the plan never depends on how big the table is
                s.execute(
                    delete(model)
                    .where(model.id.in_(bindparam("ids", ids, literal_execute=True)))
                    .execution_options(synchronize_session=False)
                )
        total += len(ids)
        if len(ids) < batch:
            break
    return total


def prune_delivered(
    sessions: sessionmaker[Session],
    model: Queued,
    *,
    cutoff: datetime,
    batch: int,
    stopping: Callable[[], bool] = lambda: False,
) -> int:
    """Delete the rows delivered (inbox done, outbox sent) before `cutoff`, in batches."""
    return delete_in_batches(
        sessions,
        model,
        delivered_before(model, cutoff),
        order_by=model.next_attempt_at,
        batch=batch,
        stopping=stopping,
    )


def delivered_before(model: Queued, cutoff: datetime) -> list[ColumnElement[bool]]:
    status, finished = DELIVERED[model]
    # the last condition follows from the second; it is what lets the due index bound the scan
    return [model.status == status, finished < cutoff, model.next_attempt_at < cutoff]
