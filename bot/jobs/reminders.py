"""Follow-up reminders (with Done / Snooze / Log) and reminders to requirement confirmers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from bot import deadlines
from bot import followup_cards as cards
from bot.buttons import Act, button_id
from bot.jobs.due import SCAN_LIMIT, due_items, reminded_today
from bot.jobs.env import JobEnv
from bot.outcome import Button, Card
from bot.speaker import speaker, words_for
from storage.models import (
    Confirmation,
    Customer,
    Person,
    Requirement,
    RequirementVersion,
    Task,
    Tenant,
)


@dataclass(kw_only=True)
class _Due:
    task: Task
    customer: Customer | None
    overdue: bool
    morning: bool  # part of the start-of-day round, not a time the person typed


def followups(env: JobEnv, now: datetime) -> int:
    """An open task is reminded to its owner when `deadlines.next_reminder` says (a typed time
    as typed, a whole day at the start of its working day), then again at the start of each
    later working day until it is done or snoozed. What falls due at the start of a day goes out as one
    summary per person when there is more than one (the morning's first round; anything later
    that day comes a card at a time)."""
    recent = reminded_today(env)
    sent = 0
    with env.sessions.begin() as s:
        found = due_items(
            env,
            s,
            Task,
            Task.owner_id,
            Task.status == "open",
            Task.due_at <= now,  # every reminder moment is at or after due_at
            or_(Task.snoozed_until.is_(None), Task.snoozed_until <= now),
            or_(Task.last_reminded_at.is_(None), Task.last_reminded_at <= now - recent),
            order_by=(Task.due_at, Task.id),
        )
        due: dict[int, list[_Due]] = defaultdict(list)
        owners: dict[int, tuple[Person, Tenant, date]] = {}
        for row in found:
            task, owner = row.item, row.person
            reminder = deadlines.next_reminder(task, now, row.calendar, row.zone)
            if reminder is None:
                continue
            due[owner.id].append(
                _Due(
                    task=task,
                    customer=row.customer,
                    overdue=deadlines.is_overdue(task, now, row.calendar, row.zone),
                    morning=reminder.morning,
                )
            )
            owners[owner.id] = (owner, row.tenant, reminder.day)
        for pid, items in due.items():
            owner, tenant, today = owners[pid]
            singles = [d for d in items if not d.morning]
            round_ = [d for d in items if d.morning]
            if len(round_) > 1:
                card = _summary(env, owner, tenant, round_, now)
                if env.push(s, owner, f"followups:{owner.id}:{today}", card=card, now=now):
                    sent += 1
                else:  # this morning's summary went out already: these came since
                    singles += round_
            else:
                singles += round_
            for d in singles:
                card = _single(env, owner, tenant, d, now)
                if env.push(s, owner, f"followup:{d.task.id}:{today}", card=card, now=now):
                    sent += 1
            for d in items:
                d.task.last_reminded_at = now
    return sent


def _single(env: JobEnv, owner: Person, tenant: Tenant, d: _Due, now: datetime) -> Card:
    say = partial(words_for, env.words, owner, tenant, now=env.now)
    row = cards.Row(task=d.task, customer=d.customer, overdue=d.overdue)
    return cards.reminder(say, row, now=now)


def _summary(env: JobEnv, owner: Person, tenant: Tenant, items: list[_Due], now: datetime) -> Card:
    """One card for the start of the day: every task listed, and a Done and a Snooze button
    for each of the first SUMMARY_BUTTONS (a text-only platform shows the list)."""
    say = partial(words_for, env.words, owner, tenant, now=env.now)
    rows = [cards.Row(task=d.task, customer=d.customer, overdue=d.overdue) for d in items]
    return cards.summary(say, owner.id, rows, now=now)


def confirmations(env: JobEnv, now: datetime) -> int:
    """A requirement waiting on a confirmer for `confirm_remind_after_wd` working days → remind
    that confirmer then, and again at the start of each later working day until they answer."""
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
            cal = env.calendar(tenant)
            decided = set(
                s.scalars(
                    select(Confirmation.person_id).where(
                        Confirmation.requirement_id == req.id,
                        Confirmation.version == req.current_version,
                    )
                )
            )
            for pid in req.confirmer_ids:
                person = s.get(Person, int(pid))
                if person is None or person.id in decided:
                    continue
                tz = speaker(person, tenant).zone
                first = cal.working_days_after(version.created_at, days, tz)
                if now < first or not cal.is_working_time(now, tz):
                    continue  # a rule: only in working time
                today = now.astimezone(ZoneInfo(tz)).date()
                if first.astimezone(ZoneInfo(tz)).date() != today:
                    hours = cal.working_hours(today, tz)
                    if hours is None or now < hours[0]:
                        continue  # a repeat: at the start of a working day
                say = partial(words_for, env.words, person, tenant, now=env.now)
                text = say("jobs.confirm_reminder", req=req, version=version, customer=customer)
                key = f"req:{req.id}:v{req.current_version}:remind:{person.id}:{today}"
                card = Card(
                    key=f"req:{req.id}",
                    title=say("jobs.confirm_title", req=req, customer=customer),
                    body=text,
                    buttons=(
                        Button(
                            id=button_id(Act.REQ_CONFIRM, req.id, req.current_version),
                            label=say("requirements.confirm_button"),
                            style="primary",
                        ),
                        Button(
                            id=button_id(Act.REQ_CHANGE, req.id, req.current_version),
                            label=say("requirements.change_button"),
                        ),
                    ),
                    fallback=text,
                    tone="waiting",
                )
                if env.push(s, person, key, card=card, now=now):
                    sent += 1
    return sent
