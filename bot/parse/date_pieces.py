"""What each piece of a date or time expression means (bot/parse/dates.py reads a text as
one or two of them): the patterns are date_words'; each handler turns a match into a date, a
clock `(hour, minute, days after)`, a mark (end of day, morning), an error code for what looks
like a date or time but cannot exist, or None for no date at all. Pure: `today` is given."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, timedelta

from bot.parse import date_words as w
from bot.parse.normalize import cn_int

NO_DATE, NO_TIME = "no_such_date", "no_such_time"

Value = date | w.Clock | w.Mark | str | None
Handler = Callable[[re.Match[str], date], Value]
DATES: list[tuple[re.Pattern[str], Handler]] = []
TIMES: list[tuple[re.Pattern[str], Handler]] = []
PERIODS: list[tuple[re.Pattern[str], Handler]] = []  # only after a date: 明天下午, fri morning


def _piece(table: list, pattern: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        table.append((re.compile(pattern), fn))
        return fn

    return register


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def _month_last(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(d: date, months: int) -> tuple[int, int]:
    """(year, month) `months` after d's month."""
    k = d.year * 12 + d.month - 1 + months
    return k // 12, k % 12 + 1


@_piece(DATES, w.DAY_WORD)
def _day_word(m: re.Match[str], today: date) -> Value:
    return today + timedelta(days=w.DAY_WORDS.get(m[0], 2))


@_piece(DATES, w.BARE_WEEKDAY)
def _bare_weekday(m: re.Match[str], today: date) -> Value:
    wd = w.EN_WEEKDAYS[m[1]] if m[1] else w.CN_WEEKDAYS[m[2]]
    return today + timedelta(days=(wd - today.weekday()) % 7)


@_piece(DATES, w.WEEKDAY_OF_WEEK)
def _weekday_of_week(m: re.Match[str], today: date) -> Value:
    if m[1] or m[3]:
        word, wd = m[1] or m[3], w.EN_WEEKDAYS[m[2]] if m[2] else w.CN_WEEKDAYS[m[4]]
    else:
        word, wd = m[6] or m[7], w.EN_WEEKDAYS[m[5] or m[8]]
    return _monday(today) + timedelta(days=7 * w.weeks_on(word) + wd)


@_piece(DATES, w.NEXT_WEEK)
def _next_week(m: re.Match[str], today: date) -> Value:
    return _monday(today) + timedelta(days=7 * (w.weeks_on(m[1]) if m[1] else 1))


def _week_end(today: date, weeks: int) -> date:
    """Friday of the week `weeks` on; the coming Friday for this week (a weekend: the next)."""
    if weeks == 0 and today.weekday() > 4:
        weeks = 1
    return _monday(today) + timedelta(days=7 * weeks + 4)


@_piece(DATES, w.END_OF_WEEK)
def _end_of_week(m: re.Match[str], today: date) -> Value:
    return _week_end(today, 1 if (m[1] or "").startswith("next") else 0)


@_piece(DATES, w.WEEK_WITHIN)
def _week_within(m: re.Match[str], today: date) -> Value:
    """这周内, 本周, this week: the end of that working week (Friday), as EOW."""
    return _week_end(today, w.weeks_on((m[1] or m[2] or "").strip()))


@_piece(DATES, w.WEEKEND)
def _weekend(m: re.Match[str], today: date) -> Value:
    """周末, this weekend: its Saturday (today on a weekend day); 下周末: next week's; before
    the weekend (周末前, by the weekend): the Friday before it."""
    weeks = w.weeks_on((m[1] or m[4] or "").strip())
    if m[2] or m[3]:
        return _week_end(today, weeks)
    if weeks == 0 and today.weekday() >= 5:
        return today
    return _monday(today) + timedelta(days=7 * weeks + 5)


def _days_on(today: date, days: int) -> Value:
    return today + timedelta(days=days) if 0 < days <= 36600 else None


@_piece(DATES, w.IN_DAYS)
def _in_days(m: re.Match[str], today: date) -> Value:
    if m[2] or m[4]:
        word, unit = (m[1], m[2]) if m[2] else (m[3], m[4])
        n = w.en_int(word)
    else:
        n, unit = cn_int(m[5]), m[6]
    return _days_on(today, n * (1 if unit in ("day", "天", "日") else 7))


@_piece(DATES, w.AFTER_DAYS)
def _after_days(m: re.Match[str], today: date) -> Value:
    """过两天: in two days; 过一周: in a week."""
    return _days_on(today, cn_int(m[1]) * (1 if m[2] in ("天", "日") else 7))


@_piece(DATES, w.IN_MONTHS)
def _in_months(m: re.Match[str], today: date) -> Value:
    """半个月内: in 15 days; 两个月后, in 2 months: the same day of that month (or its last)."""
    if m[0].startswith("半") or m[1] == "半" or m[2]:
        return today + timedelta(days=15)
    n = cn_int(m[1]) if m[1] else w.en_int(m[3])
    if not 0 < n <= 1200:
        return None
    year, month = _add_months(today, n)
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


@_piece(DATES, w.YEAR_MONTH_DAY)
def _ymd(m: re.Match[str], today: date) -> Value:
    y, mo, d = (m[1], m[3], m[4]) if m[1] else (m[5], m[6], m[7])
    try:
        return date(int(y), cn_int(mo), cn_int(d))
    except ValueError:
        return NO_DATE


def _yearless(today: date, mo: int, d: int) -> Value:
    """This year when still ahead (or today), else next year."""
    for year in (today.year, today.year + 1):
        try:
            day = date(year, mo, d)
        except ValueError:
            continue
        if day >= today or year > today.year:
            return day
    return NO_DATE


@_piece(DATES, w.MONTH_DAY)
def _month_day(m: re.Match[str], today: date) -> Value:
    mo, d = int(m[1]), int(m[2])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None  # "40-50" is a range, not an impossible date
    return _yearless(today, mo, d)


@_piece(DATES, w.DOTTED)
def _dotted(m: re.Match[str], today: date) -> Value:
    """1.8号, 12.31: month and day; a number that is no date (1.50, 13.5) is none."""
    mo, d = int(m[1]), int(m[2])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return NO_DATE if m[3] else None
    return _yearless(today, mo, d)


@_piece(DATES, w.CN_MONTH_DAY)
def _cn_month_day(m: re.Match[str], today: date) -> Value:
    return _yearless(today, cn_int(m[1]), cn_int(m[2]))


def _dated(today: date, mo: int, d: int, year: str | None) -> Value:
    if year is None:
        return _yearless(today, mo, d)
    try:
        return date(int(year), mo, d)
    except ValueError:
        return NO_DATE


@_piece(DATES, w.EN_MONTH_DAY)
def _en_month_day(m: re.Match[str], today: date) -> Value:
    if m[1]:
        return _dated(today, w.EN_MONTHS[m[1]], int(m[2]), m[3])
    return _dated(today, w.EN_MONTHS[m[5]], int(m[4]), m[6])


def _coming_day(today: date, d: int) -> Value:
    """The next day-of-month `d` from today (today included): 15号 on the 20th is next month's."""
    for k in range(13):
        year, month = _add_months(today, k)
        if d <= calendar.monthrange(year, month)[1] and date(year, month, d) >= today:
            return date(year, month, d)
    return NO_DATE


@_piece(DATES, w.DAY_OF_MONTH)
def _day_of_month(m: re.Match[str], today: date) -> Value:
    if m[1]:
        d = int(m[1])
        return _coming_day(today, d) if 1 <= d <= 31 else NO_DATE
    d = cn_int(m[3])
    if not m[2]:
        if "月" in m[0]:
            return None  # "月5号" is no date
        return _coming_day(today, d) if 1 <= d <= 31 else NO_DATE
    year, month = _add_months(today, w.months_on(m[2]))
    try:
        return date(year, month, d)
    except ValueError:
        return NO_DATE


def _part_of_month(year: int, month: int, part: str) -> date:
    if part in ("底", "末", "end"):
        return _month_last(year, month)
    return date(year, month, 15 if part == "中" else 1)


@_piece(DATES, w.CN_MONTH_PART)
def _cn_month_part(m: re.Match[str], today: date) -> Value:
    if m[3]:  # 3月底: month 3 of this year, or of next year when it is over
        mo = cn_int(m[3])
        if not 1 <= mo <= 12:
            return NO_DATE
        day = _part_of_month(today.year, mo, m[4])
        return day if day >= today else _part_of_month(today.year + 1, mo, m[4])
    part = m[2] or "底"  # 月内: within this month
    if m[1] is None and part in ("初", "中"):  # a bare 月初 / 月中: the next one to come
        day = _part_of_month(today.year, today.month, part)
        if day >= today:
            return day
        year, month = _add_months(today, 1)
        return _part_of_month(year, month, part)
    year, month = _add_months(today, w.months_on(m[1]))
    return _part_of_month(year, month, part)


@_piece(DATES, w.EN_MONTH_PART)
def _en_month_part(m: re.Match[str], today: date) -> Value:
    word = (m[1] or m[2] or "").strip()
    if m[0].startswith(("start", "beginning", "early")):
        year, month = _add_months(today, 1)
        return date(year, month, 1)
    shift = {"next": 1, "last": -1}.get(word, 0)
    year, month = _add_months(today, shift)
    return _month_last(year, month)


@_piece(DATES, w.EN_MONTH_MID)
def _en_month_mid(m: re.Match[str], today: date) -> Value:
    """mid-Jan: the 15th; early Jan: the 1st; late Jan, end of Jan: its last day; the next
    one to come (this year's, or next year's when it is over). mid-month: the coming 15th."""
    if not m[2]:
        return _coming_day(today, 15)
    part = "中" if m[1] == "mid" else "初" if m[1] == "early" else "底"
    day = _part_of_month(today.year, w.EN_MONTHS[m[2]], part)
    return day if day >= today else _part_of_month(today.year + 1, w.EN_MONTHS[m[2]], part)


@_piece(DATES, w.PART_OF_YEAR)
def _year_part(m: re.Match[str], today: date) -> Value:
    if m[1]:
        year = today.year + {"今": 0, "明": 1, "去": -1}[m[1]]
        return date(year, *w.YEAR_PART[m[2]])
    if m[3]:  # a bare 年初 / 年中: the next one to come; 年底 is this year's
        day = date(today.year, *w.YEAR_PART[m[3]])
        return day if day >= today else date(today.year + 1, *w.YEAR_PART[m[3]])
    if m[0].startswith(("start", "beginning", "early")):
        return date(today.year + 1, 1, 1)
    word = (m[4] or m[5] or "").strip()
    return date(today.year + (1 if word == "next" else 0), 12, 31)


def _check(h: int, mi: int, plus: int = 0) -> Value:
    return (h, mi, plus) if 0 <= h <= 23 and 0 <= mi <= 59 else NO_TIME


def _ampm(h: int, mi: int, ap: str) -> Value:
    if not (1 <= h <= 12 and 0 <= mi <= 59):
        return NO_TIME
    return (h % 12 + (12 if ap == "p" else 0), mi, 0)


@_piece(TIMES, w.CLOCK_TIME)
def _clock(m: re.Match[str], today: date) -> Value:
    if m[2] is None and m[3] is None:
        return None  # a bare number is no time
    h, mi = int(m[1]), int(m[2] or 0)
    return _ampm(h, mi, m[3]) if m[3] else _check(h, mi)


@_piece(TIMES, w.NOON)
def _noon(m: re.Match[str], today: date) -> Value:
    return (12, 0, 0)


@_piece(TIMES, w.FIRST_THING)
def _first_thing(m: re.Match[str], today: date) -> Value:
    return w.MORNING  # first thing, 一早: the working day's start


@_piece(TIMES, w.END_OF_DAY)
def _end_of_day(m: re.Match[str], today: date) -> Value:
    return w.EOD


@_piece(PERIODS, w.PART_OF_DAY)
def _period(m: re.Match[str], today: date) -> Value:
    return w.PERIOD_CLOCK[m[1] or m[0]]


def _cn_clock(period: str | None, h: int, mi: int, dot: bool) -> Value:
    if period is None:
        if dot and 1 <= h <= 6:
            h += 12  # sales hours: a bare 3点 is 15:00
    elif period in w.PM_PERIODS:
        if h == 0:
            return NO_TIME
        if h <= 11:
            h += 12
        elif h == 12 and period in ("晚上", "晚"):
            return _check(0, mi, 1)  # 晚上12点 is the midnight that ends the day
    elif period == "中午":
        if 1 <= h <= 5:
            h += 12
    elif h > 12:
        return NO_TIME  # 上午15点
    elif h == 12 and period == "凌晨":
        h = 0
    return _check(h, mi)


@_piece(TIMES, w.CN_HOUR)
def _cn_dot(m: re.Match[str], today: date) -> Value:
    if m[2] == "一" and not (m[3] or m[4]) and m[1] in (None, "早", "晚"):
        return None  # 快一点, 早一点: "a bit", not one o'clock
    mi = 30 if m[3] else cn_int(m[4]) if m[4] else 0
    return _cn_clock(m[1], cn_int(m[2]), mi, dot=True)


@_piece(TIMES, w.CN_COLON_TIME)
def _cn_colon(m: re.Match[str], today: date) -> Value:
    return _cn_clock(m[1], int(m[2]), int(m[3]), dot=False)
