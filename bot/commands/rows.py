"""The rows several commands write: a touch (which also touches its deal) and a task."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.context import Context
from bot.parse.dates import day_start_in
from bot.speaker import speaker
from storage.models import Activity, Customer, Deal, Meeting, Person, Task


def new_touch(
    ctx: Context,
    *,
    customer: Customer,
    deal: Deal | None,
    kind: str,
    text: str,
    tags: tuple[str, ...] = (),
) -> Activity:
    activity = Activity(
        tenant_id=ctx.tenant.id,
        customer_id=customer.id,
        deal_id=deal.id if deal else None,
        author_id=ctx.me.id,
        type=kind,
        text=text,
        tags=list(tags),
        occurred_at=ctx.now,
        source_message_id=ctx.event.message_id,
    )
    ctx.session.add(activity)
    ctx.session.flush()
    if deal is not None:
        deal.last_touch_at = ctx.now  # what keeps a deal from going stale
    return activity


def new_task(
    ctx: Context,
    *,
    customer: Customer,
    deal: Deal | None,
    text: str,
    due: datetime | None,
    due_all_day: bool = False,
    owner: Person | None = None,
    activity: Activity | None = None,
    meeting: Meeting | None = None,
) -> Task:
    """`due_all_day`: no time was written, and `due` is the start (00:00) of that day in the
    writer's zone; else `due` is the moment written."""
    owner = owner or ctx.me
    task = Task(
        tenant_id=ctx.tenant.id,
        customer_id=customer.id,
        deal_id=deal.id if deal else None,
        owner_id=owner.id,
        created_by_id=ctx.me.id,
        text=text,
        due_at=owners_day(ctx, due, due_all_day, owner),
        due_all_day=due_all_day and due is not None,
        source_activity_id=activity.id if activity else None,
        source_meeting_id=meeting.id if meeting else None,
        created_at=ctx.now,
    )
    ctx.session.add(task)
    ctx.session.flush()
    return task


def owners_day(ctx: Context, due: datetime | None, all_day: bool, owner: Person) -> datetime | None:
    """A whole-day deadline is the day the writer meant, kept as that day's start in the
    owner's zone, where it is reminded and falls overdue (bot/deadlines.py): "by Fri" from
    Shanghai to a rep in New York is their Friday, not the Thursday evening it is there when
    Friday begins in Shanghai. A moment stays the moment written."""
    if due is None or not all_day:
        return due
    day = due.astimezone(ZoneInfo(ctx.tz)).date()
    return day_start_in(day, ZoneInfo(speaker(owner, ctx.tenant).zone))


def whole_day(ctx: Context, day: date) -> datetime:
    """The start (00:00) of `day` in the speaker's zone: how a whole-day deadline is stored."""
    return day_start_in(day, ZoneInfo(ctx.tz))


def default_due(ctx: Context) -> datetime:
    """The deadline of a step written without any date: the speaker's next working day, whole
    (the reply says it was defaulted)."""
    cal = ctx.settings.calendar_for(ctx.tenant.timezone)
    return whole_day(ctx, cal.next_working_start(ctx.now, ctx.tz).date())


class DayOff(NamedTuple):
    """A deadline's day that is not a working day, for the note a reply gives it."""

    day: date
    holiday: str | None  # the holiday's name where the calendar knows it ("元旦")
    weekend: bool  # else: a weekend day; neither: a day off the admin listed


def day_off(ctx: Context, due: datetime | None, all_day: bool) -> DayOff | None:
    """The note for a deadline or meeting that lands on a day off (kept as written: the reply
    only says so); None on a working day or a day already past."""
    if due is None:
        return None
    tz = ZoneInfo(ctx.tz)
    # a whole day is kept as its start in the owner's zone: its middle is that day here too
    day = (due + timedelta(hours=12) if all_day else due).astimezone(tz).date()
    cal = ctx.settings.calendar_for(ctx.tenant.timezone)
    if day < ctx.now.astimezone(tz).date() or cal.is_working_day(day):
        return None
    name = cal.holiday_name(day, ctx.locale)
    return DayOff(day, name, name is None and day.weekday() in cal.weekend)


def ago(ctx: Context, due: datetime | None, all_day: bool) -> tuple[int, str] | None:
    """How long ago a deadline or start in the past was, (n, "day" | "hour" | "minute"), for
    the note every reply gives it; None when it is not in the past."""
    if due is None:
        return None
    tz = ZoneInfo(ctx.tz)
    today, day = ctx.now.astimezone(tz).date(), due.astimezone(tz).date()
    if day < today:
        return (today - day).days, "day"
    if all_day or due >= ctx.now:
        return None
    minutes = int((ctx.now - due).total_seconds() // 60)
    if minutes >= 60:
        return minutes // 60, "hour"
    return (minutes, "minute") if minutes else None
