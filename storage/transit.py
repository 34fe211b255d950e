"""Tables of messages in transit and of the workers that move them: the inbox (what platforms
delivered, before it is handled), the outbox (what is to be sent), and the leases and paces
every instance shares. The sales records are in storage/models.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, tenant_fk


class InboxItem(Base):
    """A platform's delivery, stored before the platform got its answer; then claimed, handled
    and marked done in the handler's own transaction. The unique key makes a retried or
    doubled delivery a no-op at the insert, so it never reaches the handler twice."""

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("platform", "workspace", "delivery_key"),
        Index("ix_inbox_due", "status", "next_attempt_at"),
        Index("ix_inbox_lane_due", "lane", "status", "next_attempt_at"),
        Index("ix_inbox_conversation", "conversation", "status", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(20))
    workspace: Mapped[str] = mapped_column(String(200))  # the platform's tenant (team, corp, …)
    delivery_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|claimed|done|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None]
    done_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    # the order it keeps (bot/inbox.py): a row waits while an earlier one of its conversation
    # (platform, workspace, channel or the user of a 1:1 chat or a click; NULL: not known) is
    # pending or claimed; rows of one conversation share a lane (0..inbox.LANES-1), and each
    # worker claims from its own lanes (bot/lanes.py)
    lane: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    conversation: Mapped[str | None] = mapped_column(String(300))


class OutboxItem(Base):
    """A push waiting to be delivered; the dedup key makes enqueueing idempotent."""

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("tenant_id", "dedup_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_conversation", "conversation", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    dedup_key: Mapped[str] = mapped_column(String(200))
    platform: Mapped[str] = mapped_column(String(20))
    target_kind: Mapped[str] = mapped_column(String(10))  # person | channel
    target_id: Mapped[str] = mapped_column(String(200))
    target_name: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|claimed|sent|dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    platform_message_id: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    # the order it keeps: a later push to the same conversation waits until this one is sent,
    # retried later or dead, whichever instance holds it
    conversation: Mapped[str | None] = mapped_column(String(300))


class Lease(Base):
    """Something only one process may do at a time across instances (holding a connection of
    which the other side keeps only one): who holds it, until when unless renewed."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime]


class Pace(Base):
    """When a conversation may next be sent to (a platform's per-chat or per-member limit),
    shared by every instance, so two of them together keep the pace one would."""

    __tablename__ = "paces"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # platform:conversation
    next_at: Mapped[datetime]
