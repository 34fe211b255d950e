"""Periods as people write them, for /progress and /target: `week`, `本月`, `last month`,
`上周`, `2026-12`, `2026-W49`."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.periods import bounds, parse_key

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
    "上周": "last_week",
    "上星期": "last_week",
    "上个星期": "last_week",
    "上个礼拜": "last_week",
    "上月": "last_month",
    "上个月": "last_month",
}
# two-word periods: `last week`, `this month`, `previous month`
PERIOD_PREFIXES = {"last": "last_", "previous": "last_", "this": ""}


def period_key(text: str, now: datetime, tz: ZoneInfo) -> str | None:
    t = text.casefold()
    if t in PERIODS:
        return bounds(now, tz, PERIODS[t])[2]
    return parse_key(t)
