"""Target periods: a week (ISO, 2026-W49), a month (2026-12) or a quarter (2027-Q1), in a
person's own zone.

A period is named by a word the grammar maps (`week`, `next_month`, `last_quarter`…: relative
to now, see RELATIVE) or by its own key (`2026-11`, `2026-W48`, `2027-Q1`).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

UNITS = ("week", "month", "quarter")
# each unit this one (`month`), the one before (`last_month`) and the one after (`next_month`)
RELATIVE = tuple(f"{step}{unit}" for unit in UNITS for step in ("", "last_", "next_"))


def parse_key(text: str) -> str | None:
    """`2026-11`, `2026年11月`, `2026-W48`, `2027-Q1` (any case) → the period's key; None
    otherwise."""
    t = text.strip().casefold()
    m = re.fullmatch(r"(\d{4})-?q([1-4])", t)
    if m:
        return f"{m.group(1)}-Q{m.group(2)}"
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
    return period.endswith("week") or "-W" in period


def nearest_quarter(now: datetime, tz: ZoneInfo, quarter: int) -> str:
    """`Q1` without a year: the nearest Q1 not yet over (asked in December: next year's)."""
    today = now.astimezone(tz).date()
    year = today.year if (today.month - 1) // 3 + 1 <= quarter else today.year + 1
    return f"{year}-Q{quarter}"


def bounds(now: datetime, tz: ZoneInfo, kind: str) -> tuple[datetime, datetime, str]:
    """(start, end, key) of a period, local midnights: `kind` is a word of RELATIVE (the week,
    month or quarter containing `now`, or the one before or after it) or a period key
    (`2026-11`, `2026-W48`, `2027-Q1`)."""
    day = now.astimezone(tz).replace(hour=0, minute=0, second=0, microsecond=0)
    step, _, unit = kind.rpartition("_")
    shift = {"": 0, "last": -1, "next": 1}.get(step)
    if unit in UNITS and shift is not None:
        if unit == "week":
            monday = day.date() - timedelta(days=day.weekday())
            return _week(monday + timedelta(days=7 * shift), tz)
        months = 3 if unit == "quarter" else 1
        first = (day.month - 1) // months * months  # months since January, 0-based
        year, month = divmod(day.year * 12 + first + shift * months, 12)
        start = datetime(year, month + 1, 1, tzinfo=tz)
        return _quarter(start, tz) if unit == "quarter" else _month(start, tz)
    key = parse_key(kind)
    if key is None:
        raise ValueError(f"not a period: {kind!r}")
    year, _, rest = key.partition("-")
    if rest.startswith("W"):
        return _week(date.fromisocalendar(int(year), int(rest[1:]), 1), tz)
    if rest.startswith("Q"):
        return _quarter(datetime(int(year), int(rest[1:]) * 3 - 2, 1, tzinfo=tz), tz)
    return _month(datetime(int(year), int(rest), 1, tzinfo=tz), tz)


def quarter_before(key: str, tz: ZoneInfo) -> str:
    """The quarter before the one `key`'s period starts in (2027-01 → 2026-Q4)."""
    start = bounds(datetime(2000, 1, 1, tzinfo=tz), tz, key)[0]
    return bounds(start, tz, "last_quarter")[2]


def _month(start: datetime, tz: ZoneInfo) -> tuple[datetime, datetime, str]:
    start = datetime(start.year, start.month, 1, tzinfo=tz)
    nxt = start + timedelta(days=32)
    end = datetime(nxt.year, nxt.month, 1, tzinfo=tz)
    return start, end, f"{start.year}-{start.month:02d}"


def _quarter(start: datetime, tz: ZoneInfo) -> tuple[datetime, datetime, str]:
    first = datetime(start.year, (start.month - 1) // 3 * 3 + 1, 1, tzinfo=tz)
    year, month = divmod(first.year * 12 + first.month - 1 + 3, 12)
    end = datetime(year, month + 1, 1, tzinfo=tz)
    return first, end, f"{first.year}-Q{(first.month - 1) // 3 + 1}"


def _week(monday: date, tz: ZoneInfo) -> tuple[datetime, datetime, str]:
    start = datetime(monday.year, monday.month, monday.day, tzinfo=tz)
    nxt = monday + timedelta(days=7)
    iso = monday.isocalendar()
    return start, datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz), f"{iso.year}-W{iso.week:02d}"
