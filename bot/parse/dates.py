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

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.parse import date_words as w
from bot.parse.date_pieces import DATES, PERIODS, TIMES
from bot.parse.holiday_names import HOLIDAY, WORKDAYS, Days, holiday_day, workdays_day
from bot.parse.normalize import ascii_lower, cn_int, normalize

__all__ = ["DateError", "Days", "When", "day_start_in", "parse_when", "read_when"]

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


def _word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _relative(low: str) -> timedelta | None:
    m = w.RELATIVE.fullmatch(low)
    if not m:
        return None
    if m[2]:
        minutes = w.en_int(m[1]) * (60 if m[2] in ("hour", "hr", "h") else 1)
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


_HOLIDAY = re.compile(HOLIDAY)
_WORKDAYS = re.compile(WORKDAYS)


def _readings(low: str, today: date, days: Days) -> Iterator[list[tuple]]:
    """Every way the whole of `low` reads as one piece or two joined pieces: a date, a time,
    a date and a time in either order, or a date and a part of the day (明天下午). Holiday
    names (国庆后, Christmas) and working days (3个工作日内) are read with `days`: the team's
    country and working days."""
    n = len(low)
    dates = [
        *DATES,
        (_HOLIDAY, lambda m, today: holiday_day(m, today, days)),
        (_WORKDAYS, lambda m, today: workdays_day(m, today, days)),
    ]
    orders = (
        (dates, "date", [(TIMES, "time"), (PERIODS, "time")]),
        (TIMES, "time", [(dates, "date")]),
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
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    day_start: time = time(9, 0),
    days: Days | None = None,
) -> When | None:
    """The whole `text` as a date or moment in `tz`, None when it is not one; DateError if
    it cannot exist. A date without a time is a whole day (When.all_day). `days`: the team's
    country and working days, for holiday names (US and weekends when not given)."""
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
    for reading in _readings(low, today, days or Days()):
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
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    day_start: time = time(9, 0),
    days: Days | None = None,
) -> datetime | None:
    """The whole `text` as a moment in `tz` (a whole day at `day_start`), None when it is not
    a date or time; DateError if it cannot exist."""
    when = read_when(text, now=now, tz=tz, day_start=day_start, days=days)
    return when.moment(day_start) if when else None
