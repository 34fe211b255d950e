"""Delivery milestones (交付节点): a deal's dated promises, owned, reminded and finished.

What other parts read: a deal's milestones and one of them by ref or title (`of_deal`, `named`,
for the payment plan that hangs a step on a milestone's `done_at`), a customer's for /customer
(`for_customer`), the late ones for the manager's digest (`late_for_digest`), and when one is
late (`overdue`, `lateness`) — by the same rules as a task's deadline (bot/deadlines.py): a whole
day is late once its working hours are over, a typed moment once it has passed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import deadlines
from bot.buttons import encode
from bot.context import Context, UserError
from bot.lexer import is_ref, ref_id
from bot.outcome import Button, Card
from bot.parse.normalize import normalize
from bot.reach import Reach
from bot.speaker import speaker
from bot.worktime import WorkCalendar
from storage.models import Customer, Deal, Person, Tenant
from storage.process import Milestone

SHOWN = 20  # milestones a listing or /customer names; more are counted


@dataclass(frozen=True, kw_only=True)
class _Clock:
    """A milestone as bot/deadlines.py reads a task's deadline (it has no snooze)."""

    due_at: datetime
    due_all_day: bool
    status: str
    last_reminded_at: datetime | None
    created_at: datetime
    snoozed_until: None = None


def clock(m: Milestone) -> Any:
    return _Clock(
        due_at=m.due_at,
        due_all_day=m.due_all_day,
        status=m.status,
        last_reminded_at=m.last_reminded_at,
        created_at=m.created_at,
    )


def overdue(m: Milestone, now: datetime, cal: WorkCalendar, tz: str) -> bool:
    """Open and past its deadline at `now`, in the owner's zone `tz`."""
    return deadlines.is_overdue(clock(m), now, cal, tz)


def lateness(m: Milestone, at: datetime, cal: WorkCalendar, tz: str) -> tuple[int, str] | None:
    """How late a milestone is (or was, when done) at `at`: (n, "day" | "hour" | "minute"),
    days counted from its due day in `tz`; None when it was not late."""
    view = clock(m)
    moment = deadlines.overdue_at(view, cal, tz)
    if moment is None or (at <= moment if not m.due_all_day else at < moment):
        return None
    zone = ZoneInfo(tz)
    days = (at.astimezone(zone).date() - m.due_at.astimezone(zone).date()).days
    if days >= 1:
        return days, "day"
    minutes = int((at - moment).total_seconds() // 60)
    if minutes >= 60:
        return minutes // 60, "hour"
    return max(minutes, 1), "minute"


def owner_zone(session: Session, m: Milestone, tenant: Tenant) -> str:
    owner = session.get(Person, m.owner_id) if m.owner_id else None
    return speaker(owner, tenant).zone if owner else tenant.timezone


def of_deal(session: Session, deal_id: int) -> list[Milestone]:
    """A deal's milestones, by due date (open and done)."""
    return list(
        session.scalars(
            select(Milestone)
            .where(Milestone.deal_id == deal_id)
            .order_by(Milestone.due_at, Milestone.id)
        )
    )


def named(session: Session, deal_id: int, text: str) -> Milestone | None:
    """One milestone of a deal as a person names it: its ref (`M3`, `#3`, `3`), else its title
    (case and width aside), else the one title that starts with or contains `text`; None when
    none or several do (the caller asks back)."""
    rows = of_deal(session, deal_id)
    if is_ref(text, "milestone") or text.strip().lstrip("#").isdigit():
        wanted = ref_id(text, "milestone")
        return next((m for m in rows if m.id == wanted), None)
    key = normalize(text).casefold().strip()
    if not key:
        return None
    for test in (
        lambda t: t == key,
        lambda t: t.startswith(key),
        lambda t: key in t,
    ):
        hits = [m for m in rows if test(normalize(m.title).casefold().strip())]
        if len(hits) == 1:
            return hits[0]
        if hits:
            return None
    return None


def own(ctx: Context, milestone_id: int, *, lock: bool = False) -> Milestone:
    """The milestone a ref or a button names, within reach (its customer's, or its owner's);
    else "no such milestone", as for one that never was."""
    m = ctx.row(Milestone, milestone_id, lock=lock)
    if m is not None:
        customer = ctx.session.get(Customer, m.customer_id)
        if customer is not None and ctx.reach.involved(customer, m.owner_id):
            return m
    raise UserError("unknown_milestone", ref=milestone_id)


def deal_by_ref(ctx: Context, deal_id: int) -> tuple[Deal, Customer]:
    """D12 within reach; else answered as a deal that does not exist."""
    deal = ctx.session.get(Deal, deal_id)
    if deal is not None and deal.tenant_id == ctx.tenant.id:
        customer = ctx.session.get(Customer, deal.customer_id)
        if customer is not None and ctx.reach.customer(customer):
            return deal, customer
    raise UserError("unknown_milestone_deal", ref=deal_id)


def deal_of_customer(session: Session, customer: Customer) -> Deal | None:
    """The deal a customer's milestones go on when no D-ref is written: the deal won last
    (delivery follows the win), else the open deal touched last."""
    won = session.scalar(
        select(Deal)
        .where(Deal.customer_id == customer.id, Deal.status == "won")
        .order_by(Deal.closed_at.desc(), Deal.id.desc())
        .limit(1)
    )
    if won is not None:
        return won
    return session.scalar(
        select(Deal)
        .where(Deal.customer_id == customer.id, Deal.status == "open")
        .order_by(Deal.last_touch_at.desc(), Deal.id.desc())
        .limit(1)
    )


def rows(ctx: Context, milestones: list[Milestone]) -> list[dict[str, Any]]:
    """Each milestone with its owner and its state for a listing: done (and how late), late
    (and by how much), or open."""
    cal = ctx.settings.calendar_for(ctx.tenant.timezone)
    out = []
    for m in milestones:
        owner = ctx.session.get(Person, m.owner_id) if m.owner_id else None
        tz = speaker(owner, ctx.tenant).zone if owner else ctx.tz
        if m.status == "done":
            late = lateness(m, m.done_at, cal, tz) if m.done_at else None
            state = "done"
        else:
            late = lateness(m, ctx.now, cal, tz)
            state = "late" if late else "open"
        out.append({"m": m, "owner": owner, "state": state, "late": late})
    return out


def for_customer(ctx: Context, customer: Customer) -> list[dict[str, Any]]:
    """/customer's lines: the customer's milestones, open ones first by due date, then the
    latest done."""
    s = ctx.session
    base = select(Milestone).where(Milestone.customer_id == customer.id)
    open_ = list(
        s.scalars(
            base.where(Milestone.status == "open")
            .order_by(Milestone.due_at, Milestone.id)
            .limit(SHOWN)
        )
    )
    done = list(
        s.scalars(
            base.where(Milestone.status == "done")
            .order_by(Milestone.done_at.desc(), Milestone.id.desc())
            .limit(max(SHOWN - len(open_), 3))
        )
    )
    return rows(ctx, open_ + done)


def late_for_digest(
    session: Session, tenant_id: int, reach: Reach, now: datetime, cal: WorkCalendar, tenant: Tenant
) -> list[dict[str, Any]]:
    """The open milestones past their deadline on the customers within `reach` (a lead's
    team), most late first, for the morning digest."""
    found = session.execute(
        select(Milestone, Customer, Person)
        .join(Customer, Customer.id == Milestone.customer_id)
        .outerjoin(Person, Person.id == Milestone.owner_id)
        .where(Milestone.tenant_id == tenant_id, Milestone.status == "open")
        .where(Milestone.due_at <= now, reach.customers_sql())
        .order_by(Milestone.due_at, Milestone.id)
        .limit(200)
    ).all()
    late = []
    for m, customer, owner in found:
        tz = speaker(owner, tenant).zone if owner else tenant.timezone
        if (how := lateness(m, now, cal, tz)) is not None:
            late.append({"m": m, "customer": customer, "owner": owner, "late": how})
    return late


DONE_ACT = "milestone.done"  # its Done button (bot/commands/milestone.py declares it)


@dataclass(frozen=True, kw_only=True)
class MilestoneButton:
    """`milestone.done:3` (a listing, a typed line), `milestone.done:3:1` (its reminder card,
    which a press draws again in place)."""

    milestone_id: int
    on_card: int = 0


def reminder_card(
    say: Callable[..., str],
    m: Milestone,
    deal: Deal,
    customer: Customer,
    *,
    late: tuple[int, str] | None,
    by: Person | None = None,
) -> Card:
    """A milestone's reminder: Done while open; once done it says so, without buttons."""
    said = {"m": m, "deal": deal, "customer": customer, "late": late, "by": by}
    body = say("milestone.reminder_body", **said)
    buttons: tuple[Button, ...] = ()
    if m.status != "done":
        press = MilestoneButton(milestone_id=m.id, on_card=1)
        buttons = (
            Button(
                id=encode(DONE_ACT, press), label=say("milestone.done_button", m=m), style="primary"
            ),
        )
    return Card(
        key=f"milestone:{m.id}",
        title=say("milestone.reminder_title", **said),
        body=body,
        buttons=buttons,
        fallback=body,
        tone="done" if m.status == "done" else "alert" if late else "waiting",
    )


def customer_section(ctx: Context, customer: Customer) -> str:
    """/customer's milestone lines (done ✓, late ⚠), or "" when the customer has none."""
    items = for_customer(ctx, customer)
    return ctx.t("milestone.customer_lines", items=items).strip("\n") if items else ""
