"""Files the bot keeps for a while: an export waiting to be sent to the one who asked, and a
spreadsheet sent to /import, kept until its report is confirmed. Same rules as
storage/models.py: every row belongs to a tenant, times are UTC. Retention removes old ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.base import Base, tenant_fk

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
