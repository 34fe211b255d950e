"""Follow-up reminders (with Done / Snooze / Log) and reminders to requirement confirmers."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from bot.buttons import Act, button_id
from bot.jobs.env import JobEnv
from bot.outcome import Button, Card
from storage.models import (
    Confirmation,
    Customer,
    Person,
    Requirement,
    RequirementVersion,
    Task,
    Tenant,
)

SCAN_LIMIT = 5000


def followups(env: JobEnv, now: datetime) -> int:
    """Due and still open → the owner hears at due time (moved into working time), then again
    at the start of each later working day until it is done or snoozed."""
    cal = env.settings.calendar
    sent = 0
    with env.sessions.begin() as s:
        rows = s.execute(
            select(Task, Person, Tenant, Customer)
            .join(Person, Person.id == Task.owner_id)
            .join(Tenant, Tenant.id == Task.tenant_id)
            .outerjoin(Customer, Customer.id == Task.customer_id)
            .where(
                Task.status == "open",
                Task.due_at <= now,
                or_(Task.snoozed_until.is_(None), Task.snoozed_until <= now),
                # reminded at most once a day: skip the recently reminded without a lookup
                or_(
                    Task.last_reminded_at.is_(None),
                    Task.last_reminded_at <= now - timedelta(hours=12),
                ),
            )
            .order_by(Task.due_at)
            .limit(SCAN_LIMIT)
        ).all()
        for task, owner, tenant, customer in rows:
            tz = env.tz(owner, tenant)
            today = now.astimezone(ZoneInfo(tz)).date()
            first = cal.working_moment(max(task.due_at, task.snoozed_until or task.due_at), tz)
            if first.date() == today:
                slot = first
            else:
                slot = cal.working_moment(datetime.combine(today, time(0), ZoneInfo(tz)), tz)
                if slot.date() != today:
                    continue  # not a working day: the next one will remind
            if now < slot or now < first:
                continue
            overdue = cal.working_moment(task.due_at, tz).date() < today
            card = Card(
                key=f"task:{task.id}",
                title=env.say(owner, tenant, "jobs.followup_title", task=task, overdue=overdue),
                body=env.say(
                    owner,
                    tenant,
                    "jobs.followup_body",
                    task=task,
                    customer=customer,
                    overdue=overdue,
                ),
                buttons=(
                    Button(
                        id=button_id(Act.TASK_DONE, task.id),
                        label=env.say(owner, tenant, "jobs.done_button"),
                        style="primary",
                    ),
                    Button(
                        id=button_id(Act.TASK_SNOOZE, task.id),
                        label=env.say(owner, tenant, "jobs.snooze_button"),
                    ),
                    Button(
                        id=button_id(Act.TASK_LOG, task.id), label=env.say(owner, tenant, "jobs.log_button")
                    ),
                ),
                fallback=env.say(
                    owner,
                    tenant,
                    "jobs.followup_body",
                    task=task,
                    customer=customer,
                    overdue=overdue,
                ),
            )
            if env.push(s, owner, f"followup:{task.id}:{today}", card=card, now=now):
                sent += 1
            task.last_reminded_at = now
    return sent


def confirmations(env: JobEnv, now: datetime) -> int:
    """A requirement waiting on a confirmer for a working day → remind that confirmer, once."""
    cal = env.settings.calendar
    days = env.settings.rules.confirm_remind_after_wd
    sent = 0
    with env.sessions.begin() as s:
        rows = s.execute(
            select(Requirement, RequirementVersion, Customer, Tenant)
            .join(
                RequirementVersion,
                (RequirementVersion.requirement_id == Requirement.id)
                & (RequirementVersion.version == Requirement.current_version),
            )
            .join(Customer, Customer.id == Requirement.customer_id)
            .join(Tenant, Tenant.id == Requirement.tenant_id)
            .where(
                Requirement.status == "pending",
                RequirementVersion.created_at <= now - timedelta(hours=days * 12),
                RequirementVersion.created_at >= now - timedelta(days=60),
            )
            .limit(SCAN_LIMIT)
        ).all()
        for req, version, customer, tenant in rows:
            decided = set(
                s.scalars(
                    select(Confirmation.person_id).where(
                        Confirmation.requirement_id == req.id,
                        Confirmation.version == req.current_version,
                    )
                )
            )
            for pid in req.confirmer_ids:
                person = s.get_one(Person, int(pid))
                if person.id in decided:
                    continue
                due = cal.working_days_after(version.created_at, days, env.tz(person, tenant))
                if now < due:
                    continue
                text = env.say(
                    person,
                    tenant,
                    "jobs.confirm_reminder",
                    req=req,
                    version=version,
                    customer=customer,
                )
                key = f"req:{req.id}:v{req.current_version}:remind:{person.id}"
                card = Card(
                    key=f"req:{req.id}",
                    title=env.say(person, tenant, "jobs.confirm_title", req=req, customer=customer),
                    body=text,
                    buttons=(
                        Button(
                            id=button_id(Act.REQ_CONFIRM, req.id, req.current_version),
                            label=env.say(person, tenant, "requirements.confirm_button"),
                            style="primary",
                        ),
                        Button(
                            id=button_id(Act.REQ_CHANGE, req.id, req.current_version),
                            label=env.say(person, tenant, "requirements.change_button"),
                        ),
                    ),
                    fallback=text,
                )
                if env.push(s, person, key, card=card, now=now):
                    sent += 1
    return sent
