"""When a task's owner hears about it, and from when it is overdue: the one definition.

The follow-up job, the manager's digest and `/tasks` all ask here, so a task is never "overdue"
in one place and "due" in another.

- A typed time is kept: `今天晚上8点` is reminded at 20:00 and overdue once 20:00 has passed,
  whatever the working hours (the rep typed it).
- A date without a time (`Task.due_all_day`, due_at = that day's 00:00 in the owner's zone) is
  the whole of that day: reminded at the start of its working day (the day itself, or the next
  working day when it falls on a weekend or holiday) and overdue only once that working day's
  hours are over.

Only rule-driven pushes (repeats of what is still open, digests, escalations) wait for
working time; that is the job's business, not the deadline's.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.worktime import WorkCalendar
from storage.models import Person, Task, Tenant

if TYPE_CHECKING:
    from bot.context import Context


def zone(owner: Person, tenant: Tenant) -> str:
    """The zone a task's deadline is read in: its owner's."""
    return owner.timezone or tenant.timezone


def due_day(task: Task, tz: str) -> date | None:
    """The local date the task is due on."""
    return task.due_at.astimezone(ZoneInfo(tz)).date() if task.due_at is not None else None


def remind_at(task: Task, cal: WorkCalendar, tz: str) -> datetime | None:
    """The first reminder: the typed moment, or the start of the whole day's working day."""
    if task.due_at is None:
        return None
    if not task.due_all_day:
        return task.due_at
    day = due_day(task, tz)
    assert day is not None
    return cal.working_moment(datetime.combine(day, time(0), ZoneInfo(tz)), tz)


def overdue_at(task: Task, cal: WorkCalendar, tz: str) -> datetime | None:
    """From this moment on the task is overdue (None: no deadline)."""
    if task.due_at is None:
        return None
    if not task.due_all_day:
        return task.due_at
    start = remind_at(task, cal, tz)
    assert start is not None
    hours = cal.working_hours(start.astimezone(ZoneInfo(tz)).date(), tz)
    assert hours is not None  # a working moment is on a working day
    return hours[1]


def is_overdue(task: Task, now: datetime, cal: WorkCalendar, tz: str) -> bool:
    """Still open and past its deadline at `now`."""
    moment = overdue_at(task, cal, tz)
    if moment is None or task.status == "done":
        return False
    # a typed time is overdue after it; a whole day at the end of its working hours
    return now > moment if not task.due_all_day else now >= moment


def overdue_for(ctx: Context, task: Task, owner: Person) -> bool:
    """`is_overdue` as the speaker's tenant reads it, now (for listings)."""
    cal = ctx.settings.calendar_for(ctx.tenant.timezone)
    return is_overdue(task, ctx.now, cal, zone(owner, ctx.tenant))
