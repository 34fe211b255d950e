"""Dates and times in English and Chinese: parse_when, split_trailing_when, extract_deadline."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.parse.dates import DateError, Days, parse_when, read_when
from bot.parse.normalize import ascii_lower, cn_int, normalize
from bot.parse.spans import (
    date_hint,
    extract_deadline,
    find_deadline,
    find_leading,
    find_trailing,
    split_trailing_when,
)

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
# Wednesday 2026-12-02 10:30 in Shanghai. This ISO week: Mon 11-30 .. Sun 12-06.
NOW = datetime(2026, 12, 2, 10, 30, tzinfo=SH)

BASIC = [
    # English dates
    ("today", datetime(2026, 12, 2, 9, 0, tzinfo=SH)),
    ("Today", datetime(2026, 12, 2, 9, 0, tzinfo=SH)),
    ("TOMORROW", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("tomorrow", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("tmr", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("day after tomorrow", datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    ("the day after tomorrow", datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    ("mon", datetime(2026, 12, 7, 9, 0, tzinfo=SH)),
    ("Monday", datetime(2026, 12, 7, 9, 0, tzinfo=SH)),
    ("tue", datetime(2026, 12, 8, 9, 0, tzinfo=SH)),
    ("tues", datetime(2026, 12, 8, 9, 0, tzinfo=SH)),
    ("Tuesday", datetime(2026, 12, 8, 9, 0, tzinfo=SH)),
    ("wed", datetime(2026, 12, 2, 9, 0, tzinfo=SH)),
    ("wednesday", datetime(2026, 12, 2, 9, 0, tzinfo=SH)),
    ("thu", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("thur", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("thurs", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("thursday", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("Fri", datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    ("friday", datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    ("sat", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("saturday", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("sun", datetime(2026, 12, 6, 9, 0, tzinfo=SH)),
    ("sunday", datetime(2026, 12, 6, 9, 0, tzinfo=SH)),
    ("next monday", datetime(2026, 12, 7, 9, 0, tzinfo=SH)),
    ("Next Mon", datetime(2026, 12, 7, 9, 0, tzinfo=SH)),
    ("next wed", datetime(2026, 12, 9, 9, 0, tzinfo=SH)),
    ("next friday", datetime(2026, 12, 11, 9, 0, tzinfo=SH)),
    ("next sunday", datetime(2026, 12, 13, 9, 0, tzinfo=SH)),
    ("this monday", datetime(2026, 11, 30, 9, 0, tzinfo=SH)),
    ("this fri", datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    ("this sunday", datetime(2026, 12, 6, 9, 0, tzinfo=SH)),
    ("next week", datetime(2026, 12, 7, 9, 0, tzinfo=SH)),
    ("in 1 day", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("in 3 days", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("in 30 days", datetime(2027, 1, 1, 9, 0, tzinfo=SH)),
    ("in 1 week", datetime(2026, 12, 9, 9, 0, tzinfo=SH)),
    ("in 2 weeks", datetime(2026, 12, 16, 9, 0, tzinfo=SH)),
    ("in a week", datetime(2026, 12, 9, 9, 0, tzinfo=SH)),
    ("2026-12-05", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("2026/12/05", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("2026-1-5", datetime(2026, 1, 5, 9, 0, tzinfo=SH)),
    ("2027-03-01", datetime(2027, 3, 1, 9, 0, tzinfo=SH)),
    ("2028-02-29", datetime(2028, 2, 29, 9, 0, tzinfo=SH)),
    ("12-05", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("12/5", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("1/5", datetime(2027, 1, 5, 9, 0, tzinfo=SH)),
    ("12-02", datetime(2026, 12, 2, 9, 0, tzinfo=SH)),
    ("12-01", datetime(2027, 12, 1, 9, 0, tzinfo=SH)),
    ("3/15", datetime(2027, 3, 15, 9, 0, tzinfo=SH)),
    # Chinese dates
    ("今天", datetime(2026, 12, 2, 9, 0, tzinfo=SH)),
    ("今日", datetime(2026, 12, 2, 9, 0, tzinfo=SH)),
    ("明天", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("明日", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("后天", datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    ("大后天", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("周一", datetime(2026, 12, 7, 9, 0, tzinfo=SH)),
    ("周三", datetime(2026, 12, 2, 9, 0, tzinfo=SH)),
    ("周五", datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    ("周日", datetime(2026, 12, 6, 9, 0, tzinfo=SH)),
    ("周天", datetime(2026, 12, 6, 9, 0, tzinfo=SH)),
    ("星期二", datetime(2026, 12, 8, 9, 0, tzinfo=SH)),
    ("星期六", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("礼拜四", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("礼拜天", datetime(2026, 12, 6, 9, 0, tzinfo=SH)),
    ("周1", datetime(2026, 12, 7, 9, 0, tzinfo=SH)),
    ("周7", datetime(2026, 12, 6, 9, 0, tzinfo=SH)),
    ("星期5", datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    ("下周一", datetime(2026, 12, 7, 9, 0, tzinfo=SH)),
    ("下周三", datetime(2026, 12, 9, 9, 0, tzinfo=SH)),
    ("下周日", datetime(2026, 12, 13, 9, 0, tzinfo=SH)),
    ("下星期五", datetime(2026, 12, 11, 9, 0, tzinfo=SH)),
    ("下礼拜二", datetime(2026, 12, 8, 9, 0, tzinfo=SH)),
    ("下个星期四", datetime(2026, 12, 10, 9, 0, tzinfo=SH)),
    ("本周一", datetime(2026, 11, 30, 9, 0, tzinfo=SH)),
    ("本周五", datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    ("这周二", datetime(2026, 12, 1, 9, 0, tzinfo=SH)),
    ("这周日", datetime(2026, 12, 6, 9, 0, tzinfo=SH)),
    ("这个星期三", datetime(2026, 12, 2, 9, 0, tzinfo=SH)),
    ("下周", datetime(2026, 12, 7, 9, 0, tzinfo=SH)),
    ("3天后", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("三天后", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("10天后", datetime(2026, 12, 12, 9, 0, tzinfo=SH)),
    ("十天后", datetime(2026, 12, 12, 9, 0, tzinfo=SH)),
    ("三十天后", datetime(2027, 1, 1, 9, 0, tzinfo=SH)),
    ("1周后", datetime(2026, 12, 9, 9, 0, tzinfo=SH)),
    ("两周后", datetime(2026, 12, 16, 9, 0, tzinfo=SH)),
    ("2个星期后", datetime(2026, 12, 16, 9, 0, tzinfo=SH)),
    ("一个星期后", datetime(2026, 12, 9, 9, 0, tzinfo=SH)),
    ("3星期后", datetime(2026, 12, 23, 9, 0, tzinfo=SH)),
    ("12月5日", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("12月5号", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("十二月五日", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("1月5日", datetime(2027, 1, 5, 9, 0, tzinfo=SH)),
    ("12月1日", datetime(2027, 12, 1, 9, 0, tzinfo=SH)),
    ("2026年12月5日", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("2027年1月3号", datetime(2027, 1, 3, 9, 0, tzinfo=SH)),
    # relative times: exactly now + delta
    ("in 2 hours", datetime(2026, 12, 2, 12, 30, tzinfo=SH)),
    ("in 1 hour", datetime(2026, 12, 2, 11, 30, tzinfo=SH)),
    ("in an hour", datetime(2026, 12, 2, 11, 30, tzinfo=SH)),
    ("in 3 hrs", datetime(2026, 12, 2, 13, 30, tzinfo=SH)),
    ("in 45 minutes", datetime(2026, 12, 2, 11, 15, tzinfo=SH)),
    ("in 90 mins", datetime(2026, 12, 2, 12, 0, tzinfo=SH)),
    ("in 1 min", datetime(2026, 12, 2, 10, 31, tzinfo=SH)),
    ("2小时后", datetime(2026, 12, 2, 12, 30, tzinfo=SH)),
    ("两个小时后", datetime(2026, 12, 2, 12, 30, tzinfo=SH)),
    ("14小时后", datetime(2026, 12, 3, 0, 30, tzinfo=SH)),
    ("30分钟后", datetime(2026, 12, 2, 11, 0, tzinfo=SH)),
    ("十分钟后", datetime(2026, 12, 2, 10, 40, tzinfo=SH)),
    ("半小时后", datetime(2026, 12, 2, 11, 0, tzinfo=SH)),
    # English times: today if still ahead, else tomorrow
    ("15:00", datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("9:30", datetime(2026, 12, 3, 9, 30, tzinfo=SH)),
    ("10:30", datetime(2026, 12, 3, 10, 30, tzinfo=SH)),
    ("10:31", datetime(2026, 12, 2, 10, 31, tzinfo=SH)),
    ("0:15", datetime(2026, 12, 3, 0, 15, tzinfo=SH)),
    ("23:59", datetime(2026, 12, 2, 23, 59, tzinfo=SH)),
    ("3pm", datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("3 pm", datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("3PM", datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("3:30pm", datetime(2026, 12, 2, 15, 30, tzinfo=SH)),
    ("3:30 PM", datetime(2026, 12, 2, 15, 30, tzinfo=SH)),
    ("3 p.m.", datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("11am", datetime(2026, 12, 2, 11, 0, tzinfo=SH)),
    ("9am", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("12am", datetime(2026, 12, 3, 0, 0, tzinfo=SH)),
    ("12pm", datetime(2026, 12, 2, 12, 0, tzinfo=SH)),
    ("noon", datetime(2026, 12, 2, 12, 0, tzinfo=SH)),
    # Chinese times
    ("下午3点", datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("下午三点", datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("下午3点半", datetime(2026, 12, 2, 15, 30, tzinfo=SH)),
    ("下午3点15分", datetime(2026, 12, 2, 15, 15, tzinfo=SH)),
    ("下午3点15", datetime(2026, 12, 2, 15, 15, tzinfo=SH)),
    ("下午3:30", datetime(2026, 12, 2, 15, 30, tzinfo=SH)),
    ("下午3时", datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("下午15点", datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("上午10点", datetime(2026, 12, 3, 10, 0, tzinfo=SH)),
    ("上午11点", datetime(2026, 12, 2, 11, 0, tzinfo=SH)),
    ("早上8点", datetime(2026, 12, 3, 8, 0, tzinfo=SH)),
    ("早8点", datetime(2026, 12, 3, 8, 0, tzinfo=SH)),
    ("中午", datetime(2026, 12, 2, 12, 0, tzinfo=SH)),
    ("中午12点", datetime(2026, 12, 2, 12, 0, tzinfo=SH)),
    ("中午1点", datetime(2026, 12, 2, 13, 0, tzinfo=SH)),
    ("晚上8点", datetime(2026, 12, 2, 20, 0, tzinfo=SH)),
    ("晚上九点半", datetime(2026, 12, 2, 21, 30, tzinfo=SH)),
    ("傍晚6点", datetime(2026, 12, 2, 18, 0, tzinfo=SH)),
    ("晚上12点", datetime(2026, 12, 3, 0, 0, tzinfo=SH)),
    ("凌晨2点", datetime(2026, 12, 3, 2, 0, tzinfo=SH)),
    ("3点", datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("三点", datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("6点", datetime(2026, 12, 2, 18, 0, tzinfo=SH)),
    ("7点", datetime(2026, 12, 3, 7, 0, tzinfo=SH)),
    ("11点", datetime(2026, 12, 2, 11, 0, tzinfo=SH)),
    ("十一点", datetime(2026, 12, 2, 11, 0, tzinfo=SH)),
    ("十点半", datetime(2026, 12, 3, 10, 30, tzinfo=SH)),
    # a date and a time, either order
    ("tomorrow 3pm", datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    ("tomorrow at 3pm", datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    ("3pm tomorrow", datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    ("Tomorrow at 15:00", datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    ("fri 9:30", datetime(2026, 12, 4, 9, 30, tzinfo=SH)),
    ("next monday 10am", datetime(2026, 12, 7, 10, 0, tzinfo=SH)),
    ("2026-12-05 15:00", datetime(2026, 12, 5, 15, 0, tzinfo=SH)),
    ("12-05 15:00", datetime(2026, 12, 5, 15, 0, tzinfo=SH)),
    ("12/5 3pm", datetime(2026, 12, 5, 15, 0, tzinfo=SH)),
    ("today 9am", datetime(2026, 12, 2, 9, 0, tzinfo=SH)),
    ("in 3 days at noon", datetime(2026, 12, 5, 12, 0, tzinfo=SH)),
    ("明天下午3点", datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    ("明天 下午3点", datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    ("明天3点", datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    ("12月5日下午3点", datetime(2026, 12, 5, 15, 0, tzinfo=SH)),
    ("下周一上午10点", datetime(2026, 12, 7, 10, 0, tzinfo=SH)),
    ("周五 14:00", datetime(2026, 12, 4, 14, 0, tzinfo=SH)),
    ("后天晚上8点", datetime(2026, 12, 4, 20, 0, tzinfo=SH)),
    ("明天晚上12点", datetime(2026, 12, 4, 0, 0, tzinfo=SH)),
    ("今天上午9点", datetime(2026, 12, 2, 9, 0, tzinfo=SH)),
    # leading at/on, trailing full stop, full-width characters
    ("at 3pm", datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("on fri", datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    ("Tomorrow.", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("\u3000明天\u3000", datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("１２月５日", datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("明天１５：００", datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
]


@pytest.mark.parametrize(("text", "expected"), BASIC)
def test_parse_when(text, expected):
    got = parse_when(text, now=NOW, tz=SH)
    assert got == expected
    assert got.tzinfo == SH


# Each `now` below is written out once and named for what it tests.
JAN31 = datetime(2026, 1, 31, 10, 0, tzinfo=SH)
FEB28 = datetime(2026, 2, 28, 10, 0, tzinfo=SH)
FEB28_LEAP = datetime(2028, 2, 28, 10, 0, tzinfo=SH)
JUN1 = datetime(2027, 6, 1, 10, 0, tzinfo=SH)
DEC31 = datetime(2026, 12, 31, 10, 0, tzinfo=SH)
DEC28 = datetime(2026, 12, 28, 10, 0, tzinfo=SH)
SUN = datetime(2026, 11, 29, 10, 0, tzinfo=SH)
MON = datetime(2026, 11, 30, 10, 0, tzinfo=SH)
FRI_4PM = datetime(2026, 12, 4, 16, 0, tzinfo=SH)
WED_4PM = datetime(2026, 12, 2, 16, 0, tzinfo=SH)
DEC31_11PM = datetime(2026, 12, 31, 23, 0, tzinfo=SH)
WED_1130PM = datetime(2026, 12, 2, 23, 30, tzinfo=SH)
NOW_WITH_SECONDS = datetime(2026, 12, 2, 10, 30, 59, 999, tzinfo=SH)
SH_NEXT_DAY = datetime(2026, 12, 2, 17, 0, tzinfo=UTC)
NY_FALL_BACK = datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
NY_SPRING_FORWARD = datetime(2026, 3, 7, 17, 0, tzinfo=UTC)

EDGES = [
    # month and year ends, leap days
    (JAN31, "in 1 day", datetime(2026, 2, 1, 9, 0, tzinfo=SH)),
    (JAN31, "tomorrow", datetime(2026, 2, 1, 9, 0, tzinfo=SH)),
    (FEB28, "tomorrow", datetime(2026, 3, 1, 9, 0, tzinfo=SH)),
    (FEB28_LEAP, "tomorrow", datetime(2028, 2, 29, 9, 0, tzinfo=SH)),
    (FEB28_LEAP, "02-29", datetime(2028, 2, 29, 9, 0, tzinfo=SH)),
    (JUN1, "2月29日", datetime(2028, 2, 29, 9, 0, tzinfo=SH)),
    (DEC31, "tomorrow", datetime(2027, 1, 1, 9, 0, tzinfo=SH)),
    (DEC31, "明天", datetime(2027, 1, 1, 9, 0, tzinfo=SH)),
    (DEC31, "01-05", datetime(2027, 1, 5, 9, 0, tzinfo=SH)),
    (DEC28, "01-05", datetime(2027, 1, 5, 9, 0, tzinfo=SH)),
    (DEC31, "12-31", datetime(2026, 12, 31, 9, 0, tzinfo=SH)),
    (DEC31, "下周一", datetime(2027, 1, 4, 9, 0, tzinfo=SH)),
    (DEC31, "next week", datetime(2027, 1, 4, 9, 0, tzinfo=SH)),
    (DEC31, "in 1 week", datetime(2027, 1, 7, 9, 0, tzinfo=SH)),
    (DEC31, "1月1日", datetime(2027, 1, 1, 9, 0, tzinfo=SH)),
    # next/this weekday on a Sunday (2026-11-29) and a Monday (2026-11-30)
    (SUN, "next monday", datetime(2026, 11, 30, 9, 0, tzinfo=SH)),
    (MON, "next monday", datetime(2026, 12, 7, 9, 0, tzinfo=SH)),
    (SUN, "下周一", datetime(2026, 11, 30, 9, 0, tzinfo=SH)),
    (MON, "下周一", datetime(2026, 12, 7, 9, 0, tzinfo=SH)),
    (SUN, "this monday", datetime(2026, 11, 23, 9, 0, tzinfo=SH)),
    (SUN, "next week", datetime(2026, 11, 30, 9, 0, tzinfo=SH)),
    # a weekday said on that weekday is today, even after day_start
    (SUN, "sun", datetime(2026, 11, 29, 9, 0, tzinfo=SH)),
    (SUN, "周日", datetime(2026, 11, 29, 9, 0, tzinfo=SH)),
    (MON, "monday", datetime(2026, 11, 30, 9, 0, tzinfo=SH)),
    (FRI_4PM, "周五", datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    (FRI_4PM, "fri", datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    # a time already past today means tomorrow
    (WED_4PM, "3pm", datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    (WED_4PM, "下午3点", datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    (WED_4PM, "15:00", datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    (DEC31_11PM, "9am", datetime(2027, 1, 1, 9, 0, tzinfo=SH)),
    (WED_1130PM, "in 1 hour", datetime(2026, 12, 3, 0, 30, tzinfo=SH)),
    (WED_1130PM, "晚上12点", datetime(2026, 12, 3, 0, 0, tzinfo=SH)),
    # seconds and microseconds of now are dropped from relative times
    (NOW_WITH_SECONDS, "in 5 minutes", datetime(2026, 12, 2, 10, 35, tzinfo=SH)),
]


@pytest.mark.parametrize(("now", "text", "expected"), EDGES)
def test_parse_when_edges(now, text, expected):
    assert parse_when(text, now=now, tz=SH) == expected


ZONES = [
    # 17:00 UTC on 12-02 is already 01:00 on 12-03 in Shanghai
    (SH_NEXT_DAY, SH, "today", datetime(2026, 12, 3, 1, 0, tzinfo=UTC)),
    (SH_NEXT_DAY, SH, "tomorrow", datetime(2026, 12, 4, 1, 0, tzinfo=UTC)),
    (SH_NEXT_DAY, SH, "明天", datetime(2026, 12, 4, 1, 0, tzinfo=UTC)),
    (SH_NEXT_DAY, SH, "3pm", datetime(2026, 12, 3, 7, 0, tzinfo=UTC)),
    (SH_NEXT_DAY, SH, "周四", datetime(2026, 12, 3, 1, 0, tzinfo=UTC)),
    (SH_NEXT_DAY, SH, "in 2 hours", datetime(2026, 12, 2, 19, 0, tzinfo=UTC)),
    # New York falls back on Sunday 2026-11-01 (EDT -4 → EST -5); now is Sat 12:00 EDT
    (NY_FALL_BACK, NY, "tomorrow", datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),
    (NY_FALL_BACK, NY, "sun", datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),
    (NY_FALL_BACK, NY, "in 1 day", datetime(2026, 11, 1, 14, 0, tzinfo=UTC)),
    (NY_FALL_BACK, NY, "tomorrow 3pm", datetime(2026, 11, 1, 20, 0, tzinfo=UTC)),
    (NY_FALL_BACK, NY, "in 24 hours", datetime(2026, 11, 1, 16, 0, tzinfo=UTC)),
    (NY_FALL_BACK, NY, "1pm", datetime(2026, 10, 31, 17, 0, tzinfo=UTC)),
    # a wall time in the spring-forward gap (02:00-03:00) moves an hour later
    (NY_SPRING_FORWARD, NY, "tomorrow 2:30am", datetime(2026, 3, 8, 7, 30, tzinfo=UTC)),
    (NY_SPRING_FORWARD, NY, "tomorrow", datetime(2026, 3, 8, 13, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize(("now", "tz", "text", "expected_utc"), ZONES)
def test_parse_when_time_zones(now, tz, text, expected_utc):
    got = parse_when(text, now=now, tz=tz)
    assert got.astimezone(UTC) == expected_utc
    assert got.tzinfo == tz


def test_local_offset_after_fall_back():
    got = parse_when("tomorrow", now=NY_FALL_BACK, tz=NY)
    assert got.utcoffset() == timedelta(hours=-5)


def test_day_start():
    got = parse_when("tomorrow", now=NOW, tz=SH, day_start=time(8, 30))
    assert got == datetime(2026, 12, 3, 8, 30, tzinfo=SH)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        parse_when("tomorrow", now=datetime(2026, 12, 2, 10, 30), tz=SH)


NOT_DATES = [
    "",
    "   ",
    None,
    "pilot",
    "Acme",
    "3",
    "40-seat",
    "120k",
    "call back",
    "1234",
    "next",
    "in days",
    "周",
    "下午好",
    "下午",
    "tomorrow3pm",
    "monkey",
    "一点",
    "快一点",
    "早一点",
    "40-50",
    "13-01",
    "10:750",
    "tomorrow tomorrow",
    "明天后天",
    "3pm 4pm",
    "next month",
    "2026-12",
    "12-05-2026",
    "v2",
    "3 days",
    "周八",
    "改天",
    "过几天",
    "13.5",
    "1.50",
    "0.5",
    "in a couple of weeks",
    "两年前",
    "send quote by tue",
]


@pytest.mark.parametrize("text", NOT_DATES)
def test_not_a_date(text):
    assert parse_when(text, now=NOW, tz=SH) is None


IMPOSSIBLE = [
    ("02-30", "no_such_date", "02-30"),
    ("2/30", "no_such_date", "2/30"),
    ("2月30日", "no_such_date", "2月30日"),
    ("2026年2月30日", "no_such_date", "2026年2月30日"),
    ("2026-13-01", "no_such_date", "2026-13-01"),
    ("2026-02-29", "no_such_date", "2026-02-29"),
    ("2027-02-29", "no_such_date", "2027-02-29"),
    ("04-31", "no_such_date", "04-31"),
    ("13月1日", "no_such_date", "13月1日"),
    ("12月32日", "no_such_date", "12月32日"),
    ("02-29", "no_such_date", "02-29"),
    ("02-30 3pm", "no_such_date", "02-30"),
    ("25:00", "no_such_time", "25:00"),
    ("24:00", "no_such_time", "24:00"),
    ("13pm", "no_such_time", "13pm"),
    ("13PM", "no_such_time", "13PM"),
    ("0pm", "no_such_time", "0pm"),
    ("13:30pm", "no_such_time", "13:30pm"),
    ("10:75", "no_such_time", "10:75"),
    ("下午25点", "no_such_time", "下午25点"),
    ("下午0点", "no_such_time", "下午0点"),
    ("上午15点", "no_such_time", "上午15点"),
    ("明天25:00", "no_such_time", "25:00"),
    ("tomorrow 13pm", "no_such_time", "13pm"),
]


@pytest.mark.parametrize(("text", "code", "piece"), IMPOSSIBLE)
def test_impossible(text, code, piece):
    with pytest.raises(DateError) as info:
        parse_when(text, now=NOW, tz=SH)
    assert info.value.code == code
    assert info.value.text == piece
    assert isinstance(info.value, ValueError)


SPLITS = [
    ("确认交付周期明天下午3点", 6, datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    ("call back about the pilot tomorrow 3pm", 26, datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    ("华为 确认交付周期 明天 下午3点", 10, datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
    ("release 12-05", 8, datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("meet 2026-12-05 15:00", 5, datetime(2026, 12, 5, 15, 0, tzinfo=SH)),
    ("下一步:周五", 4, datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    ("call at 3pm", 5, datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("meet on fri", 5, datetime(2026, 12, 4, 9, 0, tzinfo=SH)),
    ("review day after tomorrow at 3 pm", 7, datetime(2026, 12, 4, 15, 0, tzinfo=SH)),
    ("确认大后天", 2, datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("call Tomorrow.", 5, datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("明天", 0, datetime(2026, 12, 3, 9, 0, tzinfo=SH)),
    ("demo next monday 10am", 5, datetime(2026, 12, 7, 10, 0, tzinfo=SH)),
    ("跟进报价下周一上午10点", 4, datetime(2026, 12, 7, 10, 0, tzinfo=SH)),
    ("send contract in 3 days", 14, datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("回访 3天后", 3, datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("sync 15:00", 5, datetime(2026, 12, 2, 15, 0, tzinfo=SH)),
    ("确认合同１２月５日", 4, datetime(2026, 12, 5, 9, 0, tzinfo=SH)),
    ("ping in 2 hours", 5, datetime(2026, 12, 2, 12, 30, tzinfo=SH)),
    ("call tomorrow 3pm ", 5, datetime(2026, 12, 3, 15, 0, tzinfo=SH)),
]


@pytest.mark.parametrize(("text", "start", "expected"), SPLITS)
def test_split_trailing_when(text, start, expected):
    assert split_trailing_when(text, now=NOW, tz=SH) == (start, expected)


@pytest.mark.parametrize(
    "text",
    [
        "send quote",
        "v2",
        "release v12-05",
        "ship v1-12-05",
        "回复快一点",
        "fix bug 2",
        "room 12",
        "2小时后回电",
        "",
        "   ",
    ],
)
def test_split_trailing_when_none(text):
    assert split_trailing_when(text, now=NOW, tz=SH) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("meet 02-30", "no_such_date"),
        ("确认2月30日", "no_such_date"),
        ("call 25:00", "no_such_time"),
    ],
)
def test_split_trailing_when_impossible(text, code):
    with pytest.raises(DateError) as info:
        split_trailing_when(text, now=NOW, tz=SH)
    assert info.value.code == code


DEADLINES = [
    ("send quote by Tue", ("send quote", datetime(2026, 12, 8, 9, 0, tzinfo=SH))),
    ("send quote, by Tue.", ("send quote", datetime(2026, 12, 8, 9, 0, tzinfo=SH))),
    ("send quote BY tomorrow 3pm", ("send quote", datetime(2026, 12, 3, 15, 0, tzinfo=SH))),
    ("book the pilot before Fri 3pm", ("book the pilot", datetime(2026, 12, 4, 15, 0, tzinfo=SH))),
    ("send revised quote by Wed", ("send revised quote", datetime(2026, 12, 2, 9, 0, tzinfo=SH))),
    ("call them by 12/5", ("call them", datetime(2026, 12, 5, 9, 0, tzinfo=SH))),
    ("send the deck before next monday", ("send the deck", datetime(2026, 12, 7, 9, 0, tzinfo=SH))),
    ("send by 周五", ("send", datetime(2026, 12, 4, 9, 0, tzinfo=SH))),
    ("给报价 by 下周三", ("给报价", datetime(2026, 12, 9, 9, 0, tzinfo=SH))),
    ("周五前发方案", ("发方案", datetime(2026, 12, 4, 9, 0, tzinfo=SH))),
    ("周五之前，发方案", ("发方案", datetime(2026, 12, 4, 9, 0, tzinfo=SH))),
    ("下周一以前完成报价", ("完成报价", datetime(2026, 12, 7, 9, 0, tzinfo=SH))),
    ("明天下午3点前确认需求", ("确认需求", datetime(2026, 12, 3, 15, 0, tzinfo=SH))),
    ("发方案周五前", ("发方案", datetime(2026, 12, 4, 9, 0, tzinfo=SH))),
    ("发方案 周五之前", ("发方案", datetime(2026, 12, 4, 9, 0, tzinfo=SH))),
    ("发方案在周五前", ("发方案", datetime(2026, 12, 4, 9, 0, tzinfo=SH))),
    ("发方案 截止12月5日", ("发方案", datetime(2026, 12, 5, 9, 0, tzinfo=SH))),
    ("发方案，截止到12月5日前", ("发方案", datetime(2026, 12, 5, 9, 0, tzinfo=SH))),
    ("发方案 截至下周一", ("发方案", datetime(2026, 12, 7, 9, 0, tzinfo=SH))),
    ("周五前", ("", datetime(2026, 12, 4, 9, 0, tzinfo=SH))),
]


@pytest.mark.parametrize(("text", "expected"), DEADLINES)
def test_extract_deadline(text, expected):
    assert extract_deadline(text, now=NOW, tz=SH) == expected


@pytest.mark.parametrize(
    "text",
    [
        "send quote",
        "by the way",
        "提前发方案",
        "standby fri",
        "前期沟通",
        "pass by the office",
        "send quote by then",
        "",
    ],
)
def test_extract_deadline_none(text):
    assert extract_deadline(text, now=NOW, tz=SH) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("send quote by 02-30", "no_such_date"),
        ("2月30日前发方案", "no_such_date"),
        ("发方案 截止2月30日", "no_such_date"),
        ("call by 25:00", "no_such_time"),
    ],
)
def test_extract_deadline_impossible(text, code):
    with pytest.raises(DateError) as info:
        extract_deadline(text, now=NOW, tz=SH)
    assert info.value.code == code


NORMALIZED = [
    ("：", ":"),
    ("，", ","),
    ("１", "1"),
    ("＃", "#"),
    ("＠", "@"),
    ("\u3000", " "),
    ("“", '"'),
    ("”", '"'),
    ("‘", "'"),
    ("’", "'"),
    ("、", ","),
    ("ＡＢＣ", "ABC"),
    ("ｚ", "z"),
    ("～", "~"),
    ("￥", "¥"),
    ("！", "!"),
    ("华为", "华为"),
    ("下一步：周五前", "下一步:周五前"),
    ("“Acme Corp”，明天", '"Acme Corp",明天'),
]


@pytest.mark.parametrize(("text", "expected"), NORMALIZED)
def test_normalize(text, expected):
    assert normalize(text) == expected


def test_normalize_keeps_every_length():
    every = "".join(chr(cp) for cp in range(0x30000) if not 0xD800 <= cp <= 0xDFFF)
    assert len(normalize(every)) == len(every)
    assert len(ascii_lower(every)) == len(every)
    for cp in range(0x30000):
        assert len(normalize(chr(cp))) == 1, hex(cp)
    assert ascii_lower("İSTANBUL Tomorrow") == "İstanbul tomorrow"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("0", 0),
        ("7", 7),
        ("12", 12),
        ("一", 1),
        ("两", 2),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十五", 25),
        ("九十九", 99),
    ],
)
def test_cn_int(text, value):
    assert cn_int(text) == value


# Issue 18: the deadlines people write, read for several todays across a year end. Each row:
# (now, text, expected); a date is a whole day, a datetime a moment (day_start is 09:00).
SUN = datetime(2026, 12, 27, 10, 0, tzinfo=SH)  # a Sunday
XMAS = datetime(2026, 12, 25, 10, 0, tzinfo=SH)  # a Friday (Christmas)
MON = datetime(2026, 12, 28, 10, 0, tzinfo=SH)  # a Monday
EVE = datetime(2026, 12, 31, 10, 0, tzinfo=SH)  # a Thursday, the year's last day


def D(y: int, m: int, d: int) -> date:  # a whole day
    return date(y, m, d)


def T(y: int, m: int, d: int, h: int, mi: int = 0) -> datetime:  # a moment
    return datetime(y, m, d, h, mi, tzinfo=SH)


PHRASES = [
    # this / next week and weekend: 这周内, this week = that week's Friday (EOW; on a weekend
    # the next one); 周末 = its Saturday (a weekend day: today); 周末前 = the Friday before it
    *[
        (now, t, day)
        for t in ("这周内", "本周内", "本周", "this week", "周内")
        for now, day in (
            (SUN, D(2027, 1, 1)),
            (XMAS, D(2026, 12, 25)),
            (MON, D(2027, 1, 1)),
            (EVE, D(2027, 1, 1)),
        )
    ],
    *[
        (now, t, day)
        for t in ("周末前", "before the weekend", "by the weekend")
        for now, day in (
            (SUN, D(2027, 1, 1)),
            (XMAS, D(2026, 12, 25)),
            (MON, D(2027, 1, 1)),
            (EVE, D(2027, 1, 1)),
        )
    ],
    *[
        (now, t, day)
        for t in ("下周内", "within next week")
        for now, day in (
            (SUN, D(2027, 1, 1)),
            (XMAS, D(2027, 1, 1)),
            (MON, D(2027, 1, 8)),
            (EVE, D(2027, 1, 8)),
        )
    ],
    *[
        (now, t, day)
        for t in ("下周末", "next weekend")
        for now, day in (
            (SUN, D(2027, 1, 2)),
            (XMAS, D(2027, 1, 2)),
            (MON, D(2027, 1, 9)),
            (EVE, D(2027, 1, 9)),
        )
    ],
    *[
        (now, t, day)
        for t in ("周末", "这周末", "this weekend")
        for now, day in (
            (SUN, D(2026, 12, 27)),
            (XMAS, D(2026, 12, 26)),
            (MON, D(2027, 1, 2)),
            (EVE, D(2027, 1, 2)),
        )
    ],
    (EVE, "下周末前", D(2027, 1, 8)),
    (EVE, "next wk", D(2027, 1, 4)),
    (SUN, "next wk", D(2026, 12, 28)),
    # spans: within / in N hours, days, weeks, months; Chinese numerals or digits
    (EVE, "24小时内", T(2027, 1, 1, 10)),
    (EVE, "within 48 hours", T(2027, 1, 2, 10)),
    (EVE, "48小时之内", T(2027, 1, 2, 10)),
    (EVE, "两个小时内", T(2026, 12, 31, 12)),
    (EVE, "in two hours", T(2026, 12, 31, 12)),
    (EVE, "within 2h", T(2026, 12, 31, 12)),
    (EVE, "in two weeks", D(2027, 1, 14)),
    (XMAS, "in two weeks", D(2027, 1, 8)),
    (EVE, "within three days", D(2027, 1, 3)),
    (EVE, "一个礼拜内", D(2027, 1, 7)),
    (EVE, "两周内", D(2027, 1, 14)),
    (EVE, "10天内", D(2027, 1, 10)),
    (EVE, "半个月内", D(2027, 1, 15)),
    (SUN, "半个月内", D(2027, 1, 11)),
    (EVE, "半月内", D(2027, 1, 15)),
    (EVE, "两个月内", D(2027, 2, 28)),
    (EVE, "in 2 months", D(2027, 2, 28)),
    (MON, "一个月后", D(2027, 1, 28)),
    (EVE, "过两天", D(2027, 1, 2)),
    (SUN, "过两天", D(2026, 12, 29)),
    (EVE, "过一周", D(2027, 1, 7)),
    # colloquial day words
    (EVE, "明儿下午", T(2027, 1, 1, 14)),
    (XMAS, "明儿下午", T(2026, 12, 26, 14)),
    (EVE, "今儿", D(2026, 12, 31)),
    (EVE, "后儿", D(2027, 1, 2)),
    (EVE, "明儿个", D(2027, 1, 1)),
    (EVE, "大后天", D(2027, 1, 3)),
    (EVE, "礼拜五", D(2027, 1, 1)),
    (EVE, "星期五下午", T(2027, 1, 1, 14)),
    (SUN, "周五下午", T(2027, 1, 1, 14)),
    # first thing / 一早: the working day's start
    (EVE, "明天一早", T(2027, 1, 1, 9)),
    (EVE, "明天一大早", T(2027, 1, 1, 9)),
    (XMAS, "first thing Monday", T(2026, 12, 28, 9)),
    (EVE, "first thing Monday", T(2027, 1, 4, 9)),
    (EVE, "Monday first thing", T(2027, 1, 4, 9)),
    (EVE, "first thing tomorrow", T(2027, 1, 1, 9)),
    # dotted and slashed month.day (a bare one is read where a date is expected: see below)
    (EVE, "1.8号", D(2027, 1, 8)),
    (EVE, "1.8日", D(2027, 1, 8)),
    (EVE, "12.31", D(2026, 12, 31)),
    (MON, "12.31", D(2026, 12, 31)),
    (EVE, "1/8", D(2027, 1, 8)),
    (EVE, "12/31", D(2026, 12, 31)),
    # English month parts
    (EVE, "mid-Jan", D(2027, 1, 15)),
    (EVE, "mid January", D(2027, 1, 15)),
    (EVE, "late Jan", D(2027, 1, 31)),
    (EVE, "end of Feb", D(2027, 2, 28)),
    (EVE, "early March", D(2027, 3, 1)),
    (EVE, "mid-Dec", D(2027, 12, 15)),
    (EVE, "mid-month", D(2027, 1, 15)),
]


@pytest.mark.parametrize(("now", "text", "expected"), PHRASES)
def test_deadline_phrases(now, text, expected):
    when = read_when(text, now=now, tz=SH)
    assert when is not None, text
    if isinstance(expected, datetime):
        assert (when.at, when.all_day) == (expected, False)
    else:
        assert (when.at.date(), when.all_day) == (expected, True)


CN = Days("CN")
US = Days("US")
# Holiday names: Chinese ones are China's (holidays' statutory days; the block of days off
# around them counts weekends, or the team's calendar when given); English ones the team's.
HOLIDAYS = [
    (EVE, CN, "元旦", D(2027, 1, 1)),
    (EVE, CN, "元旦前", D(2026, 12, 31)),
    (EVE, CN, "元旦后", D(2027, 1, 4)),
    (EVE, CN, "元旦节后第一天", D(2027, 1, 4)),
    (EVE, CN, "节后", D(2027, 1, 4)),
    (XMAS, CN, "节后", D(2027, 1, 4)),
    (EVE, CN, "节前", D(2026, 12, 31)),
    (EVE, CN, "春节", D(2027, 2, 6)),
    (EVE, CN, "春节前", D(2027, 2, 4)),
    (EVE, CN, "年前", D(2027, 2, 4)),
    (EVE, CN, "年后", D(2027, 2, 11)),
    (EVE, CN, "春节后", D(2027, 2, 11)),
    (EVE, CN, "清明", D(2027, 4, 5)),
    (EVE, CN, "五一前", D(2027, 4, 30)),
    (EVE, CN, "劳动节后", D(2027, 5, 5)),
    (EVE, CN, "端午节", D(2027, 6, 9)),
    (EVE, CN, "中秋前", D(2027, 9, 14)),
    (EVE, CN, "国庆前", D(2027, 9, 30)),
    (EVE, CN, "国庆后第一天", D(2027, 10, 6)),
    (EVE, CN, "国庆假期后", D(2027, 10, 6)),
    (EVE, US, "元旦后", D(2027, 1, 4)),  # Chinese words are China's, whatever the team
    (XMAS, US, "Christmas", D(2026, 12, 25)),
    (XMAS, US, "after Christmas", D(2026, 12, 28)),
    (SUN, US, "after Christmas", D(2026, 12, 28)),
    (MON, US, "after Christmas", D(2027, 12, 27)),
    (XMAS, US, "before Christmas", D(2027, 12, 23)),  # 2027's is observed on Fri Dec 24
    (EVE, US, "New Year's Day", D(2027, 1, 1)),
    (EVE, US, "after the holidays", D(2027, 1, 4)),
    (SUN, US, "after the holidays", D(2026, 12, 28)),
    (EVE, US, "Thanksgiving", D(2027, 11, 25)),
    (EVE, US, "Memorial Day", D(2027, 5, 31)),
    (EVE, US, "Labor Day", D(2027, 9, 6)),
    (EVE, US, "Independence Day", D(2027, 7, 4)),
    (EVE, CN, "Christmas", D(2027, 12, 25)),  # not China's: the day as the US keeps it
]


@pytest.mark.parametrize(("now", "days", "text", "expected"), HOLIDAYS)
def test_holiday_names(now, days, text, expected):
    when = read_when(text, now=now, tz=SH, days=days)
    assert when is not None, text
    assert (when.at.date(), when.all_day) == (expected, True)


@pytest.mark.parametrize(
    ("now", "text", "expected"),
    [
        (EVE, "3个工作日内", D(2027, 1, 6)),  # 元旦 and the weekend are not counted
        (EVE, "三个工作日后", D(2027, 1, 6)),
        (EVE, "within 3 business days", D(2027, 1, 6)),
        (XMAS, "3个工作日内", D(2026, 12, 30)),
        (XMAS, "in 5 working days", D(2027, 1, 4)),
        (SUN, "1个工作日内", D(2026, 12, 28)),
    ],
)
def test_working_days(now, text, expected):
    when = read_when(text, now=now, tz=SH, days=CN)
    assert when is not None and (when.at.date(), when.all_day) == (expected, True)


def test_working_days_count_the_teams_calendar():
    off = {date(2027, 1, 1), date(2027, 1, 4)}  # the team also has Monday off
    days = Days("CN", working=lambda d: d.weekday() < 5 and d not in off)
    when = read_when("3个工作日内", now=EVE, tz=SH, days=days)
    assert when is not None and when.at.date() == date(2027, 1, 7)


def test_after_a_holiday_is_the_teams_next_working_day():
    # the team's calendar gives Monday January 4 off too: work resumes on the 5th
    off = {date(2027, 1, 1), date(2027, 1, 4)}
    days = Days("CN", working=lambda d: d.weekday() < 5 and d not in off)
    when = read_when("元旦后", now=EVE, tz=SH, days=days)
    assert when is not None and when.at.date() == date(2027, 1, 5)


@pytest.mark.parametrize(
    ("text", "start", "expected"),
    [
        ("发合同 12.31", 4, D(2026, 12, 31)),  # its own word: a date is expected there
        ("签合同 1.8号", 4, D(2027, 1, 8)),
        ("确认需求 明天一早", 5, T(2027, 1, 1, 9)),
        ("send quote first thing Monday", 11, T(2027, 1, 4, 9)),
        ("验收半个月内", 2, D(2027, 1, 15)),
        ("回访国庆后第一天", 2, D(2027, 10, 6)),
    ],
)
def test_trailing_phrases_leave_no_words_behind(text, start, expected):
    hit = find_trailing(text, now=EVE, tz=SH, days=CN)
    assert hit is not None and hit[0] == start
    got = hit[1].at if isinstance(expected, datetime) else hit[1].at.date()
    assert got == expected


@pytest.mark.parametrize("text", ["报价1.5", "报价 1.5万", "两年前", "三年后续签"])
def test_numbers_are_not_dates(text):
    assert find_trailing(text, now=EVE, tz=SH, days=CN) is None


@pytest.mark.parametrize("text", ["中秋礼品寄出", "国庆活动方案", "春节礼品 寄出"])
def test_a_festivals_things_are_not_its_date(text):
    assert find_leading(text, now=EVE, tz=SH, days=CN) is None
    assert find_deadline(text, now=EVE, tz=SH, days=CN) is None


def test_a_festival_on_its_own_word_is_its_date():
    hit = find_leading("国庆 回访", now=EVE, tz=SH, days=CN)
    assert hit is not None and hit[0].at.date() == D(2027, 10, 1)


@pytest.mark.parametrize(
    ("text", "step", "expected"),
    [
        ("12.31前签合同", "签合同", D(2026, 12, 31)),
        ("签合同 12.31前", "签合同", D(2026, 12, 31)),
        ("发方案，截止1.8", "发方案", D(2027, 1, 8)),
        ("周末前确认需求", "确认需求", D(2027, 1, 1)),
        ("国庆前交付", "交付", D(2027, 9, 30)),
        ("春节前回款", "回款", D(2027, 2, 4)),
        ("年前回款", "回款", D(2027, 2, 4)),
        ("send the deck before the weekend", "send the deck", D(2027, 1, 1)),
        ("send the deck before Christmas", "send the deck", D(2027, 12, 23)),
        ("send the deck by Christmas", "send the deck", D(2027, 12, 25)),
    ],
)
def test_deadlines_with_their_own_before(text, step, expected):
    hit = find_deadline(text, now=EVE, tz=SH, days=CN)
    assert hit is not None
    assert (hit[0], hit[1].at.date()) == (step, expected)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("签合同 下旬前", "下旬前"),
        ("本季度末前给答复", "本季度末前"),
        ("改天再约", "改天"),
        ("send deck after Easter", "after Easter"),
        ("call in a couple of weeks", "in a couple of weeks"),
    ],
)
def test_a_hint_quotes_the_whole_phrase(text, hint):
    assert date_hint(text) == hint
