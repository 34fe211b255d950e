"""English and Chinese date/time expressions in chat text.

Pure functions: the caller passes `now` (aware) and the person's time zone. A text is read as
at most one date piece and one time piece (明天下午3点, tomorrow at 3pm, 3pm Fri), or as one
relative time (in 2 hours, 30分钟后).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.parse.normalize import CN_NUM, ascii_lower, cn_int, normalize

__all__ = ["DateError", "parse_when"]

_NO_DATE, _NO_TIME = "no_such_date", "no_such_time"
_MAX_TOKENS = 7  # "day after tomorrow at 3 pm" is six tokens
_N = f"(?:[0-9]+|{CN_NUM})"


class DateError(ValueError):
    """Looks like a date or time but cannot exist (2月30日, 02-30, 25:00, 13pm)."""

    def __init__(self, code: str, text: str):
        super().__init__(f"{code}: {text}")
        self.code = code
        self.text = text


# A piece handler returns a value, an error code (str) or None when the match is no date at all.
_Clock = tuple[int, int, int]  # hour, minute, days to add (晚上12点 is the next midnight)
_Value = date | _Clock | str | None
_Handler = Callable[[re.Match[str], date], _Value]
_DATES: list[tuple[re.Pattern[str], _Handler]] = []
_TIMES: list[tuple[re.Pattern[str], _Handler]] = []


def _piece(table: list, pattern: str) -> Callable[[_Handler], _Handler]:
    def register(fn: _Handler) -> _Handler:
        table.append((re.compile(pattern), fn))
        return fn

    return register


_EN_WD = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
_WD = "|".join(sorted(_EN_WD, key=len, reverse=True))
_CN_WD = dict(zip("一二三四五六日天1234567", (0, 1, 2, 3, 4, 5, 6, 6, 0, 1, 2, 3, 4, 5, 6)))
_WEEK = "(?:周|星期|礼拜)"
_CWD = "([一二三四五六日天1-7])"


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


_DAY_WORDS = {
    "today": 0,
    "今天": 0,
    "今日": 0,
    "tomorrow": 1,
    "tmrw": 1,
    "tmr": 1,
    "明天": 1,
    "明日": 1,
    "后天": 2,
    "大后天": 3,
}


@_piece(_DATES, r"(?:the\s+)?day\s+after\s+tomorrow|" + "|".join(sorted(_DAY_WORDS, key=len)[::-1]))
def _day_word(m: re.Match[str], today: date) -> _Value:
    return today + timedelta(days=_DAY_WORDS.get(m[0], 2))


@_piece(_DATES, rf"({_WD})|{_WEEK}{_CWD}")
def _bare_weekday(m: re.Match[str], today: date) -> _Value:
    wd = _EN_WD[m[1]] if m[1] else _CN_WD[m[2]]
    return today + timedelta(days=(wd - today.weekday()) % 7)


@_piece(_DATES, rf"(next|this)\s+({_WD})|(下个?|本|这个?){_WEEK}{_CWD}")
def _weekday_of_week(m: re.Match[str], today: date) -> _Value:
    wd = _EN_WD[m[2]] if m[2] else _CN_WD[m[4]]
    weeks = 1 if (m[1] or m[3]).startswith(("next", "下")) else 0
    return _monday(today) + timedelta(days=7 * weeks + wd)


@_piece(_DATES, rf"next\s+week|下个?{_WEEK}")
def _next_week(m: re.Match[str], today: date) -> _Value:
    return _monday(today) + timedelta(days=7)


@_piece(_DATES, rf"in\s+([0-9]+|an?)\s+(day|week)s?|({_N})\s*个?\s*(天|日|周|星期|礼拜)\s*以?后")
def _in_days(m: re.Match[str], today: date) -> _Value:
    if m[2]:
        n, unit = (1 if m[1] in ("a", "an") else int(m[1])), m[2]
    else:
        n, unit = cn_int(m[3]), m[4]
    days = n * (1 if unit in ("day", "天", "日") else 7)
    return today + timedelta(days=days) if days <= 36600 else None


@_piece(
    _DATES,
    rf"([0-9]{{4}})([-/.])([0-9]{{1,2}})\2([0-9]{{1,2}})"
    rf"|([0-9]{{4}})\s*年\s*({_N})\s*月\s*({_N})\s*[日号]",
)
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


@_piece(_DATES, r"([0-9]{1,2})[-/]([0-9]{1,2})")
def _month_day(m: re.Match[str], today: date) -> _Value:
    mo, d = int(m[1]), int(m[2])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None  # "40-50" is a range, not an impossible date
    return _yearless(today, mo, d)


@_piece(_DATES, rf"({_N})\s*月\s*({_N})\s*[日号]")
def _cn_month_day(m: re.Match[str], today: date) -> _Value:
    return _yearless(today, cn_int(m[1]), cn_int(m[2]))


def _check(h: int, mi: int, plus: int = 0) -> _Value:
    return (h, mi, plus) if 0 <= h <= 23 and 0 <= mi <= 59 else _NO_TIME


def _ampm(h: int, mi: int, ap: str) -> _Value:
    if not (1 <= h <= 12 and 0 <= mi <= 59):
        return _NO_TIME
    return (h % 12 + (12 if ap == "p" else 0), mi, 0)


_AP = r"\s*([ap])\.?m\.?"


@_piece(_TIMES, rf"([0-9]{{1,2}})(?::([0-9]{{2}}))?(?:{_AP})?")
def _clock(m: re.Match[str], today: date) -> _Value:
    if m[2] is None and m[3] is None:
        return None  # a bare number is no time
    h, mi = int(m[1]), int(m[2] or 0)
    return _ampm(h, mi, m[3]) if m[3] else _check(h, mi)


@_piece(_TIMES, r"noon|midday|中午")
def _noon(m: re.Match[str], today: date) -> _Value:
    return (12, 0, 0)


_PERIOD = "上午|早上|早晨|中午|下午|晚上|傍晚|凌晨|早|晚"
_PM = ("下午", "晚上", "傍晚", "晚")


def _cn_clock(period: str | None, h: int, mi: int, dot: bool) -> _Value:
    if period is None:
        if dot and 1 <= h <= 6:
            h += 12  # sales hours: a bare 3点 is 15:00
    elif period in _PM:
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


@_piece(_TIMES, rf"(?:({_PERIOD})\s*)?({_N})\s*[点时]钟?(?:(半)|({_N})分?)?")
def _cn_dot(m: re.Match[str], today: date) -> _Value:
    if m[2] == "一" and not (m[3] or m[4]) and m[1] in (None, "早", "晚"):
        return None  # 快一点, 早一点: "a bit", not one o'clock
    mi = 30 if m[3] else cn_int(m[4]) if m[4] else 0
    return _cn_clock(m[1], cn_int(m[2]), mi, dot=True)


@_piece(_TIMES, rf"({_PERIOD})\s*([0-9]{{1,2}}):([0-9]{{2}})")
def _cn_colon(m: re.Match[str], today: date) -> _Value:
    return _cn_clock(m[1], int(m[2]), int(m[3]), dot=False)


_RELATIVE = re.compile(
    rf"in\s+([0-9]+|an?|one)\s+(hour|hr|minute|min)s?"
    rf"|({_N}|半)\s*个?\s*(小时|钟头|分钟)\s*以?后"
)
_SEP = re.compile(r"\s+(?:at|on)\s+|\s*")
_LEAD = re.compile(r"(?:at|on)\s+")
_TRAIL = re.compile(r"[\s.,;!?。，；！？]+$")


def _word(c: str) -> bool:
    return c.isascii() and c.isalnum()


def _relative(low: str) -> timedelta | None:
    m = _RELATIVE.fullmatch(low)
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
    """Every way the whole of `low` reads as one piece or two joined pieces."""
    n = len(low)
    for first, second in ((_DATES, _TIMES), (_TIMES, _DATES)):
        kind1, kind2 = ("date", "time") if first is _DATES else ("time", "date")
        for a in _matches(first, kind1, low, 0, today):
            end = a[1].end()
            if end == n:
                yield [a]
                continue
            k = _SEP.match(low, end).end()
            if k == end and _word(low[end - 1]) and _word(low[end]):
                continue  # "tomorrow3pm", "12-0515:00": pieces must not share an ASCII word
            for b in _matches(second, kind2, low, k, today):
                if b[1].end() == n:
                    yield [a, b]


def _at(day: date, h: int, mi: int, tz: ZoneInfo) -> datetime:
    # The UTC round trip moves a wall time inside a DST gap (02:30) to one that exists (03:30).
    naive = datetime(day.year, day.month, day.day, h, mi, tzinfo=tz)
    return naive.astimezone(UTC).astimezone(tz)


def parse_when(
    text: str, *, now: datetime, tz: ZoneInfo, day_start: time = time(9, 0)
) -> datetime | None:
    """The whole `text` as a date/time in `tz`, None when it is not one; DateError if impossible."""
    if not text:
        return None
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    norm = _TRAIL.sub("", normalize(text).strip())
    if (lead := _LEAD.match(ascii_lower(norm))) and lead.end() < len(norm):
        norm = norm[lead.end() :]
    low = ascii_lower(norm)
    if not low:
        return None
    if delta := _relative(low):
        return (now.astimezone(UTC) + delta).astimezone(tz).replace(second=0, microsecond=0)
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
        if clock is None:
            return _at(day, day_start.hour, day_start.minute, tz)
        h, mi, plus = clock
        if day is not None:
            return _at(day + timedelta(days=plus), h, mi, tz)
        when = _at(today + timedelta(days=plus), h, mi, tz)
        return when if when > now else _at(today + timedelta(days=plus + 1), h, mi, tz)
    if error:
        raise error
    return None
