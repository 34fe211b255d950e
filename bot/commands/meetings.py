"""Meetings and their minutes; action items in minutes become tasks."""

from __future__ import annotations

from sqlalchemy import select

from bot import intents as i
from bot.commands.rows import ago, default_due, new_task, new_touch
from bot.context import Context
from bot.customers import find, pick_deal
from bot.outcome import Outcome
from bot.people import resolve_mention
from storage.models import Meeting


def add_meeting(ctx: Context, intent: i.MeetingAdd) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True)
    attendees = [resolve_mention(ctx, token) for token in intent.attendees]
    meeting = Meeting(
        tenant_id=ctx.tenant.id,
        customer_id=customer.id,
        organiser_id=ctx.me.id,
        attendee_ids=[str(p.id) for p in attendees],
        starts_at=intent.starts_at,
        ends_at=intent.starts_at + intent.duration,
        channel_platform=ctx.event.platform,
        channel_id=ctx.event.channel_id,
        created_at=ctx.now,
    )
    ctx.session.add(meeting)
    ctx.session.flush()
    minutes = int(intent.duration.total_seconds() // 60)
    out = Outcome().reply(
        ctx.t(
            "meetings.scheduled",
            meeting=meeting,
            customer=customer,
            created=created,
            attendees=attendees,
            minutes=minutes,
            ago=ago(ctx, meeting.starts_at, False),
        )
    )
    for person in attendees:
        if person.id != ctx.me.id:
            out.push(
                person.id,
                ctx.t_for(
                    person,
                    "meetings.invited",
                    meeting=meeting,
                    customer=customer,
                    by=ctx.me,
                    minutes=minutes,
                ),
            )
    return out


def add_minutes(ctx: Context, intent: i.MinutesAdd) -> Outcome:
    customer, created = find(ctx, intent.customer, create=True)
    deal, _ = pick_deal(ctx, customer, None)
    activity = new_touch(ctx, customer=customer, deal=deal, kind="meeting", text=intent.text)
    # the minutes belong to the latest meeting with this customer that has begun and has none
    meeting = ctx.session.scalar(
        select(Meeting)
        .where(
            Meeting.customer_id == customer.id,
            Meeting.minutes_activity_id.is_(None),
            Meeting.starts_at <= ctx.now,
        )
        .order_by(Meeting.starts_at.desc())
        .limit(1)
    )
    if meeting is not None:
        meeting.minutes_activity_id = activity.id
    out = Outcome()
    tasks = []
    for item in intent.items:
        owner = resolve_mention(ctx, item.owner) if item.owner else ctx.me
        due, all_day, defaulted = item.due, item.due_all_day, False
        if due is None:  # no date-like words at all (those are asked back by the grammar)
            due, all_day, defaulted = default_due(ctx), True, True
        task = new_task(
            ctx,
            customer=customer,
            deal=deal,
            text=item.text,
            due=due,
            due_all_day=all_day,
            owner=owner,
            activity=activity,
            meeting=meeting,
        )
        tasks.append(
            {
                "task": task,
                "owner": owner,
                "defaulted": defaulted,
                "ago": ago(ctx, task.due_at, task.due_all_day),
            }
        )
        if owner.id != ctx.me.id:
            out.push(
                owner.id,
                ctx.t_for(owner, "meetings.action_item", task=task, customer=customer, by=ctx.me),
            )
    summary = Outcome().reply(
        ctx.t(
            "meetings.minutes_saved",
            customer=customer,
            created=created,
            meeting=meeting,
            tasks=tasks,
        )
    )
    return summary.extend(out)
