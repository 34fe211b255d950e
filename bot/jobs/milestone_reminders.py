"""Delivery milestone reminders: as a task's (bot/deadlines.py), a milestone due on a day is
reminded to its owner at the start of that working day (a typed time, at that time), with a
Done button; one still open is reminded again at the start of each later working day. Each
reminder has its outbox dedup key (`milestone:<id>:<owner's day>`), so nothing goes out twice."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy import or_

from bot import deadlines
from bot import milestones as ms
from bot.jobs.due import due_items, reminded_today
from bot.jobs.env import JobEnv
from bot.speaker import words_for
from storage.models import Deal
from storage.process import Milestone


def milestones(env: JobEnv, now: datetime) -> int:
    recent = reminded_today(env)
    sent = 0
    with env.sessions.begin() as s:
        found = due_items(
            env,
            s,
            Milestone,
            Milestone.owner_id,
            Milestone.status == "open",
            Milestone.due_at <= now,  # every reminder moment is at or after due_at
            or_(Milestone.last_reminded_at.is_(None), Milestone.last_reminded_at <= now - recent),
            order_by=(Milestone.due_at, Milestone.id),
        )
        for row in found:
            m, owner = row.item, row.person
            reminder = deadlines.next_reminder(ms.clock(m), now, row.calendar, row.zone)
            if reminder is None or row.customer is None:
                continue
            deal = s.get_one(Deal, m.deal_id)
            say = partial(words_for, env.words, owner, row.tenant, now=env.now)
            late = ms.lateness(m, now, row.calendar, row.zone)
            card = ms.reminder_card(say, m, deal, row.customer, late=late)
            if env.push(s, owner, f"milestone:{m.id}:{reminder.day}", card=card, now=now):
                sent += 1
                m.reminders_sent += 1
            m.last_reminded_at = now
    return sent
