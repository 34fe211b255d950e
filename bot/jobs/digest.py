"""The daily digest, to each team lead at the digest time in their own zone, on working days.

It is a morning message: sent at its time, or on a late run within that working morning (until
`MORNING_ENDS`, or an hour after a digest time later than that), never later in the day.
Each lead's day is settled once (`Person.digest_checked_on`): sent, or found with nothing to
report, and it does not fire again that day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import digest as digest_mod
from bot import digest_process, funnel_chart
from bot.goals import team_progress
from bot.jobs.env import JobEnv
from bot.outcome import Chart, Outcome
from bot.reach import Reach, led_by, over
from bot.settings import Settings
from bot.speaker import speaker, words_for
from bot.stage_board import board
from bot.worktime import WorkCalendar
from storage.models import Activity, Deal, Person, Team, Tenant

MORNING_ENDS = time(12, 0)  # a late digest goes out until then, never in the afternoon


def morning(at: time, digest_at: time) -> bool:
    """Whether a lead's local clock `at` is inside the digest's morning: from the digest time
    until MORNING_ENDS (a digest time after that still gets its hour)."""
    later = datetime.combine(date.min, digest_at) + timedelta(hours=1)
    ends = max(MORNING_ENDS, later.time() if later.date() == date.min else time.max)
    return digest_at <= at < ends


def team_leads(s: Session) -> list[tuple[Person, Tenant]]:
    """Everyone who leads a team, in every tenant: whom the morning digest and the weekly
    review go to."""
    query = (
        select(Person, Tenant)
        .join(Team, Team.lead_id == Person.id)
        .join(Tenant, Tenant.id == Person.tenant_id)
        .distinct()
    )
    return [(lead, tenant) for lead, tenant in s.execute(query)]


def digests(env: JobEnv, now: datetime) -> int:
    sent = 0
    rules = env.settings.rules
    with env.sessions.begin() as s:
        for lead, tenant in team_leads(s):
            tz, cal = speaker(lead, tenant).zone, env.calendar(tenant)
            local = now.astimezone(ZoneInfo(tz))
            if lead.digest_checked_on == local.date():
                continue  # settled today: sent, or there was nothing to report
            if not cal.is_working_day(local.date()) or not morning(local.time(), rules.digest_at):
                continue
            lead.digest_checked_on = local.date()
            members = led_by(s, lead.id)  # a lead's digest is their team's, whatever their role
            reach = over(s, lead.id, members)
            result = digest_mod.build(
                s,
                tenant_id=tenant.id,
                reach=reach,
                now=now,
                pipeline=env.settings.pipeline,
                calendar=cal,
                tz=tz,
                question_after_wh=rules.question_alert_after_wh,
            )
            day = _previous_working_day(cal, local)
            touches = _touches(s, env, tenant, members, day, local)
            process = digest_process.gather(
                s,
                tenant=tenant,
                reach=reach,
                now=now,
                pipeline=env.settings.pipeline,
                calendar=cal,
                tz=tz,
            )
            if result.empty and not any(t["count"] for t in touches) and not process:
                continue  # nothing to report: no message, and none later today
            result.more_below = bool(process)
            key = f"digest:{lead.id}:{local.date()}"
            text = words_for(
                env.words,
                lead,
                tenant,
                "jobs.digest",
                now=env.now,
                digest=result,
                touches=touches,
                day=day,
            )
            say = partial(words_for, env.words, lead, tenant, now=env.now)
            text = digest_process.appended(text, process, say)
            outcome = Outcome().push(lead.id, text, key=key)
            # the team's funnel after the words, as /pipeline team draws it; its own key, so
            # it is sent once like the digest itself
            chart = _funnel(s, env.settings, tenant, lead, reach, say)
            if chart is not None:
                outcome.push_attachment(lead.id, funnel_chart.attachment(chart), key=f"{key}:chart")
            sent += int(env.post(s, lead, outcome, origin=key, now=now) > 0)
    return sent


def _funnel(s, settings: Settings, tenant: Tenant, lead: Person, reach: Reach, say) -> Chart | None:  # type: ignore[no-untyped-def]
    """The open deals of the lead's team by stage, counted by the database (no deal rows
    loaded), drawn as /pipeline team draws them; None when the team has none."""
    stages = settings.pipeline.open_stages
    found = board(
        s,
        tenant_id=tenant.id,
        stages=[stage.key for stage in stages],
        reach=reach.customers_sql(),
        owner_id=None,
        home=tenant.currency,
        shown=0,
    )
    return funnel_chart.funnel(
        found,
        stages,
        say=say,
        locale=speaker(lead, tenant).locale,
        home=tenant.currency,
        rates=settings.rates,
        scope="team",
    )


def _previous_working_day(cal: WorkCalendar, local: datetime) -> date:
    day = local.date() - timedelta(days=1)
    for _ in range(30):
        if cal.is_working_day(day):
            break
        day -= timedelta(days=1)
    return day


def _touches(  # type: ignore[no-untyped-def]
    s, env: JobEnv, tenant: Tenant, members: set[int], day: date, local: datetime
) -> list[dict]:
    """Each member's touches on `day` (the last working day), with the calls and visits of
    `day`'s month so far against that month's targets: on Monday Jan 4 the last working day
    is Dec 31, and its line counts December (up to today, at most to the month's end). A lead
    who owns no deal and touched no customer is not a rep: left out."""
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    start = datetime.combine(day, time(0), local.tzinfo)
    end = start + timedelta(days=1)
    first = day.replace(day=1)
    tenant_id = tenant.id
    following = (first + timedelta(days=32)).replace(day=1)
    until = min(midnight, datetime.combine(following, time(0), local.tzinfo))
    period = f"{day.year}-{day.month:02d}"
    leads = set(s.scalars(select(Team.lead_id).where(Team.lead_id.in_(members))))
    # one query each for the whole team, the tenant first: the (tenant_id, owner_id …) and
    # (tenant_id, author_id, occurred_at) indexes answer them, where a query per person and
    # count (three per member, two hundred teams) cost more than the rows they read
    owners = set(
        s.scalars(
            select(Deal.owner_id)
            .where(Deal.tenant_id == tenant_id, Deal.owner_id.in_(leads))
            .distinct()
        )
    )
    counts = _counts(s, tenant_id, members, (start, end))
    people = list(
        s.scalars(select(Person).where(Person.id.in_(members)).order_by(Person.display_name))
    )
    # the month so far against its goals, counted as /progress counts them (bot/goals.py)
    month = team_progress(
        s,
        tenant_id=tenant_id,
        members=people,
        period=period,
        tz=str(local.tzinfo),
        now=local,
        calendar=env.calendar(tenant),
        currency=tenant.currency,
        rates=env.settings.rates,
        home=tenant.currency,
        until=until,
    )
    rows = []
    for person, numbers in zip(people, month.reps, strict=True):
        row = {
            "person": person,
            "count": counts.get(person.id, 0),
            "calls": int(numbers.actual["calls"]),
            "visits": int(numbers.actual["visits"]),
            "target": numbers.target,
            "progress": numbers,
        }
        if (
            person.id in leads
            and person.id not in owners
            and not (row["count"] or row["calls"] or row["visits"])
        ):
            continue  # a lead who only leads
        rows.append(row)
    return rows


def _counts(s, tenant_id: int, people: set[int], day: tuple[datetime, datetime]) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """By author: touches within `day`, in one query for the whole team."""
    rows = s.execute(
        select(Activity.author_id, func.count(Activity.id))
        .where(
            Activity.tenant_id == tenant_id,
            Activity.author_id.in_(people),
            Activity.occurred_at >= day[0],
            Activity.occurred_at < day[1],
        )
        .group_by(Activity.author_id)
    )
    return {a: int(n or 0) for a, n in rows}
