"""Holiday names as dates: 国庆, 春节前, 节后, 年前 / 年后, Christmas, after Thanksgiving.

Chinese names are always mainland China's holidays; English names are those of the team's
country (`Days.country`, "US" by default). The days come from the `holidays` package; the
next occurrence is the first one not yet over on `today`.

- the name alone (国庆, Christmas) is the holiday's own day, whole;
- 前 / before: the day before the holiday's days off begin (国庆前: September 30);
- 后 / 后第一天 / after: the first working day after them (国庆后: the day work resumes);
- 节前 / 节后 / before / after the holidays: the same around the next holiday of all;
- 年前 / 年后: before / after 春节.

The days off around a holiday are the days next to it that are holidays or not working days
(`Days.working`, the team's calendar; without one, weekends and the country's holidays). Pure:
`today` and the calendar are given.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from bot.parse.date_words import EN_NUM, NUMBER, en_int
from bot.parse.normalize import cn_int

__all__ = ["HOLIDAY", "WORKDAYS", "Days", "holiday_day", "workdays_day"]


@dataclass(frozen=True)
class Days:
    """What a holiday's date needs to know of the team: its country (for English names) and
    its working days (None: weekends and the country's public holidays are off)."""

    country: str = "US"
    working: Callable[[date], bool] | None = None


# Chinese words → the English name the holidays package gives China's day (prefix)
CN = {
    "元旦": "New Year's Day",
    "春节": "Chinese New Year (Spring",
    "过年": "Chinese New Year (Spring",
    "清明": "Tomb-Sweeping Day",
    "五一": "Labor Day",
    "劳动": "Labor Day",
    "端午": "Dragon Boat Festival",
    "中秋": "Mid-Autumn Festival",
    "国庆": "National Day",
}
# English words → the name (prefix) in the country's table
EN = {
    "christmas": "Christmas",
    "xmas": "Christmas",
    "new year": "New Year's Day",
    "thanksgiving": "Thanksgiving",
    "memorial day": "Memorial Day",
    "labor day": "Labor Day",
    "labour day": "Labour Day",
    "independence day": "Independence Day",
    "july 4th": "Independence Day",
    "the fourth of july": "Independence Day",
    "juneteenth": "Juneteenth",
    "mlk day": "Martin Luther King",
    "martin luther king day": "Martin Luther King",
    "presidents day": "Washington's Birthday",
    "columbus day": "Columbus Day",
    "veterans day": "Veterans Day",
    "good friday": "Good Friday",
    "easter monday": "Easter Monday",
    "boxing day": "Boxing Day",
    "canada day": "Canada Day",
    "victoria day": "Victoria Day",
    "australia day": "Australia Day",
    "anzac day": "ANZAC Day",
}
_CN_WORD = "|".join(CN)
_EN_WORD = "|".join(
    sorted((re.escape(k).replace(r"\ ", r"\s+") for k in EN), key=len, reverse=True)
)
_EN_NAME = rf"(?:the\s+)?({_EN_WORD})(?:'?s)?(?:\s+day)?(?:'?s)?(?:\s+eve)?"
# one pattern, read on lower-cased text (bot/parse/dates.py)
HOLIDAY = (
    rf"({_CN_WORD})节?\s*(?:(假期?|长假|小长假)\s*)?((?:之|以)?前|(?:之|以)?后(?:\s*第一天|\s*上班)?)?"
    rf"|(节|年|放假)\s*((?:之|以)?前|(?:之|以)?后(?:\s*第一天|\s*上班)?)"
    rf"|(before|after)\s+(?:the\s+)?holidays?"
    rf"|(?:(before|after)\s+)?{_EN_NAME}"
)


# 3个工作日内, 5个工作日后, within 3 business days: N working days after today
WORKDAYS = (
    rf"({NUMBER}|[0-9]+)\s*个?\s*工作日\s*(?:[之以]?内|以?后)"
    rf"|(?:in|within)\s+({EN_NUM})\s+(?:business|working|work)\s+days?"
)


@lru_cache(maxsize=64)
def _table(country: str, year: int) -> tuple[tuple[date, str], ...]:
    import holidays

    try:
        table = holidays.country_holidays(country, years=year)
    except (NotImplementedError, KeyError, AttributeError):
        return ()
    return tuple(sorted(table.items()))


def _off(day: date, country: str, days: Days) -> bool:
    if days.working is not None and not days.working(day):
        return True
    if any(d == day for d, _ in _table(country, day.year)):
        return True
    return days.working is None and day.weekday() >= 5


def _block(day: date, country: str, days: Days) -> tuple[date, date]:
    """The run of days off around the holiday `day` (itself included)."""
    start = end = day
    for _ in range(30):
        if not _off(start - timedelta(days=1), country, days):
            break
        start -= timedelta(days=1)
    for _ in range(30):
        if not _off(end + timedelta(days=1), country, days):
            break
        end += timedelta(days=1)
    return start, end


def _firsts(country: str, prefix: str | None, today: date) -> list[date]:
    """The first day of each of the holiday's runs (春节 is three days of that name) from
    last year to next; of every named holiday when `prefix` is None. Observed, substituted
    and eve days are not the holiday itself (they are days off around it)."""
    own: set[date] = set()
    for year in (today.year - 1, today.year, today.year + 1):
        for d, name in _table(country, year):
            if "observed" in name or name.startswith("Day off") or "Eve" in name:
                continue
            if prefix is None or name.startswith(prefix):
                own.add(d)
    return sorted(d for d in own if d - timedelta(days=1) not in own)


def holiday_day(m: re.Match[str], today: date, days: Days) -> date | None:
    """The date a HOLIDAY match stands for, from `today`; None when the country has no such
    holiday."""
    if m[1]:
        country, prefix, side = "CN", CN[m[1]], m[3]
    elif m[4]:
        country, prefix, side = "CN", CN["春节"] if m[4] == "年" else None, m[5]
    elif m[6]:
        country, prefix, side = days.country, None, m[6]
    else:
        prefix, side = EN[re.sub(r"\s+", " ", m[8])], m[7]
        # the team's country, else the day as the US (then the UK) keep it: Christmas in
        # Shanghai is still December 25
        country = next(
            (c for c in (days.country, "US", "GB") if _firsts(c, prefix, today)), days.country
        )
    firsts = _firsts(country, prefix, today)
    before = bool(side) and ("前" in side or side == "before")
    after = bool(side) and not before
    for first in firsts:
        start, end = _block(first, country, days)
        if before:
            if start - timedelta(days=1) >= today:
                return start - timedelta(days=1)
        elif after:
            if end >= today:
                day = end + timedelta(days=1)
                for _ in range(30):
                    if not _off(day, country, days):
                        break
                    day += timedelta(days=1)
                return day
        elif first >= today:
            return first
    return None


def workdays_day(m: re.Match[str], today: date, days: Days) -> date | None:
    """The N-th working day after `today` (the team's calendar; without one, weekends and the
    country's holidays are off)."""
    n = cn_int(m[1]) if m[1] else en_int(m[2])
    if not 0 < n <= 250:
        return None
    day = today
    while n:
        day += timedelta(days=1)
        if not _off(day, days.country, days):
            n -= 1
    return day
