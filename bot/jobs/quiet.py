"""The Monday list of customers going quiet and renewals coming (bot/quiet.py), to each
person whose customers need a call: on the week's first working day (Monday, or the next
working day when Monday is a holiday) within the digest's morning in their own zone (the
digest's rule, bot/jobs/digest.py `morning`). A manager's or admin's list adds the customers
whose owner left the team and that they are to reassign. Each person's week is settled once
(`Person.quiet_checked_on`): listed, or found with nothing to list; the push's dedup key is the
person and the ISO week (`quiet:<person>:<year>-W<week>`), so it is sent once across instances.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from bot.jobs.digest import morning
from bot.jobs.env import JobEnv
from bot.quiet import quiet_card, quiet_customers
from bot.speaker import speaker, words_for
from bot.worktime import WorkCalendar
from storage.models import Identity, Person, Team, Tenant


def first_working_day(cal: WorkCalendar, day: date) -> date | None:
    """The first working day of `day`'s week (Monday to Sunday); None in a week off."""
    on = day - timedelta(days=day.weekday())
    for _ in range(7):
        if cal.is_working_day(on):
            return on
        on += timedelta(days=1)
    return None


def quiet_lists(env: JobEnv, now: datetime) -> int:
    sent = 0
    rules = env.settings.quiet
    # no zone is more than a day behind UTC: whoever was settled since then was settled this
    # week, so only the others are read
    since = now.date() - timedelta(days=1)
    with env.sessions.begin() as s:
        people = s.execute(
            select(Person, Tenant)
            .join(Tenant, Tenant.id == Person.tenant_id)
            .where(
                or_(Person.quiet_checked_on.is_(None), Person.quiet_checked_on < since),
                select(Identity.id).where(Identity.person_id == Person.id).exists(),
            )
            .order_by(Person.id)
        ).all()
        for person, tenant in people:
            tz, cal = speaker(person, tenant).zone, env.calendar(tenant)
            local = now.astimezone(ZoneInfo(tz))
            if first_working_day(cal, local.date()) != local.date():
                continue
            if not morning(local.time(), env.settings.rules.digest_at):
                continue
            person.quiet_checked_on = local.date()
            if person.team_id is None and person.role == "rep" and _has_teams(s, tenant.id):
                continue  # left the team: their customers go to whoever reassigns them
            reassigns = person.role in ("manager", "admin")
            items = quiet_customers(
                s,
                tenant_id=tenant.id,
                owner_ids={person.id},
                now=now,
                tz=tz,
                quiet_days=rules.days,
                renewal_within_days=rules.renewal_within_days,
                manager_id=person.id if reassigns else None,
            )
            if not items:
                continue
            year, week, _ = local.date().isocalendar()
            key = f"quiet:{person.id}:{year}-W{week:02d}"
            say = partial(words_for, env.words, person, tenant, now=env.now)
            card = quiet_card(say, key=f"quiet:{person.id}", items=items)
            sent += env.push(s, person, key, card=card, now=now)
    return sent


def _has_teams(s, tenant_id: int) -> bool:  # type: ignore[no-untyped-def]
    return s.scalar(select(Team.id).where(Team.tenant_id == tenant_id).limit(1)) is not None
