"""The rows several commands write: a touch (which also touches its deal) and a task."""

from __future__ import annotations

from datetime import datetime

from bot.context import Context
from storage.models import Activity, Customer, Deal, Meeting, Person, Task


def new_touch(ctx: Context, *, customer: Customer, deal: Deal | None, kind: str, text: str,
              tags: tuple[str, ...] = ()) -> Activity:  # fmt: skip
    activity = Activity(
        tenant_id=ctx.tenant.id,
        customer_id=customer.id,
        deal_id=deal.id if deal else None,
        author_id=ctx.me.id,
        type=kind,
        text=text,
        tags=list(tags),
        occurred_at=ctx.now,
        source_message_id=ctx.event.message_id,
    )
    ctx.session.add(activity)
    ctx.session.flush()
    if deal is not None:
        deal.last_touch_at = ctx.now  # what keeps a deal from going stale
    return activity


def new_task(
    ctx: Context,
    *,
    customer: Customer,
    deal: Deal | None,
    text: str,
    due: datetime | None,
    owner: Person | None = None,
    activity: Activity | None = None,
    meeting: Meeting | None = None,
) -> Task:
    task = Task(
        tenant_id=ctx.tenant.id,
        customer_id=customer.id,
        deal_id=deal.id if deal else None,
        owner_id=(owner or ctx.me).id,
        created_by_id=ctx.me.id,
        text=text,
        due_at=due,
        source_activity_id=activity.id if activity else None,
        source_meeting_id=meeting.id if meeting else None,
        created_at=ctx.now,
    )
    ctx.session.add(task)
    ctx.session.flush()
    return task
