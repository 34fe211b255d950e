"""Working days and hours, in a person's own time zone.

`WorkCalendar` is pure: callers pass the clock in, every datetime is aware, and results come
back in the local zone `tz` (an IANA name). Hours are counted in local wall-clock time, so a
9-18 day is nine hours even on a DST-change date.

Holidays: the country's weekend always; with `holidays=<country code>` that country's public
holidays as the `holidays` package computes them (the default for a tenant follows its zone,
see `default_holidays`); and an admin's own list (`extra_holidays`, `extra_workdays`), which
wins over the package. Mainland China ("CN") also moves working days: for a year with the
State Council's published schedule the package has its days off and make-up working days
(调休); for a year without it, the statutory days off the package computes (with the weekdays
off that make up for one falling on a weekend) and no make-up working days until the admin
lists them (`makeup_unknown` says so; bot/jobs/calendar_notice.py tells the admins once).
The package failing degrades that year to weekends only, with one warning in the log.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo

log = logging.getLogger(__name__)

WEEKEND = frozenset({5, 6})  # Saturday, Sunday


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
def known_countries() -> frozenset[str]:
    """The two-letter codes the installed `holidays` package has public holidays for."""
    try:
        import holidays

        return frozenset(c for c in holidays.list_supported_countries() if len(c) == 2)
    except Exception:  # noqa: BLE001 - no package: no country calendars, weekends still work
        return frozenset()


@cache
def _weekend(country: str | None) -> frozenset[int]:
    if country is None:
        return WEEKEND
    try:
        import holidays

        return frozenset(holidays.country_holidays(country).weekend) or WEEKEND
    except Exception:  # noqa: BLE001
        return WEEKEND


@cache
def _country_year(country: str, year: int) -> tuple[frozenset[date], frozenset[date]] | None:
    """(days off, weekend days worked) in `year`, or None for weekends-only.

    Cached per process, which is also what limits a failure's warning to one per year.
    """
    try:
        import holidays

        official = country != "CN" or year in official_cn_years()
        # Make-up days listed under the next year's notice (e.g. Sat 2001-12-29 for New Year
        # 2002) are in weekend_workdays whatever years are asked for.
        table = holidays.country_holidays(country, years=year)
        off = frozenset(d for d in table if d.year == year)
        worked = getattr(table, "weekend_workdays", ()) if official else ()
        return off, frozenset(d for d in worked if d.year == year)
    except Exception as e:  # noqa: BLE001 - the calendar must degrade, never take the bot down
        log.warning(
            "%s holidays for %s failed (%r); treating %s as weekends-only", country, year, e, year
        )
        return None


@cache
def _warn_makeup_unknown(year: int) -> None:
    """Once per process and year: the log says what the calendar is guessing."""
    log.warning(
        "No official CN holiday schedule for %s in the holidays package; using the statutory "
        "days off it computes, with no make-up working days until [bot] extra_workdays lists "
        "them (or a newer holidays release has the schedule)",
        year,
    )


@cache
def _names(country: str, year: int, locale: str) -> dict[date, str]:
    """`country`'s holiday names in `year`, in `locale` where the package has it."""
    try:
        import holidays

        kind = holidays.country_holidays(country)
        languages = getattr(kind, "supported_languages", ())
        wanted = (locale, "en_US", "en_GB")  # else English, not the country's own language
        language = next((x for x in wanted if x in languages), None)
        table = holidays.country_holidays(country, years=year, language=language)
        return {d: name for d, name in table.items() if d.year == year}
    except Exception:  # noqa: BLE001 - a name is a nicety; the day is still off
        return {}


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


def _zone_tab() -> str:
    """The tz database's zone.tab (zone -> country code): the system's, else the tzdata
    package's (what zoneinfo itself falls back to); "" when neither is installed."""
    for folder in TZPATH:
        path = Path(folder) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return resources.files("tzdata.zoneinfo").joinpath("zone.tab").read_text("utf-8")
    except Exception:  # noqa: BLE001 - no table: zones map to no country
        return ""


@cache
def zone_countries() -> dict[str, str]:
    """Each zone of the tz database's zone.tab and its country's code ("America/New_York":
    "US"); a zone that is only a link (US/Eastern) is not in it."""
    found = {}
    for line in _zone_tab().splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and not line.startswith("#"):
            found[fields[2]] = fields[0]
    return found


def zone_country(zone: str) -> str | None:
    """The country a zone is in, by the tz database (None: UTC, Etc/..., unknown)."""
    return "CN" if zone in CN_ZONES else zone_countries().get(zone)


def default_holidays(zone: str) -> str | None:
    """The holiday calendar a tenant in `zone` gets without configuring one: its country's,
    when the holidays package knows it; None (weekends only) otherwise."""
    country = zone_country(zone)
    return country if country in known_countries() else None


def _aware(wall: datetime, tz: str) -> datetime:
    # The UTC round trip moves a wall time that falls in a DST gap to a real instant.
    return wall.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC).astimezone(ZoneInfo(tz))


def _wall(dt: datetime, tz: str) -> datetime:
    return dt.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


class WorkCalendar:
    """Working days (the weekend, optionally a country's holidays) and daily working hours."""

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
        if holidays is not None and holidays not in known_countries():
            raise ValueError(
                f"unknown holiday calendar {holidays!r}; use None or a country code the "
                "holidays package knows (CN, US, GB, ...)"
            )
        if both := sorted(set(extra_holidays) & set(extra_workdays)):
            raise ValueError(f"{both[0]} is both a holiday and a working day")
        self.day_start = day_start
        self.day_end = day_end
        self.holidays = holidays
        self.extra_holidays = frozenset(extra_holidays)
        self.extra_workdays = frozenset(extra_workdays)
        self.weekend = _weekend(holidays)
        # years the admin gave days of: their make-up days are known
        self._listed_years = frozenset(d.year for d in self.extra_holidays | self.extra_workdays)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        weekday = day.weekday() not in self.weekend
        if self.makeup_unknown(day.year):
            _warn_makeup_unknown(day.year)
        year = _country_year(self.holidays, day.year) if self.holidays else None
        if year is None:
            return weekday
        off, worked = year
        return day in worked or (weekday and day not in off)

    def makeup_unknown(self, year: int) -> bool:
        """Whether `year`'s make-up working days (调休) are still unknown: a mainland-China
        calendar, a year the package has no official schedule for, and no admin list for it."""
        return (
            self.holidays == "CN"
            and year not in official_cn_years()
            and year not in self._listed_years
        )

    def holiday_name(self, day: date, locale: str) -> str | None:
        """The name of the holiday `day` is off for ("元旦", "Christmas Day"), in `locale` where
        the package has it; None on a working day, a weekend, or a day only the admin lists."""
        if self.holidays is None or self.is_working_day(day):
            return None
        return _names(self.holidays, day.year, locale).get(day)

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
