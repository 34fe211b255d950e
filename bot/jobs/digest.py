"""The daily digest, to each team lead at the digest time in their own zone, on working days."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot import digest as digest_mod
from bot.jobs.env import JobEnv
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
            members = set(
                s.scalars(
                    select(Person.id).where(
                        Person.team_id.in_(select(Team.id).where(Team.lead_id == lead.id))
                    )
                )
            ) | {lead.id}
            result = digest_mod.build(
                s, tenant_id=tenant.id, people=members, now=now, pipeline=env.settings.pipeline
            )
            touches = _yesterday(s, members, local)
            if result.empty and not any(t["count"] for t in touches):
                continue  # nothing to report: no message
            text = env.say(
                lead,
                tenant,
                "jobs.digest",
                digest=result,
                touches=touches,
                day=(local - timedelta(days=1)).date(),
            )
            sent += env.push(s, lead, key, text=text, now=now)
    return sent


def _yesterday(s, members: set[int], local: datetime) -> list[dict]:  # type: ignore[no-untyped-def]
    """Each member's touches yesterday, with month-to-date calls and visits against targets."""
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = midnight - timedelta(days=1), midnight
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
                "calls": _count(s, person.id, month_start, end, "call"),
                "visits": _count(s, person.id, month_start, end, "visit"),
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
