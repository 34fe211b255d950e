"""The one scan for what a job may be due to push: items (tasks, meetings, questions) with the
person who hears of them, their tenant and customer, read in that person's zone.

The scan only narrows; each job's rules (bot/deadlines.py for tasks) decide what is due.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.jobs.env import JobEnv
from bot.speaker import speaker
from bot.worktime import WorkCalendar
from storage.models import Customer, Person, Tenant

SCAN_LIMIT = 5000

T = TypeVar("T")


@dataclass(frozen=True, kw_only=True)
class DueItem(Generic[T]):
    item: T
    person: Person  # who hears of it: its owner, its organiser
    tenant: Tenant
    customer: Customer | None  # a task may have none
    zone: str  # the person's (bot/speaker.py)
    calendar: WorkCalendar  # the tenant's


def reminded_today(env: JobEnv) -> timedelta:
    """A reminder on an earlier day was sent at least `day_start` (less an hour for a clock
    change) before today's working start: anything reminded more recently than this was
    reminded today, and a daily reminder skips it without reading it."""
    start = env.settings.day_start
    return max(timedelta(hours=start.hour - 1, minutes=start.minute), timedelta(hours=1))


def due_items(
    env: JobEnv,
    session: Session,
    model: type[T],
    person: InstrumentedAttribute[Any],
    *where: ColumnElement[bool],
    order_by: Iterable[Any] = (),
) -> list[DueItem[T]]:
    """Rows of `model` matching `where`, joined to the person `person` names (rows with nobody
    there are left out), their tenant and their customer (if the model may have none, rows
    without one are kept); at most SCAN_LIMIT, in `order_by`."""
    customer_id = model.customer_id  # type: ignore[attr-defined]
    rows = session.execute(
        select(model, Person, Tenant, Customer)
        .join(Person, Person.id == person)
        .join(Tenant, Tenant.id == model.tenant_id)  # type: ignore[attr-defined]
        # an item without a customer (a task may have none) is kept
        .join(Customer, Customer.id == customer_id, isouter=customer_id.expression.nullable)
        .where(*where)
        .order_by(*order_by)
        .limit(SCAN_LIMIT)
    ).all()
    return [
        DueItem(
            item=item,
            person=who,
            tenant=tenant,
            customer=customer,
            zone=speaker(who, tenant).zone,
            calendar=env.calendar(tenant),
        )
        for item, who, tenant, customer in rows
    ]
