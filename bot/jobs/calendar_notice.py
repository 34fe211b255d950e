"""A mainland-China tenant's admins hear, once a year, that its make-up working days are unknown.

For a year the holidays package has no State Council schedule for, the calendar takes the
statutory days off and works no weekend day (bot/worktime.py); the make-up working days (调休)
come only from the admin's `[bot] extra_workdays`. The calendar first needs a year when it is
this year, or when an open task is due in it (or after it); then each
admin is told in chat (in working time, in their language) what the calendar assumes and how to
list the days. Once is once: the push is written with an audit entry (`calendar.notice`,
`year:<year>:person:<admin>`), which outlives the outbox row that retention prunes after
`delivered_days`; the dedup key `calendar:makeup:<tenant>:<year>:<admin>` covers two workers at
the same moment. A year the package or the admin's list knows is never mentioned.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.jobs.env import JobEnv
from bot.speaker import speaker, words_for
from storage.models import AuditEntry, Person, Task, Tenant


def years_needed(s: Session, tenant: Tenant, local: datetime) -> set[int]:
    """This year, and each year up to the last one an open task is due in (a task due in
    January brings next year's notice in December; December alone does not, so a year the
    next holidays release may still bring is not announced early)."""
    years = {local.year}
    due = s.scalars(
        select(func.max(Task.due_at)).where(Task.tenant_id == tenant.id, Task.status == "open")
    ).one()
    if due is not None:
        last = due.astimezone(ZoneInfo(tenant.timezone)).year
        years |= set(range(local.year, last + 1))
    return years


NOTICE = "calendar.notice"


def _subject(admin: Person, year: int) -> str:
    return f"year:{year}:person:{admin.id}"


def _told(s: Session, tenant: Tenant, admin: Person, year: int) -> bool:
    return (
        s.scalar(
            select(AuditEntry.id).where(
                AuditEntry.tenant_id == tenant.id,
                AuditEntry.action == NOTICE,
                AuditEntry.subject == _subject(admin, year),
            )
        )
        is not None
    )


def makeup_days(env: JobEnv, now: datetime) -> int:
    sent = 0
    with env.sessions.begin() as s:
        for tenant in s.scalars(select(Tenant).order_by(Tenant.id)).all():
            cal = env.calendar(tenant)
            if cal.holidays != "CN":
                continue
            local = now.astimezone(ZoneInfo(tenant.timezone))
            unknown = sorted(y for y in years_needed(s, tenant, local) if cal.makeup_unknown(y))
            if not unknown:
                continue
            admins = s.scalars(
                select(Person)
                .where(Person.tenant_id == tenant.id, Person.role == "admin")
                .order_by(Person.id)
            ).all()
            for admin in admins:
                if not cal.is_working_time(now, speaker(admin, tenant).zone):
                    continue  # told in their working hours
                for year in unknown:
                    if _told(s, tenant, admin, year):
                        continue
                    key = f"calendar:makeup:{tenant.id}:{year}:{admin.id}"
                    text = words_for(
                        env.words, admin, tenant, "calendar.makeup_unknown", now=env.now, year=year
                    )
                    sent += env.push(s, admin, key, text=text, now=now)
                    s.add(
                        AuditEntry(
                            tenant_id=tenant.id,
                            actor_id=None,  # dealbot itself
                            action=NOTICE,
                            subject=_subject(admin, year),
                            detail={"year": year, "admin": admin.id},
                            at=now,
                        )
                    )
    return sent
