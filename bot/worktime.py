"""Working days and hours, in a person's own time zone.

`WorkCalendar` is pure: callers pass the clock in, every datetime is aware, and results come
back in the local zone `tz` (an IANA name). Hours are counted in local wall-clock time, so a
9-18 day is nine hours even on a DST-change date.

Holidays: weekends always; mainland China's official holidays and make-up working days with
`holidays="CN"` (the default for a tenant in a mainland-China zone, see `default_holidays`);
and an admin's own list (`extra_holidays`, `extra_workdays`), which wins over the package and,
for a year the package has no official schedule for, *is* that year's schedule. A year with
neither degrades to weekends only, with one warning in the log per process and year.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)


@cache
def official_cn_years() -> frozenset[int]:
    """Years for which the installed `holidays` package has the State Council's schedule.

    The package computes statutory holidays for any year, but the make-up working days (调休)
    and swapped days off exist only in its per-year table `ChinaStaticHolidays.
    special_public_holidays`, and a year missing there is a guess, not the schedule.
    With holidays 0.109 (the newest release on 2026-11-27) that is 2001-2026; 2027 is absent.
    """
    try:
        from holidays.countries.china import ChinaStaticHolidays

        return frozenset(ChinaStaticHolidays.special_public_holidays)
    except Exception:  # noqa: BLE001 - a renamed table means "no official years", not a crash
        return frozenset()


@cache
def _cn_year(year: int) -> tuple[frozenset[date], frozenset[date]] | None:
    """(weekdays off, weekend days worked) in `year`, or None for weekends-only.

    Cached per process, which is also what limits the warning to one per year.
    """
    try:
        if year not in official_cn_years():
            log.warning(
                "No official CN holiday schedule for %s in the holidays package; "
                "treating %s as weekends-only until [bot] extra_holidays and extra_workdays "
                "list it (or a newer holidays release has it)",
                year,
                year,
            )
            return None
        import holidays

        # Make-up days listed under the next year's notice (e.g. Sat 2001-12-29 for New Year
        # 2002) are in weekend_workdays whatever years are asked for.
        table = holidays.country_holidays("CN", years=year)
        off = frozenset(d for d in table if d.year == year)
        worked = frozenset(d for d in table.weekend_workdays if d.year == year)
        return off, worked
    except Exception as e:  # noqa: BLE001 - the calendar must degrade, never take the bot down
        log.warning("CN holidays for %s failed (%r); treating %s as weekends-only", year, e, year)
        return None


# Zones of mainland China, where the State Council's calendar is the working calendar
# (Hong Kong, Macau and Taipei have calendars of their own).
CN_ZONES = frozenset(
    {
        "Asia/Shanghai",
        "Asia/Chongqing",
        "Asia/Chungking",
        "Asia/Harbin",
        "Asia/Urumqi",
        "Asia/Kashgar",
        "PRC",
    }
)


def default_holidays(zone: str) -> str | None:
    """The holiday calendar a tenant in `zone` gets without configuring one."""
    return "CN" if zone in CN_ZONES else None


def _aware(wall: datetime, tz: str) -> datetime:
    # The UTC round trip moves a wall time that falls in a DST gap to a real instant.
    return wall.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).astimezone(ZoneInfo(tz))


def _wall(dt: datetime, tz: str) -> datetime:
    return dt.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


class WorkCalendar:
    """Working days (weekends, optionally mainland-China holidays) and daily working hours."""

    def __init__(
        self,
        *,
        day_start: time = time(9, 0),
        day_end: time = time(18, 0),
        holidays: str | None = None,
        extra_holidays: frozenset[date] = frozenset(),
        extra_workdays: frozenset[date] = frozenset(),
    ) -> None:
        if day_start >= day_end:
            raise ValueError(f"day_start {day_start} must be before day_end {day_end}")
        if holidays not in (None, "CN"):
            raise ValueError(f"unsupported holiday calendar {holidays!r}; use None or 'CN'")
        if both := sorted(set(extra_holidays) & set(extra_workdays)):
            raise ValueError(f"{both[0]} is both a holiday and a working day")
        self.day_start = day_start
        self.day_end = day_end
        self.holidays = holidays
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        # years the admin gave the schedule of: the package's guess is not asked for them
        self._listed_years = frozenset(d.year for d in self.extra_holidays | self.extra_workdays)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        weekday = day.weekday() < 5
        if self.holidays != "CN":
            return weekday
        if day.year in self._listed_years and day.year not in official_cn_years():
            return weekday  # the admin's list is this year's schedule: no guess, no warning
        cn = _cn_year(day.year)
        if cn is None:
            return weekday
        off, worked = cn
        return day in worked or (weekday and day not in off)

    def working_hours(self, day: date, tz: str) -> tuple[datetime, datetime] | None:
        """(start, end) of `day`'s working hours in `tz`; None when it is not a working day."""
        if not self.is_working_day(day):
            return None
        start = datetime.combine(day, self.day_start)
        return _aware(start, tz), _aware(datetime.combine(day, self.day_end), tz)

    def _next_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def _moment(self, wall: datetime) -> datetime:
        if self.is_working_day(wall.date()):
            if wall.time() < self.day_start:
                return datetime.combine(wall.date(), self.day_start)
            if wall.time() < self.day_end:
                return wall
        return datetime.combine(self._next_day(wall.date()), self.day_start)

    def next_working_start(self, after: datetime, tz: str) -> datetime:
        """Start of the first working day strictly after `after`'s local date."""
        day = self._next_day(_wall(after, tz).date())
        return _aware(datetime.combine(day, self.day_start), tz)

    def is_working_time(self, at: datetime, tz: str) -> bool:
        """Whether `at` falls in working hours, their end included (what is due "by close",
        as `add_working_hours` lands it, still goes out): when rule-driven pushes go out."""
        wall = _wall(at, tz)
        return self.is_working_day(wall.date()) and self.day_start <= wall.time() <= self.day_end

    def working_moment(self, at: datetime, tz: str) -> datetime:
        """`at` if inside working time, else the start of the next working time."""
        return _aware(self._moment(_wall(at, tz)), tz)

    def add_working_hours(self, start: datetime, hours: float, tz: str) -> datetime:
        """`start` plus `hours` of working time (Fri 17:00 + 2h -> Mon 10:00 on a 9-18 day)."""
        if hours < 0:
            raise ValueError(f"hours must not be negative, got {hours}")
        wall = self._moment(_wall(start, tz))
        left = timedelta(hours=hours)
        while True:
            today = datetime.combine(wall.date(), self.day_end) - wall
            # Landing exactly on day_end stays today: "done by close", not "next morning".
            if left <= today:
                return _aware(wall + left, tz)
            left -= today
            wall = datetime.combine(self._next_day(wall.date()), self.day_start)

    def working_days_after(self, start: datetime, days: int, tz: str) -> datetime:
        """Same local time of day `days` working days later, moved into working time."""
        if days < 0:
            raise ValueError(f"days must not be negative, got {days}")
        wall = _wall(start, tz)
        day = wall.date()
        for _ in range(days):
            day = self._next_day(day)
        return _aware(self._moment(datetime.combine(day, wall.time())), tz)
