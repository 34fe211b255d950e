"""The deal's process after the first touches (issue 20): quote and discount approvals with their
clock, who ticked which item of a stage's checklist, delivery milestones, and payment plans
with the money collected. Same rules as storage/models.py: every row belongs to a tenant, times
are UTC."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, tenant_fk

# --- approvals (issue 20): migration 0018 ---


class Approval(Base):
    """A rep's request to quote a price and/or a discount on a deal, and its decision. A3 in
    chat is the row with id 3. `working_seconds` is the clock: request to decision in working
    time (bot/worktime.py), set once decided."""

    __tablename__ = "approvals"
    __table_args__ = (
        # the reminder/escalation scan spans tenants: pending rows, oldest first
        Index("ix_approvals_waiting", "status", "waiting_since"),
        # what waits on an approver, and a requester's own
        Index("ix_approvals_approver", "tenant_id", "approver_id", "status"),
        Index("ix_approvals_requester", "tenant_id", "requester_id", "status"),
        # a deal's approvals (approved_quote), a customer's
        Index("ix_approvals_deal", "deal_id", "status"),
        Index("ix_approvals_customer", "customer_id", "status"),
        # decision times of a period (the weekly review)
        Index("ix_approvals_decided", "tenant_id", "decided_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    level: Mapped[int] = mapped_column(Integer, default=1)  # 1, then 2 once escalated, …
    amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 2))  # the quote asked for
    currency: Mapped[str | None] = mapped_column(String(3))
    discount_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # 九折 = 10
    reason: Mapped[str | None] = mapped_column(Text)  # the rep's words, verbatim
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending|approved|rejected
    requested_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    decision_note: Mapped[str | None] = mapped_column(Text)
    # the current level's clock: since when it waits on this approver, when reminded, escalated
    waiting_since: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    working_seconds: Mapped[int | None] = mapped_column(Integer)


# --- stage checklists (issue 20): migration 0019 ---


class ChecklistTick(Base):
    """An item of a deal's stage checklist ticked: by whom and when, and, once unticked, by
    whom and when (a row is never deleted, so who ticked what stays known; ticking it again
    is a new row). An item is ticked while it has a row with `undone_at` unset."""

    __tablename__ = "checklist_ticks"
    __table_args__ = (
        # a deal's checklist at its stage (the card, /check, the gate, the digest)
        Index("ix_checklist_ticks_deal", "deal_id", "stage", "item"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(40))  # the stage's key
    item: Mapped[str] = mapped_column(String(40))  # the item's key (bot/pipeline.py)
    text: Mapped[str] = mapped_column(Text)  # the item's words when it was ticked
    ticked_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    ticked_at: Mapped[datetime]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    undone_at: Mapped[datetime | None]


# --- delivery milestones (issue 20): migration 0020 ---


class Milestone(Base):
    """A delivery milestone (交付节点) of a deal: its title verbatim, its due day or moment, who
    owns it, and when it was done. Payment steps may hang on `done_at` (migration 0021)."""

    __tablename__ = "milestones"
    __table_args__ = (
        # the reminder scan spans tenants: open milestones by due time
        Index("ix_milestones_open_due", "status", "due_at"),
        # a deal's milestones (/milestone D12, the payment plan), a customer's (/customer)
        Index("ix_milestones_deal", "deal_id", "status", "due_at"),
        Index("ix_milestones_customer", "customer_id", "status", "due_at"),
        # an owner's (the digest, by rep)
        Index("ix_milestones_owner", "tenant_id", "owner_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)  # the M3 of /milestone M3 done
    tenant_id: Mapped[int] = tenant_fk()
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(Text)  # the speaker's words, verbatim
    due_at: Mapped[datetime]
    # as tasks keep it: True, a whole day (due_at is that day's start in the owner's zone);
    # False, the moment the person typed
    due_all_day: Mapped[bool] = mapped_column(Boolean, default=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | done
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    # reminder bookkeeping: the last reminder sent, and how many (the first is "due", later
    # ones "overdue"); outbox dedup keys keep each one single
    last_reminded_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)


# --- payment plans and money collected (issue 20): migration 0021 ---


class PaymentStep(Base):
    """One step of a deal's payment plan (回款计划): its share of the deal, when it falls due,
    and how much of it has come in. A step is due on `due_on`, a day; a step hung on a delivery
    milestone has none until the milestone is done, then falls due `after_days` after its
    `done_at` (bot/payments.py sets it). A plan written anew marks the open steps it replaces
    `replaced` (kept: the audit and the history read them)."""

    __tablename__ = "payment_steps"
    __table_args__ = (
        # the reminder scan spans tenants: open steps by due day
        Index("ix_payment_steps_due", "status", "due_on"),
        # a deal's plan in order (/paid applies money to its oldest open step)
        Index("ix_payment_steps_deal", "deal_id", "status", "sequence"),
        # a customer's receivables (/receivables within reach, the digest)
        Index("ix_payment_steps_customer", "customer_id", "status", "due_on"),
        # the steps waiting on a milestone
        Index("ix_payment_steps_milestone", "milestone_id", "status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(Integer)  # 1, 2, … within the plan
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # as written: 30% → 30
    due_on: Mapped[date | None] = mapped_column(Date)
    milestone_id: Mapped[int | None] = mapped_column(
        ForeignKey("milestones.id", ondelete="SET NULL")
    )
    after_days: Mapped[int | None] = mapped_column(Integer)  # days after the milestone's done_at
    terms: Mapped[str] = mapped_column(String(200))  # the step as written: 70% 验收后30天
    paid: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | paid | replaced
    paid_at: Mapped[datetime | None]
    # which reminder went out last: "before" (the lead days) or "due" (on the day)
    reminded: Mapped[str | None] = mapped_column(String(10))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class Payment(Base):
    """Money received on a deal (/paid D12 36k), as recorded: the whole sum, applied to the
    plan's oldest open steps (PaymentStep.paid)."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_deal", "deal_id", "received_at"),
        Index("ix_payments_customer", "customer_id", "received_at"),
        # what was collected in a period (/progress, by the deals' owners)
        Index("ix_payments_tenant_at", "tenant_id", "received_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int] = tenant_fk()
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    currency: Mapped[str] = mapped_column(String(3))
    received_at: Mapped[datetime]  # the day written (its start, in the writer's zone), else now
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime]
