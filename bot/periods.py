"""Target periods: a week (ISO, 2026-W49) or a month (2026-12), in a person's own zone.

A period is named by a word the grammar maps (`week`, `month`, `last_week`, `last_month`:
relative to now) or by its own key (`2026-11`, `2026-W48`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

RELATIVE = ("week", "month", "last_week", "last_month")


def parse_key(text: str) -> str | None:
    """`2026-11`, `2026年11月`, `2026-W48` (any case) → the period's key; None otherwise."""
    t = text.strip().casefold()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", t) or re.fullmatch(r"(\d{4})年(\d{1,2})月", t)
    if m and 1 <= int(m.group(2)) <= 12:
        return f"{m.group(1)}-{int(m.group(2)):02d}"
    m = re.fullmatch(r"(\d{4})-w(\d{1,2})", t)
    if m and 1 <= int(m.group(2)) <= _weeks_in(int(m.group(1))):
        return f"{m.group(1)}-W{int(m.group(2)):02d}"
    return None


def _weeks_in(year: int) -> int:
    return date(year, 12, 28).isocalendar().week  # Dec 28 is always in the year's last week


def is_week(period: str) -> bool:
    """Whether a period (a word or a key) is a week."""
    return period in ("week", "last_week") or "-W" in period


def bounds(now: datetime, tz: ZoneInfo, kind: str) -> tuple[datetime, datetime, str]:
    """(start, end, key) of a period, local midnights: `kind` is a word of RELATIVE (the week
    or month containing `now`, or the one before it) or a period key (`2026-11`, `2026-W48`)."""
    day = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    if kind in ("month", "last_month"):
        start = day.replace(day=1)
        if kind == "last_month":
            start = (start - timedelta(days=1)).replace(day=1)
        return _month(start, tz)
    if kind in ("week", "last_week"):
        start = day - timedelta(days=day.weekday() + (7 if kind == "last_week" else 0))
        return _week(start.date(), tz)
    key = parse_key(kind)
    if key is None:
        raise ValueError(f"not a period: {kind!r}")
    year, _, rest = key.partition("-")
    if rest.startswith("W"):
        return _week(date.fromisocalendar(int(year), int(rest[1:]), 1), tz)
    return _month(datetime(int(year), int(rest), 1, tzinfo=tz), tz)


def _month(start: datetime, tz: ZoneInfo) -> tuple[datetime, datetime, str]:
    start = datetime(start.year, start.month, 1, tzinfo=tz)
    nxt = start + timedelta(days=32)
    end = datetime(nxt.year, nxt.month, 1, tzinfo=tz)
    return start, end, f"{start.year}-{start.month:02d}"


def _week(monday: date, tz: ZoneInfo) -> tuple[datetime, datetime, str]:
    start = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
    nxt = monday + timedelta(days=7)
    iso = monday.isocalendar()
    return start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz), f"{iso.year}-W{iso.week:02d}"
