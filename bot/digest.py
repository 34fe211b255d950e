"""What a manager must look at: stale deals, overdue follow-ups, open questions, confirmations.

Shared by `/digest` and the daily push, so both always say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.pipeline import Pipeline
from bot.reach import Reach
from storage.models import Customer, Deal, Person, Question, Requirement, Task


@dataclass(kw_only=True)
class StaleDeal:
    deal: Deal
    customer: Customer
    days_over: int
    risk: Decimal


@dataclass(kw_only=True)
class RepDigest:
    person: Person
    stale: list[StaleDeal] = field(default_factory=list)
    overdue: list[tuple[Task, Customer | None]] = field(default_factory=list)
    questions: list[tuple[Question, Customer]] = field(default_factory=list)


@dataclass(kw_only=True)
class Digest:
    reps: list[RepDigest]
    pending: list[tuple[Requirement, Customer]]

    @property
    def empty(self) -> bool:
        return not self.pending and not any(r.stale or r.overdue or r.questions for r in self.reps)


def build(
    session: Session, *, tenant_id: int, reach: Reach, now: datetime, pipeline: Pipeline
) -> Digest:
    """Everything due on the customers within `reach`, and the tasks and questions of the
    person it belongs to (bot/reach.py)."""
    seen = reach.owned(Customer.owner_id)

    reps: dict[int, RepDigest] = {}

    def rep(pid: int | None) -> RepDigest | None:
        if pid is None:
            return None
        if pid not in reps:
            reps[pid] = RepDigest(person=session.get_one(Person, pid))
        return reps[pid]

    stale_rules = [
        and_(Deal.stage == s.key, Deal.last_touch_at < now - timedelta(days=s.stale_after_days))
        for s in pipeline.open_stages
        if s.stale_after_days is not None
    ]
    shortest = min(
        (s.stale_after_days for s in pipeline.open_stages if s.stale_after_days), default=0
    )
    rows = session.execute(
        select(Deal, Customer)
        .join(Customer, Customer.id == Deal.customer_id)
        .where(Deal.tenant_id == tenant_id, Deal.status == "open", seen)
        # a plain range first, so the (tenant, status, last_touch_at) index does the work
        .where(Deal.last_touch_at < now - timedelta(days=shortest))
        .where(or_(*stale_rules))
    ).all()
    for deal, customer in rows:
        allowed = pipeline.get(deal.stage).stale_after_days or 0
        days_over = (now - deal.last_touch_at).days - allowed
        risk = (deal.amount or Decimal(0)) * max(days_over, 1)
        if (r := rep(deal.owner_id)) is not None:
            r.stale.append(StaleDeal(deal=deal, customer=customer, days_over=days_over, risk=risk))
    for task, tcustomer in session.execute(
        select(Task, Customer)
        .outerjoin(Customer, Customer.id == Task.customer_id)
        .where(Task.tenant_id == tenant_id, Task.status == "open", Task.due_at < now)
        .where(or_(seen, Task.owner_id == reach.person_id))
        .order_by(Task.due_at)
    ).all():
        if (r := rep(task.owner_id)) is not None:
            r.overdue.append((task, tcustomer))
    for question, qcustomer in session.execute(
        select(Question, Customer)
        .join(Customer, Customer.id == Question.customer_id)
        .where(Question.tenant_id == tenant_id, Question.status == "open")
        .where(or_(seen, Question.owner_id == reach.person_id))
        .order_by(Question.asked_at)
    ).all():
        if (r := rep(question.owner_id)) is not None:
            r.questions.append((question, qcustomer))
    pending = [
        (req, customer)
        for req, customer in session.execute(
            select(Requirement, Customer)
            .join(Customer, Customer.id == Requirement.customer_id)
            .where(Requirement.tenant_id == tenant_id, Requirement.status != "confirmed")
            .where(seen)
            .order_by(Requirement.created_at)
        )
    ]
    for r in reps.values():
        r.stale.sort(key=lambda s: s.risk, reverse=True)
    ordered = sorted(
        reps.values(), key=lambda r: (sum(s.risk for s in r.stale), len(r.overdue)), reverse=True
    )
    return Digest(reps=ordered, pending=pending)
