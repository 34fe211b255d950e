"""Periods as people write them, for /progress and /target: `week`, `next month`, `本季度`,
`下个月`, `Q1`, `2027 Q1`, `2027年第一季度`, `2026-12`, `2026年12月`, `2026-W49`, `2027-Q1`.

A quarter named without its year (`Q1`, `第一季度`) is the nearest one not yet over: asked in
December, Q1 is next year's, and the reply names it with its year (`2027-Q1`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.lexer import Token
from bot.periods import bounds, nearest_quarter, parse_key

PERIODS = {
    "week": "week",
    "本周": "week",
    "这周": "week",
    "本星期": "week",
    "这个星期": "week",
    "周": "week",
    "month": "month",
    "本月": "month",
    "这个月": "month",
    "月": "month",
    "quarter": "quarter",
    "本季度": "quarter",
    "本季": "quarter",
    "这个季度": "quarter",
    "季度": "quarter",
    "上周": "last_week",
    "上星期": "last_week",
    "上个星期": "last_week",
    "上个礼拜": "last_week",
    "上月": "last_month",
    "上个月": "last_month",
    "上季度": "last_quarter",
    "上个季度": "last_quarter",
    "下周": "next_week",
    "下星期": "next_week",
    "下个星期": "next_week",
    "下个礼拜": "next_week",
    "下月": "next_month",
    "下个月": "next_month",
    "下季度": "next_quarter",
    "下个季度": "next_quarter",
}
# two-word periods: `last week`, `this month`, `previous month`, `next quarter`
PERIOD_PREFIXES = {"last": "last_", "previous": "last_", "this": "", "next": "next_"}
_UNITS = ("week", "month", "quarter")
_CN_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# `Q1`, `第一季度`, `一季度`, `2027年第一季度`, `2027年Q1`
_QUARTER = re.compile(r"(?:(\d{4})年?)?(?:q([1-4])|第?([一二三四1-4])季度?)")


def read_period(tokens: Sequence[Token], now: datetime, tz: ZoneInfo) -> tuple[str, int] | None:
    """The period the tokens start with, as a word of bot/periods.RELATIVE or a key, and how
    many tokens it took (one or two); None when they do not start with one."""
    if not tokens:
        return None
    first = tokens[0].folded
    second = tokens[1].folded if len(tokens) > 1 else ""
    if first in PERIOD_PREFIXES and second in _UNITS:
        return PERIOD_PREFIXES[first] + second, 2
    if re.fullmatch(r"\d{4}", first) and re.fullmatch(r"q[1-4]", second):
        return f"{first}-Q{second[1]}", 2  # `2027 Q1`
    kind = _one(first, now, tz)
    return (kind, 1) if kind else None


def _one(text: str, now: datetime, tz: ZoneInfo) -> str | None:
    if text in PERIODS:
        return PERIODS[text]
    if (key := parse_key(text)) is not None:
        return key
    m = _QUARTER.fullmatch(text)
    if m is None or (m.group(3) and not text.endswith("季度") and not text.endswith("季")):
        return None  # a bare `一` or `2027年1` is not a quarter
    quarter = int(m.group(2)) if m.group(2) else _CN_QUARTERS[m.group(3)]
    return f"{m.group(1)}-Q{quarter}" if m.group(1) else nearest_quarter(now, tz, quarter)


def period_key(text: str, now: datetime, tz: ZoneInfo) -> str | None:
    """One word's period, as its key (`next month` in December → `2027-01`)."""
    kind = _one(text.casefold(), now, tz)
    return None if kind is None else bounds(now, tz, kind)[2]
