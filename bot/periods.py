"""Target periods: a week (ISO, 2026-W49) or a month (2026-12), in a person's own zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def bounds(now: datetime, tz: ZoneInfo, kind: str) -> tuple[datetime, datetime, str]:
    """(start, end, key) of the week or month containing `now`, local midnights."""
    day = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    if kind == "month":
        start = day.replace(day=1)
        end = (start + timedelta(days=32)).replace(day=1)
        return start, end, f"{start.year}-{start.month:02d}"
    start = day - timedelta(days=day.weekday())
    iso = start.isocalendar()
    return start, start + timedelta(days=7), f"{iso.year}-W{iso.week:02d}"
