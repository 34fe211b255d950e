"""Payment reminders: a deal's owner hears of each open payment step `[payments]
remind_days_before` working days before its due day, on it (the first working day on or after
it), and once more the working day after that if it is still open, at the start of the working
day in the owner's zone. Each push has its dedup key (`payment:<step>:<before|due|overdue>:<due
day>`), and the step keeps which one went out, so the scan skips what was said. Overdue steps
then go to the manager's morning digest (bot/payments.py `open_within`).
A step hung on a milestone has no due day until the milestone is done (`release`)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from bot import payments as pay
from bot.jobs.due import SCAN_LIMIT
from bot.jobs.env import JobEnv
from bot.speaker import speaker, words_for
from bot.worktime import WorkCalendar
from storage.models import Customer, Deal, PaymentStep, Person, Tenant


def reminders(env: JobEnv, now: datetime) -> int:
    lead = env.settings.payments.remind_days_before
    # N working days before a due day is at most this many calendar days before it (weekends
    # and the longest holiday, the Spring Festival's 8 days)
    horizon = now.date() + timedelta(days=2 * lead + 16)
    sent = 0
    with env.sessions.begin() as s:
        pay.release(s)
        rows = s.execute(
            select(PaymentStep, Deal, Customer, Tenant)
            .join(Deal, Deal.id == PaymentStep.deal_id)
            .join(Customer, Customer.id == PaymentStep.customer_id)
            .join(Tenant, Tenant.id == PaymentStep.tenant_id)
            .where(
                PaymentStep.status == "open",
                PaymentStep.due_on <= horizon,
                or_(PaymentStep.reminded.is_(None), PaymentStep.reminded != "overdue"),
            )
            .order_by(PaymentStep.due_on, PaymentStep.id)
            .limit(SCAN_LIMIT)
        ).all()
        for step, deal, customer, tenant in rows:
            owner_id = deal.owner_id or customer.owner_id
            owner = s.get(Person, owner_id) if owner_id else None
            if owner is None or step.due_on is None:
                continue
            tz, cal = speaker(owner, tenant).zone, env.calendar(tenant)
            today = now.astimezone(ZoneInfo(tz)).date()
            hours = cal.working_hours(today, tz)
            if hours is None or now < hours[0]:
                continue  # at the start of a working day, in the owner's zone
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
    if said is not None or lead <= 0:
        return None
    first, n = due, 0
    while n < lead:
        first -= timedelta(days=1)
        n += cal.is_working_day(first)
    return "before" if today >= first else None
