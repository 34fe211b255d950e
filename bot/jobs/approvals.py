"""Approvals waiting on their approver: remind them after [approvals] remind_after_hours working
hours, and after escalate_after_hours pass the approval to the next level (the approver's own
manager, else an admin): the card goes to the new approver, the old one is told.

Hours count from when the approval started waiting on its current approver (`waiting_since`),
in that approver's working time (bot/worktime.py: weekends and holidays do not count). Each push
has a dedup key naming the approval and its level, so a late or repeated run sends it once."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import or_

from bot import approvals
from bot.jobs.due import due_items
from bot.jobs.env import JobEnv
from bot.speaker import words_for
from storage.models import Deal, Person
from storage.process import Approval


def _hours(value: float) -> str:
    return f"{value:g}"


def approvals_due(env: JobEnv, now: datetime) -> int:
    rules = env.settings.approvals
    sent = 0
    with env.sessions.begin() as s:
        found = due_items(
            env,
            s,
            Approval,
            Approval.approver_id,
            Approval.status == "pending",
            # working hours never outrun the clock: nothing younger can be due
            Approval.waiting_since <= now - timedelta(hours=rules.remind_after_hours),
            Approval.waiting_since >= now - timedelta(days=90),
            # not yet reminded, or not yet escalated at this level (escalated_at is the
            # moment it began waiting on this level, or earlier)
            or_(
                Approval.reminded_at.is_(None),
                Approval.escalated_at.is_(None),
                Approval.escalated_at <= Approval.waiting_since,
            ),
            order_by=(Approval.waiting_since, Approval.id),
        )
        for due in found:
            row, approver, tenant, customer = due.item, due.person, due.tenant, due.customer
            tz, cal = due.zone, due.calendar
            if not cal.is_working_time(now, tz):
                continue  # a late run after hours: reminders and escalations wait
            deal = s.get_one(Deal, row.deal_id)
            if deal.status != "open":
                continue  # won or lost meanwhile: nobody is chased for it
            requester = s.get(Person, row.requester_id) if row.requester_id else None
            said = {"a": row, "deal": deal, "customer": customer, "requester": requester}
            level = row.level
            escalate_at = cal.add_working_hours(row.waiting_since, rules.escalate_after_hours, tz)
            escalated = row.escalated_at is not None and row.escalated_at > row.waiting_since
            if not escalated and now >= escalate_at:
                new = approvals.next_approver(s, row)
                row.escalated_at = now
                if new is None:
                    continue  # nobody above: it stays with its approver
                row.approver_id, row.level = new.id, level + 1
                row.waiting_since, row.reminded_at = now, None
                hours = _hours(rules.escalate_after_hours)
                say = partial(words_for, env.words, new, tenant, now=env.now)
                sent += env.push(
                    s,
                    new,
                    f"approval:{row.id}:L{level}:escalate",
                    text=say("approval.escalated_to_you", **said, old=approver, hours=hours),
                    card=approvals.card(s, say, row),
                    now=now,
                )
                say_old = partial(words_for, env.words, approver, tenant, now=env.now)
                sent += env.push(
                    s,
                    approver,
                    f"approval:{row.id}:L{level}:escalate:told",
                    text=say_old("approval.escalated_away", **said, new=new, hours=hours),
                    now=now,
                )
                continue
            remind_at = cal.add_working_hours(row.waiting_since, rules.remind_after_hours, tz)
            if row.reminded_at is None and now >= remind_at:
                say = partial(words_for, env.words, approver, tenant, now=env.now)
                hours = _hours(rules.remind_after_hours)
                sent += env.push(
                    s,
                    approver,
                    f"approval:{row.id}:L{level}:remind",
                    text=say("approval.remind", **said, hours=hours),
                    card=approvals.card(s, say, row),
                    now=now,
                )
                row.reminded_at = now
    return sent
