"""Retention: delivered rows are forgotten after a while; dead letters stay until an admin acts.

A handled inbox row is the memory that makes a platform's retry a no-op, so it is kept well past
the platforms' retry windows (hours); a sent outbox row is the record of what was pushed. After
`[retention] delivered_days` both are deleted, a batch per short transaction, so a busy tenant's
tables stop growing without ever holding a long lock. Dead rows are never pruned here: each is a
message that did not get through, kept until an admin retries or clears it
(`dealbot dead-letters`). A kept file (an export on its way, an /import's spreadsheet) goes
after `[retention] files_days`, unless a push not yet sent still names it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from storage import files, paces, queue
from storage.transit import InboxItem, OutboxItem


@dataclass(frozen=True, kw_only=True)
class RetentionPolicy:
    inbox_days: float = 30.0  # handled deliveries: longer than any platform retries one
    outbox_days: float = 30.0  # sent pushes
    files_days: float = 7.0  # kept files (exports, imports) no unsent push still names
    batch_size: int = 1000  # rows deleted per transaction


def prune_delivered(
    sessions: sessionmaker[Session],
    now: datetime,
    policy: RetentionPolicy,
    *,
    stopping: Callable[[], bool] = lambda: False,
) -> dict[str, int]:
    """Delete handled inbox rows, sent outbox rows and kept files older than the policy
    allows; how many of each. Pending, claimed and dead rows are never touched, nor a file one
    of them still names."""
    return {
        "inbox": queue.prune_delivered(
            sessions,
            InboxItem,
            cutoff=now - timedelta(days=policy.inbox_days),
            batch=policy.batch_size,
            stopping=stopping,
        ),
        "outbox": queue.prune_delivered(
            sessions,
            OutboxItem,
            cutoff=now - timedelta(days=policy.outbox_days),
            batch=policy.batch_size,
            stopping=stopping,
        ),
        "files": files.prune(
            sessions,
            cutoff=now - timedelta(days=policy.files_days),
            batch=policy.batch_size,
            stopping=stopping,
        ),
    }


def forget_turns(sessions: sessionmaker[Session], now: datetime) -> int:
    """Forget the conversations' pacing turns (storage/paces.py) that passed over an hour ago
    (`now` is the wall clock, as the turns are): the table holds only recent conversations."""
    return paces.forget_before(sessions, now - timedelta(hours=1))


# --- dead letters: what did not get through, until an admin retries or clears it --------------

QUEUES: dict[str, queue.Queued] = {"inbox": InboxItem, "outbox": OutboxItem}


@dataclass(frozen=True, kw_only=True)
class DeadLetter:
    """What an admin needs to decide on a dead row; never its body (people's words stay out of
    terminals and logs), only its size."""

    queue: str  # inbox | outbox
    id: int
    platform: str
    since: datetime  # when it arrived (inbox) or was enqueued (outbox)
    size: int  # bytes of the stored payload
    target: str  # inbox: the platform's tenant; outbox: who or where it was for
    error: str  # the first line of the last error

    @property
    def ref(self) -> str:
        return f"{self.queue}:{self.id}"


def parse_ref(text: str) -> tuple[str, int]:
    """'inbox:12' or 'outbox:7' → (queue, id); ValueError otherwise (the two count separately)."""
    name, _, number = text.strip().partition(":")
    if name not in QUEUES or not number.isdigit():
        raise ValueError(f"{text!r}: a dead letter is named inbox:<id> or outbox:<id>")
    return name, int(number)


def _size(payload: object) -> int:
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _since(model: queue.Queued) -> InstrumentedAttribute[datetime]:
    return InboxItem.received_at if model is InboxItem else OutboxItem.created_at


def dead_letters(session: Session, limit: int | None = None) -> tuple[list[DeadLetter], int]:
    """The oldest dead rows of both queues (up to `limit`), and how many there are in all."""
    found = []
    for name, model in QUEUES.items():
        rows = session.scalars(
            select(model)
            .where(model.status == "dead")
            .order_by(_since(model), model.id)
            .limit(limit)
        )
        for r in rows:
            if isinstance(r, InboxItem):
                since, target = r.received_at, r.workspace
            else:
                named = r.target_name and r.target_name != r.target_id
                since = r.created_at
                target = f"{r.target_kind} {r.target_id}" + (f" ({r.target_name})" if named else "")
            found.append(
                DeadLetter(
                    queue=name,
                    id=r.id,
                    platform=r.platform,
                    since=since,
                    size=_size(r.payload),
                    target=target,
                    error=_first_line(r.last_error),
                )
            )
    total = sum(
        session.scalar(select(func.count()).where(model.status == "dead")) or 0
        for model in QUEUES.values()
    )
    found.sort(key=lambda d: (d.since, d.queue, d.id))
    return found[:limit], total


def _selected(
    model: queue.Queued, ids: list[int] | None, before: datetime | None
) -> list[ColumnElement[bool]]:
    """Dead rows of this queue: these ids (None: all), arrived before `before` (None: any)."""
    where = [model.status == "dead"]
    if ids is not None:
        where.append(model.id.in_(ids))
    if before is not None:
        where.append(_since(model) < before)
    return where


def _by_queue(refs: list[tuple[str, int]] | None) -> dict[str, list[int] | None]:
    if refs is None:
        return dict.fromkeys(QUEUES)
    return {name: [i for q, i in refs if q == name] for name in QUEUES}


AGAIN = {"status": "pending", "attempts": 0, "claimed_by": None, "claimed_at": None}


def retry(
    sessions: sessionmaker[Session], refs: list[tuple[str, int]] | None, now: datetime
) -> list[str]:
    """Dead rows (these, or all with None) back to pending, attempts reset, due now; the refs
    of the rows retried."""
    done = []
    with sessions.begin() as s:
        for name, ids in _by_queue(refs).items():
            model = QUEUES[name]
            if ids == []:
                continue
            hit = s.scalars(
                update(model)
                .where(*_selected(model, ids, None))
                .values(**AGAIN, next_attempt_at=now)
                .returning(model.id)
                .execution_options(synchronize_session=False)
            )
            done += [f"{name}:{i}" for i in sorted(hit)]
    return done


def clear(
    sessions: sessionmaker[Session],
    refs: list[tuple[str, int]] | None,
    *,
    before: datetime | None = None,
    batch: int = 1000,
) -> dict[str, int]:
    """Delete dead rows (these, or all with None; only those that arrived before `before` when
    given), in batches like the pruning; how many of each queue."""
    counts = {}
    for name, ids in _by_queue(refs).items():
        model = QUEUES[name]
        counts[name] = (
            0
            if ids == []
            else queue.delete_in_batches(
                sessions, model, _selected(model, ids, before), order_by=model.id, batch=batch
            )
        )
    return counts
