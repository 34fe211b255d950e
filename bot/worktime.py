"""Working days and hours, in a person's own time zone."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def is_working_day(day: datetime) -> bool:
    return day.weekday() < 5


def next_working_start(now: datetime, tz: str, day_start: time) -> datetime:
    """The start of the next working day after `now` (local), as an aware local datetime."""
    local = now.astimezone(ZoneInfo(tz))
    day = local + timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return datetime.combine(day.date(), day_start, tzinfo=ZoneInfo(tz))
