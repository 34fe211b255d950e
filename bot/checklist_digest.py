"""Deals held up by their stage checklist, for the manager's morning digest and /digest: open
deals within reach that have sat in their stage with a required item open for more working days
than the stage allows (`Pipeline.stuck_days`, [pipeline] stuck_after_days), longest first."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.checklists import holding
from bot.pipeline import ChecklistItem, Pipeline, Stage
from bot.reach import Reach
from bot.worktime import WorkCalendar
from storage.models import Customer, Deal, Person, Tenant
from storage.process import ChecklistTick

STUCK_SHOWN = 10  # stuck deals a digest lists; the rest are counted
STUCK_SCAN = 500  # candidates a digest reads at most (oldest in their stage first)


@dataclass(frozen=True, kw_only=True)
class StuckDeal:
    deal: Deal
    customer: Customer
    owner: Person | None
    stage: Stage
    days: int  # working days in the stage
    items: list[ChecklistItem]  # the required items still open


@dataclass(kw_only=True)
class Stuck:
    deals: list[StuckDeal] = field(default_factory=list)
    more: int = 0  # stuck too, not listed

    def __bool__(self) -> bool:
        return bool(self.deals)


def stuck_deals(
    session: Session,
    *,
    tenant_id: int,
    reach: Reach,
    now: datetime,
    pipeline: Pipeline,
    calendar: WorkCalendar | None = None,
    tz: str | None = None,
) -> Stuck:
    """Open deals within `reach` that have sat in their stage with a required item open for
    more working days than the stage allows (`Pipeline.stuck_days`), longest first."""
    cal = calendar or WorkCalendar()
    zone = ZoneInfo(tz or session.get_one(Tenant, tenant_id).timezone)
    today = now.astimezone(zone).date()
    gated = [s for s in pipeline.open_stages if any(i.required for i in s.checklist)]
    if not gated:
        return Stuck()
    # more than N working days in the stage needs more than N calendar days: a range for the
    # (tenant_id, status, stage, stage_entered_at) index; the calendar decides below
    rules = [
        and_(
            Deal.stage == s.key,
            Deal.stage_entered_at
            < datetime.combine(today - timedelta(days=pipeline.stuck_days(s)), time(0), zone),
        )
        for s in gated
    ]
    rows = session.execute(
        select(Deal, Customer)
        .join(Customer, Customer.id == Deal.customer_id)
        .where(Deal.tenant_id == tenant_id, Deal.status == "open", or_(*rules))
        .where(Customer.tenant_id == tenant_id, reach.customers_sql())
        .order_by(Deal.stage_entered_at, Deal.id)
        .limit(STUCK_SCAN)
    ).all()
    days = _working_days_since(
        cal, today, {d.stage_entered_at.astimezone(zone).date() for d, _ in rows}
    )
    late = [
        (deal, customer, sat)
        for deal, customer in rows
        if (sat := days[deal.stage_entered_at.astimezone(zone).date()])
        > pipeline.stuck_days(pipeline.get(deal.stage))
    ]
    # every candidate's live ticks in one statement (ix_checklist_ticks_deal), not one each
    ticked: set[tuple[int, str, str]] = set()
    if late:
        ticked = {
            (deal_id, stage, item)
            for deal_id, stage, item in session.execute(
                select(ChecklistTick.deal_id, ChecklistTick.stage, ChecklistTick.item).where(
                    ChecklistTick.deal_id.in_([d.id for d, _, _ in late]),
                    ChecklistTick.undone_at.is_(None),
                )
            )
        }
    # the facts that tick items by themselves, for every candidate at once
    held = holding(
        session,
        (i for d, _, _ in late for i in pipeline.get(d.stage).checklist),
        [d.id for d, _, _ in late],
    )
    found: list[StuckDeal] = []
    for deal, customer, sat in late:
        stage = pipeline.get(deal.stage)
        missing = [
            item
            for item in stage.checklist
            if item.required
            and (deal.id, stage.key, item.key) not in ticked
            and (item.fact, deal.id) not in held
        ]
        if missing:
            found.append(
                StuckDeal(
                    deal=deal, customer=customer, owner=None, stage=stage, days=sat, items=missing
                )
            )
    found.sort(key=lambda s: (s.days, s.deal.amount or 0, -s.deal.id), reverse=True)
    shown = found[:STUCK_SHOWN]
    owners = {d.deal.owner_id for d in shown if d.deal.owner_id}
    people = (
        {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(owners)))}
        if owners
        else {}
    )
    shown = [replace(d, owner=people.get(d.deal.owner_id or 0)) for d in shown]
    return Stuck(deals=shown, more=len(found) - len(shown))


def _working_days_since(cal: WorkCalendar, today: date, days: set[date]) -> dict[date, int]:
    """For each of `days`: the working days after it, up to and including `today`."""
    out: dict[date, int] = {}
    count, day = 0, today
    for last in sorted(days, reverse=True):
        while day > last:
            count += cal.is_working_day(day)
            day -= timedelta(days=1)
        out[last] = count
    return out
