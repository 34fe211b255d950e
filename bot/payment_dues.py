"""What is due on payment plans (回款): a step's due day (its own, or its milestone's done day
plus days, `release`), and the steps still open within a reach, overdue first and riskiest
first (open amount × days overdue) — for /receivables, the digest and the reminder rule.
Plans and money in: bot/payments.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.reach import Reach
from bot.speaker import speaker
from storage.models import Customer, Deal, Person, Tenant
from storage.process import Milestone, PaymentStep

ZERO = Decimal(0)
SHOWN = 20  # receivables a listing or a digest names; the rest are counted


def owner_zone(session: Session, deal: Deal, tenant: Tenant) -> str:
    """The zone a deal's days are read in: its owner's."""
    owner = session.get(Person, deal.owner_id) if deal.owner_id else None
    return speaker(owner, tenant).zone if owner else tenant.timezone


def milestone_due(m: Milestone, after_days: int, zone: str) -> date | None:
    """A step hung on `m` falls due `after_days` after the day it was done; None while open."""
    if m.status != "done" or m.done_at is None:
        return None
    return m.done_at.astimezone(ZoneInfo(zone)).date() + timedelta(days=after_days)


@dataclass(kw_only=True)
class Receivable:
    step: PaymentStep
    deal: Deal
    customer: Customer
    owner: Person | None
    due: date | None  # None: waiting on its milestone
    open: Decimal  # still to come in
    days_over: int  # calendar days past its due day (0: not overdue)
    milestone: Milestone | None = None

    @property
    def risk(self) -> Decimal:
        return self.open * self.days_over


@dataclass(kw_only=True)
class Receivables:
    rows: list[Receivable]  # the first SHOWN: overdue riskiest first, then by due day
    more: int = 0  # not listed
    open: dict[str, Decimal] = field(default_factory=dict)  # per currency, all of them
    overdue: dict[str, Decimal] = field(default_factory=dict)
    overdue_count: int = 0


def release(session: Session, tenant_id: int | None = None) -> int:
    """Steps hung on a milestone that is done get their due day (done day + days); returns
    how many. Called by the reminder rule and before every listing."""
    where = [
        PaymentStep.status.in_(("open", "paid")),  # a step paid early still has its day
        PaymentStep.due_on.is_(None),
        PaymentStep.milestone_id.is_not(None),
        Milestone.status == "done",
    ]
    if tenant_id is not None:
        where.append(PaymentStep.tenant_id == tenant_id)
    rows = session.execute(
        select(PaymentStep, Milestone, Deal, Tenant)
        .join(Milestone, Milestone.id == PaymentStep.milestone_id)
        .join(Deal, Deal.id == PaymentStep.deal_id)
        .join(Tenant, Tenant.id == PaymentStep.tenant_id)
        .where(*where)
        .limit(5000)
    ).all()
    for step, m, deal, tenant in rows:
        step.due_on = milestone_due(m, step.after_days or 0, owner_zone(session, deal, tenant))
    return len(rows)


def open_within(
    session: Session, tenant_id: int, reach: Reach, today: date, *, overdue_only: bool = False
) -> Receivables:
    """The open steps on the customers within `reach`: the overdue ones riskiest first
    (open amount × days overdue), then the rest by due day, those waiting on a milestone last;
    totals per currency over all of them."""
    release(session, tenant_id)
    query = (
        select(PaymentStep, Deal, Customer)
        .join(Deal, Deal.id == PaymentStep.deal_id)
        .join(Customer, Customer.id == PaymentStep.customer_id)
        .where(
            PaymentStep.tenant_id == tenant_id,
            PaymentStep.status == "open",
            and_(Customer.tenant_id == tenant_id, reach.customers_sql()),
        )
    )
    if overdue_only:
        query = query.where(PaymentStep.due_on < today)
    found = []
    totals: dict[str, Decimal] = {}
    late: dict[str, Decimal] = {}
    for step, deal, customer in session.execute(query.limit(5000)):
        still = step.amount - step.paid
        over = (today - step.due_on).days if step.due_on and step.due_on < today else 0
        totals[step.currency] = totals.get(step.currency, ZERO) + still
        if over:
            late[step.currency] = late.get(step.currency, ZERO) + still
        found.append((step, deal, customer, still, over))

    def order(r: tuple[PaymentStep, Deal, Customer, Decimal, int]) -> tuple[Any, ...]:
        step, _, _, still, over = r
        if over:
            return (0, -(still * over), step.due_on, step.id)
        return (1 if step.due_on else 2, ZERO, step.due_on or date.max, step.id)

    found.sort(key=order)
    rows = []
    for step, deal, customer, still, over in found[:SHOWN]:
        owner = session.get(Person, deal.owner_id) if deal.owner_id else None
        m = session.get(Milestone, step.milestone_id) if step.milestone_id else None
        rows.append(
            Receivable(
                step=step,
                deal=deal,
                customer=customer,
                owner=owner,
                due=step.due_on,
                open=still,
                days_over=over,
                milestone=m,
            )
        )
    return Receivables(
        rows=rows,
        more=max(len(found) - SHOWN, 0),
        open=totals,
        overdue=late,
        overdue_count=sum(1 for r in found if r[4]),
    )
