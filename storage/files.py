"""Files the bot keeps for a while: an export waiting to be sent to the one who asked, and a
spreadsheet sent to /import, kept until its report is confirmed. Same rules as
storage/models.py: every row belongs to a tenant, times are UTC. Retention removes old ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, delete, exists, select
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from storage.base import Base, tenant_fk
from storage.transit import OutboxItem

MAX_BYTES = 20 * 1024 * 1024  # what one row may hold; exports and imports refuse far below


class StoredFile(Base):
    __tablename__ = "files"
    __table_args__ = (Index("ix_files_created", "created_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    kind: Mapped[str] = mapped_column(String(20))  # export | import
    name: Mapped[str] = mapped_column(String(200))  # as the person sees it
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    # an import's file: None while its report waits, then "imported" or "cancelled" (0024)
    settled: Mapped[str | None] = mapped_column(String(20))


def keep(
    session: Session,
    *,
    tenant_id: int,
    kind: str,
    name: str,
    data: bytes,
    now: datetime,
    person_id: int | None = None,
) -> int:
    """Store `data`; its id (flushed, not committed: it commits with the change it belongs to)."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"a stored file holds at most {MAX_BYTES} bytes, not {len(data)}")
    row = StoredFile(
        tenant_id=tenant_id,
        kind=kind,
        name=name[:200],
        person_id=person_id,
        size=len(data),
        data=data,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row.id


def read(session: Session, file_id: int) -> bytes | None:
    """The bytes of a stored file; None when it is gone (pruned)."""
    return session.scalar(
        StoredFile.__table__.select()
        .with_only_columns(StoredFile.data)
        .where(StoredFile.id == file_id)
    )


def prune(
    sessions: sessionmaker[Session],
    *,
    cutoff: datetime,
    batch: int,
    stopping: Callable[[], bool] = lambda: False,
) -> int:
    """Delete the files kept before `cutoff` that no unsent outbox row names (pending, claimed,
    or dead: an admin may still retry it), at most `batch` per short transaction; how many.
    Rows another transaction holds are skipped (SKIP LOCKED on PostgreSQL)."""
    named = OutboxItem.payload[("attachment", "file_id")].as_integer()
    unsent = OutboxItem.status.in_(("pending", "claimed", "dead"))  # by the due index
    wanted = exists().where(unsent, named == StoredFile.id)
    pick = (
        select(StoredFile.id)
        .where(StoredFile.created_at < cutoff, ~wanted)
        .order_by(StoredFile.created_at, StoredFile.id)
        .limit(batch)
        .with_for_update(skip_locked=True, of=StoredFile)
    )
    total = 0
    while not stopping():
        with sessions.begin() as s:
            ids = list(s.scalars(pick))
            if ids:
                s.execute(delete(StoredFile).where(StoredFile.id.in_(ids)))
        total += len(ids)
        if len(ids) < batch:
            break
    return total
