"""English and Chinese date/time expressions in chat text.

Pure functions: the caller passes `now` (aware) and the person's time zone. A text is read as
at most one date piece and one time piece (明天下午3点, tomorrow at 3pm, 3pm Fri, 周五下班,
Friday w.EOD), or as one relative time (in 2 hours, 30分钟后).

read_when() says whether a time was written: a date alone (Fri, 月底, 12月31日, EOW, 周五下班,
Friday w.EOD) is a whole day; a time (3pm, 下午5点, 明早, tonight) is a moment. The times given
to words without a clock: morning (明早, 明天上午, tomorrow morning) is the working day's start
(`day_start`), afternoon (下午) 14:00, 傍晚 18:00, evening (今晚, 晚上, tonight) 20:00, noon
(中午) 12:00. Month and year words: 月初 / start of next month is the 1st, 月中 the 15th, 月底 /
end of month the last day, 年初 January 1, 年中 June 30, 年底 / end of year December 31; end of
week (EOW) is that week's Friday. A bare 月初, 月中, 年初, 年中 or day of the month (15号, the
15th) is the next one to come, today included.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.parse import date_words as w
from bot.parse.normalize import ascii_lower, cn_int, normalize

__all__ = ["DateError", "When", "day_start_in", "parse_when", "read_when"]

_NO_DATE, _NO_TIME = "no_such_date", "no_such_time"
_MAX_TOKENS = 7  # "day after tomorrow at 3 pm" is six tokens
_MAX_CHARS = 48  # "the 5th of December, 2027 at 3:30 pm" is 36: longer text is never one date


class DateError(ValueError):
    """Looks like a date or time but cannot exist (2月30日, 02-30, 25:00, 13pm)."""

    def __init__(self, code: str, text: str):
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


@dataclass(frozen=True)
class When:
    """A date or moment as written. `all_day`: no time was written, and `at` is the start
    (00:00) of that day in the writer's zone; else `at` is the moment written."""

    at: datetime
    all_day: bool = False

    def moment(self, day_start: time) -> datetime:
        """The time to act on it: the moment written, or `day_start` of a whole day."""
        if not self.all_day:
            return self.at
        tz = self.at.tzinfo
        assert isinstance(tz, ZoneInfo)
        return _at(self.at.date(), day_start.hour, day_start.minute, tz)


# A piece handler returns a value, an error code (str) or None when the match is no date at all.
_Value = date | w.Clock | w.Mark | str | None
_Handler = Callable[[re.Match[str], date], _Value]
_DATES: list[tuple[re.Pattern[str], _Handler]] = []
_TIMES: list[tuple[re.Pattern[str], _Handler]] = []
_PERIODS: list[tuple[re.Pattern[str], _Handler]] = []  # only after a date: 明天下午, fri morning


def _piece(table: list, pattern: str) -> Callable[[_Handler], _Handler]:
    def register(fn: _Handler) -> _Handler:
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


@_piece(_DATES, w.DAY_WORD)
def _day_word(m: re.Match[str], today: date) -> _Value:
    return today + timedelta(days=w.DAY_WORDS.get(m[0], 2))


@_piece(_DATES, w.BARE_WEEKDAY)
def _bare_weekday(m: re.Match[str], today: date) -> _Value:
    wd = w.EN_WEEKDAYS[m[1]] if m[1] else w.CN_WEEKDAYS[m[2]]
    return today + timedelta(days=(wd - today.weekday()) % 7)


@_piece(_DATES, w.WEEKDAY_OF_WEEK)
def _weekday_of_week(m: re.Match[str], today: date) -> _Value:
    if m[1] or m[3]:
        word, wd = m[1] or m[3], w.EN_WEEKDAYS[m[2]] if m[2] else w.CN_WEEKDAYS[m[4]]
    else:
        word, wd = m[6] or m[7], w.EN_WEEKDAYS[m[5] or m[8]]
    return _monday(today) + timedelta(days=7 * w.weeks_on(word) + wd)


@_piece(_DATES, w.NEXT_WEEK)
def _next_week(m: re.Match[str], today: date) -> _Value:
    return _monday(today) + timedelta(days=7 * (w.weeks_on(m[1]) if m[1] else 1))


def _week_end(today: date, weeks: int) -> date:
    """Friday of the week `weeks` on; the coming Friday for this week (a weekend: the next)."""
    if weeks == 0 and today.weekday() > 4:
        weeks = 1
    return _monday(today) + timedelta(days=7 * weeks + 4)


@_piece(_DATES, w.END_OF_WEEK)
def _end_of_week(m: re.Match[str], today: date) -> _Value:
    return _week_end(today, 1 if (m[1] or "").startswith("next") else 0)


@_piece(_DATES, w.IN_DAYS)
def _in_days(m: re.Match[str], today: date) -> _Value:
    if m[2] or m[4]:
        word, unit = (m[1], m[2]) if m[2] else (m[3], m[4])
        n = 1 if word in ("a", "an") else int(word)
    else:
        n, unit = cn_int(m[5]), m[6]
    days = n * (1 if unit in ("day", "天", "日") else 7)
    return today + timedelta(days=days) if days <= 36600 else None


@_piece(_DATES, w.YEAR_MONTH_DAY)
def _ymd(m: re.Match[str], today: date) -> _Value:
    y, mo, d = (m[1], m[3], m[4]) if m[1] else (m[5], m[6], m[7])
    try:
        return date(int(y), cn_int(mo), cn_int(d))
    except ValueError:
        return _NO_DATE


def _yearless(today: date, mo: int, d: int) -> _Value:
    """This year when still ahead (or today), else next year."""
    for year in (today.year, today.year + 1):
        try:
            day = date(year, mo, d)
        except ValueError:
            continue
        if day >= today or year > today.year:
            return day
    return _NO_DATE


@_piece(_DATES, w.MONTH_DAY)
def _month_day(m: re.Match[str], today: date) -> _Value:
    mo, d = int(m[1]), int(m[2])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None  # "40-50" is a range, not an impossible date
    return _yearless(today, mo, d)


@_piece(_DATES, w.CN_MONTH_DAY)
def _cn_month_day(m: re.Match[str], today: date) -> _Value:
    return _yearless(today, cn_int(m[1]), cn_int(m[2]))


def _dated(today: date, mo: int, d: int, year: str | None) -> _Value:
    if year is None:
        return _yearless(today, mo, d)
    try:
        return date(int(year), mo, d)
    except ValueError:
        return _NO_DATE


@_piece(_DATES, w.EN_MONTH_DAY)
def _en_month_day(m: re.Match[str], today: date) -> _Value:
    if m[1]:
        return _dated(today, w.EN_MONTHS[m[1]], int(m[2]), m[3])
    return _dated(today, w.EN_MONTHS[m[5]], int(m[4]), m[6])


def _coming_day(today: date, d: int) -> _Value:
    """The next day-of-month `d` from today (today included): 15号 on the 20th is next month's."""
    for k in range(13):
        year, month = _add_months(today, k)
        if d <= calendar.monthrange(year, month)[1] and date(year, month, d) >= today:
            return date(year, month, d)
    return _NO_DATE


@_piece(_DATES, w.DAY_OF_MONTH)
def _day_of_month(m: re.Match[str], today: date) -> _Value:
    if m[1]:
        d = int(m[1])
        return _coming_day(today, d) if 1 <= d <= 31 else _NO_DATE
    d = cn_int(m[3])
    if not m[2]:
        if "月" in m[0]:
            return None  # "月5号" is no date
        return _coming_day(today, d) if 1 <= d <= 31 else _NO_DATE
    year, month = _add_months(today, w.months_on(m[2]))
    try:
        return date(year, month, d)
    except ValueError:
        return _NO_DATE


def _part_of_month(year: int, month: int, part: str) -> date:
    if part in ("底", "末", "end"):
        return _month_last(year, month)
    return date(year, month, 15 if part == "中" else 1)


@_piece(_DATES, w.CN_MONTH_PART)
def _cn_month_part(m: re.Match[str], today: date) -> _Value:
    if m[3]:  # 3月底: month 3 of this year, or of next year when it is over
        mo = cn_int(m[3])
        if not 1 <= mo <= 12:
            return _NO_DATE
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


@_piece(_DATES, w.EN_MONTH_PART)
def _en_month_part(m: re.Match[str], today: date) -> _Value:
    word = (m[1] or m[2] or "").strip()
    if m[0].startswith(("start", "beginning", "early")):
        year, month = _add_months(today, 1)
        return date(year, month, 1)
    shift = {"next": 1, "last": -1}.get(word, 0)
    year, month = _add_months(today, shift)
    return _month_last(year, month)


@_piece(_DATES, w.PART_OF_YEAR)
def _year_part(m: re.Match[str], today: date) -> _Value:
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


def _check(h: int, mi: int, plus: int = 0) -> _Value:
    return (h, mi, plus) if 0 <= h <= 23 and 0 <= mi <= 59 else _NO_TIME


def _ampm(h: int, mi: int, ap: str) -> _Value:
    if not (1 <= h <= 12 and 0 <= mi <= 59):
        return _NO_TIME
    return (h % 12 + (12 if ap == "p" else 0), mi, 0)


@_piece(_TIMES, w.CLOCK_TIME)
def _clock(m: re.Match[str], today: date) -> _Value:
    if m[2] is None and m[3] is None:
        return None  # a bare number is no time
    h, mi = int(m[1]), int(m[2] or 0)
    return _ampm(h, mi, m[3]) if m[3] else _check(h, mi)


@_piece(_TIMES, w.NOON)
def _noon(m: re.Match[str], today: date) -> _Value:
    return (12, 0, 0)


@_piece(_TIMES, w.END_OF_DAY)
def _end_of_day(m: re.Match[str], today: date) -> _Value:
    return w.EOD


@_piece(_PERIODS, w.PART_OF_DAY)
def _period(m: re.Match[str], today: date) -> _Value:
    return w.PERIOD_CLOCK[m[1] or m[0]]


def _cn_clock(period: str | None, h: int, mi: int, dot: bool) -> _Value:
    if period is None:
        if dot and 1 <= h <= 6:
            h += 12  # sales hours: a bare 3点 is 15:00
    elif period in w.PM_PERIODS:
        if h == 0:
            return _NO_TIME
        if h <= 11:
            h += 12
        elif h == 12 and period in ("晚上", "晚"):
            return _check(0, mi, 1)  # 晚上12点 is the midnight that ends the day
    elif period == "中午":
        if 1 <= h <= 5:
            h += 12
    elif h > 12:
        return _NO_TIME  # 上午15点
    elif h == 12 and period == "凌晨":
        h = 0
    return _check(h, mi)


@_piece(_TIMES, w.CN_HOUR)
def _cn_dot(m: re.Match[str], today: date) -> _Value:
    if m[2] == "一" and not (m[3] or m[4]) and m[1] in (None, "早", "晚"):
        return None  # 快一点, 早一点: "a bit", not one o'clock
    mi = 30 if m[3] else cn_int(m[4]) if m[4] else 0
    return _cn_clock(m[1], cn_int(m[2]), mi, dot=True)


@_piece(_TIMES, w.CN_COLON_TIME)
def _cn_colon(m: re.Match[str], today: date) -> _Value:
    return _cn_clock(m[1], int(m[2]), int(m[3]), dot=False)


def _word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _relative(low: str) -> timedelta | None:
    m = w.RELATIVE.fullmatch(low)
    if not m:
        return None
    if m[2]:
        n = 1 if m[1] in ("a", "an", "one") else int(m[1])
        minutes = n * (60 if m[2] in ("hour", "hr") else 1)
    elif m[3] == "半":
        minutes = 30 if m[4] != "分钟" else 0
    else:
        minutes = cn_int(m[3]) * (1 if m[4] == "分钟" else 60)
    return timedelta(minutes=minutes) if 0 < minutes <= 10**6 else None


def _matches(table: list, kind: str, s: str, pos: int, today: date) -> Iterator[tuple]:
    for rx, fn in table:
        m = rx.match(s, pos)
        if m and (value := fn(m, today)) is not None:
            yield kind, m, value


def _readings(low: str, today: date) -> Iterator[list[tuple]]:
    """Every way the whole of `low` reads as one piece or two joined pieces: a date, a time,
    a date and a time in either order, or a date and a part of the day (明天下午)."""
    n = len(low)
    orders = (
        (_DATES, "date", [(_TIMES, "time"), (_PERIODS, "time")]),
        (_TIMES, "time", [(_DATES, "date")]),
    )
    for first, kind1, seconds in orders:
        for a in _matches(first, kind1, low, 0, today):
            end = a[1].end()
            if end == n:
                yield [a]
                continue
            k = w.SEP.match(low, end).end()
            if k == end and _word(low[end - 1]) and _word(low[end]):
                continue  # "tomorrow3pm", "12-0515:00": pieces must not share an ASCII word
            for second, kind2 in seconds:
                for b in _matches(second, kind2, low, k, today):
                    if b[1].end() == n:
                        yield [a, b]


def _at(day: date, h: int, mi: int, tz: ZoneInfo) -> datetime:
    # The UTC round trip moves a wall time inside a DST gap (02:30) to one that exists (03:30).
    naive = datetime(day.year, day.month, day.day, h, mi, tzinfo=tz)
    return naive.astimezone(UTC).astimezone(tz)


def day_start_in(day: date, tz: ZoneInfo) -> datetime:
    """The start (00:00) of `day` in `tz`: how a whole day is stored (When.at)."""
    return _at(day, 0, 0, tz)


def read_when(
    text: str, *, now: datetime, tz: ZoneInfo, day_start: time = time(9, 0)
) -> When | None:
    """The whole `text` as a date or moment in `tz`, None when it is not one; DateError if
    it cannot exist. A date without a time is a whole day (When.all_day)."""
    if not text:
        return None
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    norm = w.TRAIL.sub("", normalize(text).strip())
    if len(norm) > _MAX_CHARS:
        return None
    if (lead := w.LEAD.match(ascii_lower(norm))) and lead.end() < len(norm):
        norm = norm[lead.end() :]
    for rx, long in w.SHORT:
        norm = rx.sub(long, norm)
    low = ascii_lower(norm)
    if not low:
        return None
    if delta := _relative(low):
        at = (now.astimezone(UTC) + delta).astimezone(tz).replace(second=0, microsecond=0)
        return When(at)
    today = now.astimezone(tz).date()
    error: DateError | None = None
    for reading in _readings(low, today):
        bad = [(m, v) for _, m, v in reading if isinstance(v, str)]
        if bad:
            m, code = bad[0]
            error = error or DateError(code, norm[m.start() : m.end()])
            continue
        parts = {kind: value for kind, _, value in reading}
        day, clock = parts.get("date"), parts.get("time")
        if clock is None or clock is w.EOD:
            return When(day_start_in(day if day is not None else today, tz), all_day=True)
        if clock is w.MORNING:
            clock = (day_start.hour, day_start.minute, 0)
        assert isinstance(clock, tuple)
        h, mi, plus = clock
        if day is not None:
            return When(_at(day + timedelta(days=plus), h, mi, tz))
        when = _at(today + timedelta(days=plus), h, mi, tz)
        return When(when if when > now else _at(today + timedelta(days=plus + 1), h, mi, tz))
    if error:
        raise error
    return None


def parse_when(
    text: str, *, now: datetime, tz: ZoneInfo, day_start: time = time(9, 0)
) -> datetime | None:
    """The whole `text` as a moment in `tz` (a whole day at `day_start`), None when it is not
    a date or time; DateError if it cannot exist."""
    when = read_when(text, now=now, tz=tz, day_start=day_start)
    return when.moment(day_start) if when else None
