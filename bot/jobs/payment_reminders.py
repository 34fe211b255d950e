"""Payment reminders: a deal's owner hears of each open payment step `[payments]
remind_days_before` working days before its due day, on it (the first working day on or after
it), and once more the working day after that if it is still open, at the start of the working
day in the owner's zone. Each push has its dedup key (`payment:<step>:<before|due|overdue>:<due
day>`), and the step keeps which one went out, so the scan skips what was said. Overdue steps
then go to the manager's morning digest (bot/payments.py `open_within`). A step hung on a
milestone falls due once the milestone is done; its owner is told so then (`released`).
A step hung on a milestone has no due day until the milestone is done (`release`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot import payment_dues as dues
from bot.jobs.due import SCAN_LIMIT
from bot.jobs.env import JobEnv
from bot.speaker import speaker, words_for
from bot.worktime import WorkCalendar
from storage.models import Customer, Deal, Person, Tenant
from storage.process import Milestone, PaymentStep

OVERDUE_TOLD_DAYS = 45  # a step overdue longer is left to the digest


def reminders(env: JobEnv, now: datetime) -> int:
    lead = env.settings.payments.remind_days_before
    # N working days before a due day is at most this many calendar days before it (weekends
    # and the longest holiday, the Spring Festival's 8 days)
    horizon = now.date() + timedelta(days=2 * lead + 16)
    sent = 0
    with env.sessions.begin() as s:
        dues.release(s)
        sent += _released(env, s, now, lead)
        rows = s.execute(
            select(PaymentStep, Deal, Customer, Tenant)
            .join(Deal, Deal.id == PaymentStep.deal_id)
            .join(Customer, Customer.id == PaymentStep.customer_id)
            .join(Tenant, Tenant.id == PaymentStep.tenant_id)
            .where(
                PaymentStep.status == "open",
                PaymentStep.due_on <= horizon,
                # long overdue ones were told (or were planned overdue): the digest has them,
                # and the scan stays a range of the (status, due_on) index
                PaymentStep.due_on >= now.date() - timedelta(days=OVERDUE_TOLD_DAYS),
                or_(PaymentStep.reminded.is_(None), PaymentStep.reminded != "overdue"),
            )
            .order_by(PaymentStep.due_on, PaymentStep.id)
            .limit(SCAN_LIMIT)
        ).all()
        for step, deal, customer, tenant in rows:
            owner = _owner(s, deal, customer)
            if owner is None or step.due_on is None:
                continue
            cal, today = _workday(env, owner, tenant, now)
            if today is None:
                continue
            kind = _due_kind(cal, step.due_on, today, lead, step.reminded)
            if kind is None:
                continue
            text = words_for(
                env.words,
                owner,
                tenant,
                "payments.reminder",
                now=env.now,
                kind=kind,
                step=step,
                deal=deal,
                customer=customer,
                still=step.amount - step.paid,
                late=today > step.due_on,  # a due day off: reminded on the next one
            )
            key = f"payment:{step.id}:{kind}:{step.due_on}"
            sent += env.push(s, owner, key, text=text, now=now)
            step.reminded = kind
    return sent


def _owner(s: Session, deal: Deal, customer: Customer) -> Person | None:
    owner_id = deal.owner_id or customer.owner_id
    return s.get(Person, owner_id) if owner_id else None


def _workday(
    env: JobEnv, person: Person, tenant: Tenant, now: datetime
) -> tuple[WorkCalendar, date | None]:
    """The tenant's calendar, and the person's today if `now` is at or after the start of a
    working day in their zone (reminders come then), else None."""
    tz, cal = speaker(person, tenant).zone, env.calendar(tenant)
    today = now.astimezone(ZoneInfo(tz)).date()
    hours = cal.working_hours(today, tz)
    return cal, (today if hours is not None and now >= hours[0] else None)


def _released(env: JobEnv, s: Session, now: datetime, lead: int) -> int:
    """Steps planned on a milestone that has been done since: their owner hears once when
    each now falls due (dedup payment:<step>:released), unless a reminder of it is due now
    anyway; their reminders follow as any step's."""
    rows = s.execute(
        select(PaymentStep, Milestone, Deal, Customer, Tenant)
        .join(Milestone, Milestone.id == PaymentStep.milestone_id)
        .join(Deal, Deal.id == PaymentStep.deal_id)
        .join(Customer, Customer.id == PaymentStep.customer_id)
        .join(Tenant, Tenant.id == PaymentStep.tenant_id)
        .where(
            PaymentStep.milestone_id.is_not(None),
            PaymentStep.status == "open",
            PaymentStep.reminded.is_(None),
            PaymentStep.due_on.is_not(None),
            Milestone.done_at > PaymentStep.created_at,
        )
        .limit(SCAN_LIMIT)
    ).all()
    sent = 0
    for step, m, deal, customer, tenant in rows:
        owner = _owner(s, deal, customer)
        if owner is None or step.due_on is None:
            continue
        cal, today = _workday(env, owner, tenant, now)
        if today is None:
            continue
        if _due_kind(cal, step.due_on, today, lead, None) is not None:
            continue  # its reminder, due now, says it
        text = words_for(
            env.words,
            owner,
            tenant,
            "payments.released",
            now=env.now,
            step=step,
            milestone=m,
            deal=deal,
            customer=customer,
            still=step.amount - step.paid,
        )
        sent += env.push(s, owner, f"payment:{step.id}:released", text=text, now=now)
        step.reminded = "released"
    return sent


def _due_kind(cal: WorkCalendar, due: date, today: date, lead: int, said: str | None) -> str | None:
    """ "overdue" from the working day after the due one, "due" from the first working day on
    or after `due`, "before" from `lead` working days before it; each once (`said`: the last
    one sent), a later one in place of any missed before it; else None."""
    on = due
    while not cal.is_working_day(on):
        on += timedelta(days=1)
    after = on + timedelta(days=1)
    while not cal.is_working_day(after):
        after += timedelta(days=1)
    if today >= after:
        return None if said == "overdue" else "overdue"
    if today >= on:
        return None if said in ("due", "overdue") else "due"
    if said not in (None, "released") or lead <= 0:
        return None
    first, n = due, 0
    while n < lead:
        first -= timedelta(days=1)
        n += cal.is_working_day(first)
    return "before" if today >= first else None
