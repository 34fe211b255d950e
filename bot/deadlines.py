"""When a task's owner hears about it, and from when it is overdue: the one definition.

The follow-up job, the manager's digest and `/tasks` all ask here, so a task is never "overdue"
in one place and "due" in another.

- A typed time is kept: `今天晚上8点` is reminded at 20:00 and overdue once 20:00 has passed,
  whatever the working hours (the rep typed it).
- A date without a time (`Task.due_all_day`, due_at = that day's 00:00 in the owner's zone) is
  the whole of that day: reminded at the start of its working day (the day itself, or the next
  working day when it falls on a weekend or holiday) and overdue only once that working day's
  hours are over.

After the first reminder (`next_reminder`: its slot, a snooze, the repeats), an open task is
reminded again at the start of each later working day. Only rule-driven pushes (that
start-of-day round, digests, escalations) wait for working time; a typed time does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.speaker import speaker
from bot.worktime import WorkCalendar
from storage.models import Person, Task

if TYPE_CHECKING:
    from bot.context import Context


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


@dataclass(frozen=True, kw_only=True)
class Reminder:
    """A reminder due now."""

    at: datetime  # its slot: the first reminder's own moment, or the start of a working day
    day: date  # the owner's day it is for: a task is reminded at most once a day
    morning: bool  # part of the start-of-day round, not a time the person typed


def next_reminder(task: Task, now: datetime, cal: WorkCalendar, tz: str) -> Reminder | None:
    """The reminder the task's owner is due at `now`, in their zone `tz`; None: none now.

    - Slot: the first reminder is at `remind_at` (a typed time as typed, a whole day at the
      start of its working day), on that day.
    - Snooze: a snooze to a later moment moves the first reminder there.
    - Repeat: on each later day, at the start of its working hours; a day off has none.
    - Once a day: a task reminded today is not reminded again today.
    - A task written after its slot is not echoed back: the next slot has it.
    - The start-of-day round is a rule: it waits for working time (a late run after hours
      sends nothing); a typed time goes out whenever it comes.
    """
    first = remind_at(task, cal, tz)
    if first is None or task.status == "done":
        return None
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    if task.last_reminded_at and task.last_reminded_at.astimezone(zone).date() == today:
        return None  # once a day
    if task.snoozed_until is not None and task.snoozed_until > first:
        first = task.snoozed_until
    if now < first:
        return None
    hours = cal.working_hours(today, tz)
    if first.astimezone(zone).date() == today:
        slot = first  # its own moment, today
    elif hours is None:
        return None  # a repeat, and today is not a working day: the next one reminds
    else:
        slot = hours[0]  # a repeat: at the start of the working day
    if now < slot:
        return None
    if task.last_reminded_at is None and task.created_at >= slot:
        return None  # written after its moment: not echoed back, the next round has it
    morning = hours is not None and slot == hours[0]
    if morning and not cal.is_working_time(now, tz):
        return None  # the start-of-day round is a rule: a late run after hours waits
    return Reminder(at=slot, day=today, morning=morning)


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
    return is_overdue(task, ctx.now, cal, speaker(owner, ctx.tenant).zone)
