"""Periods as people write them (bot/grammar/period_words.py), en and zh, on fixed clocks:
this, last and next week, month and quarter; Q1…Q4 with and without a year; keys."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.grammar.period_words import period_key, read_period
from bot.lexer import Token
from bot.periods import bounds

TZ = ZoneInfo("Asia/Shanghai")
DECEMBER = datetime(2026, 12, 15, 10, 0, tzinfo=TZ)  # a Tuesday, in 2026-W51 and 2026-Q4
FEBRUARY = datetime(2027, 2, 10, 10, 0, tzinfo=TZ)


def tokens(text: str) -> list[Token]:
    return [Token(text=w, start=0, end=0) for w in text.split()]


def key(text: str, now: datetime = DECEMBER) -> str | None:
    found = read_period(tokens(text), now, TZ)
    if found is None or found[1] != len(text.split()):
        return None
    return bounds(now, TZ, found[0])[2]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("week", "2026-W51"),
        ("this week", "2026-W51"),
        ("last week", "2026-W50"),
        ("next week", "2026-W52"),
        ("本周", "2026-W51"),
        ("上周", "2026-W50"),
        ("下周", "2026-W52"),
        ("month", "2026-12"),
        ("this month", "2026-12"),
        ("last month", "2026-11"),
        ("next month", "2027-01"),  # the year changes
        ("本月", "2026-12"),
        ("上个月", "2026-11"),
        ("下个月", "2027-01"),
        ("下月", "2027-01"),
        ("this quarter", "2026-Q4"),
        ("last quarter", "2026-Q3"),
        ("next quarter", "2027-Q1"),
        ("本季度", "2026-Q4"),
        ("上季度", "2026-Q3"),
        ("下季度", "2027-Q1"),
        ("Q4", "2026-Q4"),  # not over yet: this year's
        ("Q1", "2027-Q1"),  # over this year: the nearest one, next year's
        ("q3", "2027-Q3"),
        ("第一季度", "2027-Q1"),
        ("一季度", "2027-Q1"),
        ("2027-Q1", "2027-Q1"),
        ("2027q2", "2027-Q2"),
        ("2027 Q1", "2027-Q1"),
        ("2027年第一季度", "2027-Q1"),
        ("2027年Q1", "2027-Q1"),
        ("2027-01", "2027-01"),
        ("2027年1月", "2027-01"),
        ("2026-W50", "2026-W50"),
        ("2026-w50", "2026-W50"),
    ],
)
def test_periods_in_december(text: str, expected: str) -> None:
    assert key(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Q1", "2027-Q1"),  # under way: still the nearest not over
        ("Q4", "2027-Q4"),
        ("last quarter", "2026-Q4"),  # the year changes back
        ("上个月", "2027-01"),
        ("last week", "2027-W05"),
    ],
)
def test_periods_in_february(text: str, expected: str) -> None:
    assert key(text, FEBRUARY) == expected


@pytest.mark.parametrize("text", ["Q5", "2027-13", "2026-W54", "一", "soon", "2027年1", "第五季度"])
def test_not_periods(text: str) -> None:
    assert key(text) is None
    assert period_key(text, DECEMBER, TZ) is None


def test_quarter_bounds_are_local_midnights() -> None:
    start, end, found = bounds(DECEMBER, TZ, "2027-Q1")
    assert (start, end, found) == (
        datetime(2027, 1, 1, tzinfo=TZ),
        datetime(2027, 4, 1, tzinfo=TZ),
        "2027-Q1",
    )
