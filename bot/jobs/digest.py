"""The daily digest, to each team lead at the digest time in their own zone, on working days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot import digest as digest_mod
from bot.jobs.env import JobEnv
from bot.reach import Reach, led_by
from storage.models import Activity, OutboxItem, Person, Target, Team, Tenant


def digests(env: JobEnv, now: datetime) -> int:
    sent = 0
    with env.sessions.begin() as s:
        leads = s.execute(
            select(Person, Tenant)
            .join(Team, Team.lead_id == Person.id)
            .join(Tenant, Tenant.id == Person.tenant_id)
            .distinct()
        ).all()
        for lead, tenant in leads:
            tz = env.tz(lead, tenant)
            local = now.astimezone(ZoneInfo(tz))
            if not env.settings.calendar.is_working_day(local.date()):
                continue
            if local.time() < env.settings.rules.digest_at:
                continue
            key = f"digest:{lead.id}:{local.date()}"
            done = s.scalar(
                select(OutboxItem.id).where(
                    OutboxItem.tenant_id == tenant.id, OutboxItem.dedup_key == key
                )
            )
            if done is not None:
                continue
            members = led_by(s, lead.id)  # a lead's digest is their team's, whatever their role
            result = digest_mod.build(
                s,
                tenant_id=tenant.id,
                reach=Reach(lead.id, frozenset(members)),
                now=now,
                pipeline=env.settings.pipeline,
            )
            day = _previous_working_day(env, local)
            touches = _touches(s, members, day, local)
            if result.empty and not any(t["count"] for t in touches):
                continue  # nothing to report: no message
            text = env.say(
                lead,
                tenant,
                "jobs.digest",
                digest=result,
                touches=touches,
                day=day,
            )
            sent += env.push(s, lead, key, text=text, now=now)
    return sent


def _previous_working_day(env: JobEnv, local: datetime) -> date:
    day = local.date() - timedelta(days=1)
    for _ in range(30):
        if env.settings.calendar.is_working_day(day):
            break
        day -= timedelta(days=1)
    return day


def _touches(s, members: set[int], day: date, local: datetime) -> list[dict]:  # type: ignore[no-untyped-def]
    """Each member's touches on `day` (the last working day), with month-to-date calls and
    visits against their monthly targets."""
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start = datetime.combine(day, time(0), local.tzinfo)
    end = start + timedelta(days=1)
    month_start = midnight.replace(day=1)
    period = f"{midnight.year}-{midnight.month:02d}"
    rows = []
    people = s.scalars(select(Person).where(Person.id.in_(members)).order_by(Person.display_name))
    for person in people:
        target = s.scalar(
            select(Target).where(Target.person_id == person.id, Target.period == period)
        )
        rows.append(
            {
                "person": person,
                "count": _count(s, person.id, start, end),
                "calls": _count(s, person.id, month_start, midnight, "call"),
                "visits": _count(s, person.id, month_start, midnight, "visit"),
                "target": target,
            }
        )
    return rows


def _count(s, person_id: int, since: datetime, until: datetime, kind: str | None = None) -> int:  # type: ignore[no-untyped-def]
    q = select(func.count(Activity.id)).where(
        Activity.author_id == person_id, Activity.occurred_at >= since, Activity.occurred_at < until
    )
    if kind:
        q = q.where(Activity.type == kind)
    return s.scalar(q) or 0
