"""The weekly review, to each team lead once a week, in their own zone and language.

It goes on the review's day ([review] day, Monday by default) at its time ([review] time,
else the digest's), or — when that day is a weekend day or a public holiday in the tenant's
calendar — on the next working day of the same week; a morning message like the digest
(bot/jobs/digest.py `morning`): sent within that morning, never later in the day. It holds the
week before the day it is sent (Monday to Sunday). One per lead per ISO week: its outbox key
says so, and a lead whose key is already there is not gathered again.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select

from bot import digest_process
from bot import review as review_mod
from bot.jobs.digest import morning, team_leads
from bot.jobs.env import JobEnv
from bot.outcome import Outcome
from bot.reach import over
from bot.speaker import speaker, words_for
from bot.worktime import WorkCalendar
from storage.models import Team
from storage.transit import OutboxItem


def reviews(env: JobEnv, now: datetime) -> int:
    sent = 0
    rules = env.settings.review
    at = rules.at or env.settings.rules.digest_at
    with env.sessions.begin() as s:
        for lead, tenant in team_leads(s):
            who = speaker(lead, tenant)
            local = now.astimezone(ZoneInfo(who.zone))
            cal = env.calendar(tenant)
            if local.date() != review_day(cal, local.date(), rules.weekday):
                continue
            if not morning(local.time(), at):
                continue
            iso = local.date().isocalendar()
            key = f"review:{lead.id}:{iso.year}-W{iso.week:02d}"
            if s.scalar(
                select(
                    exists().where(OutboxItem.tenant_id == tenant.id, OutboxItem.dedup_key == key)
                )
            ):
                continue  # this week's is sent (or on its way)
            teams = list(s.scalars(select(Team).where(Team.lead_id == lead.id).order_by(Team.name)))
            scope = review_mod.team_scope(s, teams)
            reach = over(s, lead.id, scope.people)
            found = review_mod.gather(
                s,
                tenant=tenant,
                scope=scope,
                reach=reach,
                settings=env.settings,
                calendar=cal,
                tz=who.zone,
                kind="last_week",
                now=now,
            )
            if found.empty:
                continue  # a quiet week: no message (asked again on a later run this morning)
            say = partial(words_for, env.words, lead, tenant, now=env.now)
            text = digest_process.appended(say("review.report", r=found), found.process, say)
            outcome = Outcome().push(lead.id, text, key=key)
            pictures = review_mod.attachments(
                s,
                found,
                tenant=tenant,
                reach=reach,
                settings=env.settings,
                say=say,
                locale=who.locale,
            )
            for n, picture in enumerate(pictures):  # after the words, each sent once
                outcome.push_attachment(lead.id, picture, key=f"{key}:chart:{n}")
            sent += int(env.post(s, lead, outcome, origin=key, now=now) > 0)
    return sent


def review_day(cal: WorkCalendar, today: date, weekday: int) -> date | None:
    """The day of `today`'s week the review goes out: the first working day from `weekday`
    on; None when the rest of the week is off."""
    day = today - timedelta(days=today.weekday() - weekday)
    week = today.isocalendar()[:2]
    while day.isocalendar()[:2] == week:
        if cal.is_working_day(day):
            return day
        day += timedelta(days=1)
    return None
