"""Meetings without minutes and customer questions without answers: prompt, then escalate."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_

from bot.jobs.due import due_items
from bot.jobs.env import JobEnv
from bot.people import manager_of
from bot.speaker import words_for
from storage.models import Meeting, Question


def minutes(env: JobEnv, now: datetime) -> int:
    rules = env.settings.rules
    prompt_after = timedelta(minutes=rules.minutes_prompt_after_min)
    escalate_after = timedelta(hours=rules.minutes_escalate_after_h)
    sent = 0
    with env.sessions.begin() as s:
        found = due_items(
            env,
            s,
            Meeting,
            Meeting.organiser_id,
            Meeting.ends_at <= now - prompt_after,
            Meeting.ends_at >= now - timedelta(days=14),
            Meeting.minutes_activity_id.is_(None),
            or_(Meeting.prompted_at.is_(None), Meeting.escalated_at.is_(None)),
        )
        for due in found:
            meeting, organiser, tenant, customer = due.item, due.person, due.tenant, due.customer
            tz, cal = due.zone, due.calendar
            if not cal.is_working_time(now, tz):
                continue  # a late run after hours: prompts and escalations wait for working time
            if meeting.prompted_at is None and now >= cal.working_moment(
                meeting.ends_at + prompt_after, tz
            ):
                text = words_for(
                    env.words,
                    organiser,
                    tenant,
                    "jobs.minutes_prompt",
                    now=env.now,
                    meeting=meeting,
                    customer=customer,
                )
                sent += env.push(s, organiser, f"minutes:{meeting.id}:prompt", text=text, now=now)
                meeting.prompted_at = now
            if meeting.escalated_at is None and now >= cal.working_moment(
                meeting.ends_at + escalate_after, tz
            ):
                manager = manager_of(s, organiser)
                if manager is not None:
                    text = words_for(
                        env.words,
                        manager,
                        tenant,
                        "jobs.minutes_escalation",
                        now=env.now,
                        meeting=meeting,
                        customer=customer,
                        organiser=organiser,
                    )
                    sent += env.push(
                        s, manager, f"minutes:{meeting.id}:escalate", text=text, now=now
                    )
                meeting.escalated_at = now
    return sent


def questions(env: JobEnv, now: datetime) -> int:
    rules = env.settings.rules
    sent = 0
    with env.sessions.begin() as s:
        found = due_items(
            env,
            s,
            Question,
            Question.owner_id,
            Question.status == "open",
            Question.asked_at <= now - timedelta(hours=rules.question_alert_after_wh),
            Question.asked_at >= now - timedelta(days=30),
            or_(Question.alerted_at.is_(None), Question.escalated_at.is_(None)),
        )
        for due in found:
            q, owner, tenant, customer = due.item, due.person, due.tenant, due.customer
            tz, cal = due.zone, due.calendar
            if not cal.is_working_time(now, tz):
                continue  # a late run after hours: alerts and escalations wait for working time
            if q.alerted_at is None and now >= cal.add_working_hours(
                q.asked_at, rules.question_alert_after_wh, tz
            ):
                text = words_for(
                    env.words,
                    owner,
                    tenant,
                    "jobs.question_alert",
                    now=env.now,
                    question=q,
                    customer=customer,
                    hours=rules.question_alert_after_wh,
                )
                sent += env.push(s, owner, f"question:{q.id}:alert", text=text, now=now)
                q.alerted_at = now
            if q.escalated_at is None and now >= cal.add_working_hours(
                q.asked_at, rules.question_escalate_after_wh, tz
            ):
                manager = manager_of(s, owner)
                if manager is not None:
                    text = words_for(
                        env.words,
                        manager,
                        tenant,
                        "jobs.question_escalation",
                        now=env.now,
                        question=q,
                        customer=customer,
                        owner=owner,
                        hours=rules.question_escalate_after_wh,
                    )
                    sent += env.push(s, manager, f"question:{q.id}:escalate", text=text, now=now)
                q.escalated_at = now
    return sent
