"""Working-time calendar: weekends, mainland-China holidays and make-up days, other countries'
public holidays by zone, DST, degrading."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import holidays
import pytest

from bot import worktime
from bot.worktime import WorkCalendar

SH = "Asia/Shanghai"
NY = "America/New_York"


@pytest.fixture(autouse=True)
def fresh_cn_cache():
    # The per-year cache is process-wide (one warning per year); tests must not share it.
    worktime._country_year.cache_clear()
    worktime._warn_makeup_unknown.cache_clear()
    yield
    worktime._country_year.cache_clear()
    worktime._warn_makeup_unknown.cache_clear()


def _dt(value: str, tz: str) -> datetime:
    """An ISO string; without an offset it is a wall-clock time in `tz`."""
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=ZoneInfo(tz))


@pytest.mark.parametrize(
    ("cal", "day", "expected"),
    [
        (None, "2026-11-27", True),  # Friday
        (None, "2026-11-28", False),  # Saturday
        (None, "2026-11-29", False),  # Sunday
        (None, "2026-10-01", True),  # no holiday calendar: National Day is a Thursday
        ("CN", "2026-09-30", True),
        ("CN", "2026-10-01", False),  # National Day week, Oct 1-7
        ("CN", "2026-10-02", False),
        ("CN", "2026-10-03", False),
        ("CN", "2026-10-04", False),
        ("CN", "2026-10-05", False),
        ("CN", "2026-10-06", False),
        ("CN", "2026-10-07", False),
        ("CN", "2026-10-08", True),
        ("CN", "2026-09-20", True),  # Sunday worked for National Day
        ("CN", "2026-10-10", True),  # Saturday worked for National Day
        ("CN", "2026-10-11", False),  # an ordinary Sunday
        ("CN", "2026-02-14", True),  # Saturday worked for Spring Festival
        ("CN", "2026-02-17", False),  # Spring Festival 2026
        ("CN", "2026-01-02", False),  # New Year bridge day
        ("CN", "2026-01-04", True),  # Sunday worked for it
        ("CN", "2025-12-31", True),
        ("CN", "2001-12-29", True),  # worked for New Year 2002, listed in 2002's notice
    ],
)
def test_is_working_day(cal, day, expected):
    assert WorkCalendar(holidays=cal).is_working_day(date.fromisoformat(day)) is expected


def test_cn_official_years_in_installed_package():
    years = worktime.official_cn_years()
    assert set(range(2001, 2027)) <= years
    assert 2031 not in years


def test_cn_2027_uses_the_statutory_days_without_make_up_days(caplog):
    caplog.set_level(logging.WARNING, logger="bot.worktime")
    cal = WorkCalendar(holidays="CN")
    days = ("2027-01-01", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-11", "2027-10-04")
    if 2027 in worktime.official_cn_years():
        pytest.skip("the installed holidays package has 2027's official schedule")
    # 元旦 (Fri), 除夕 (Fri), 春节 (Mon) and the weekdays off for 春节 days on the weekend, and
    # National Day's; Feb 11 is an ordinary Thursday
    assert [cal.is_working_day(date.fromisoformat(d)) for d in days] == [
        False,
        False,
        False,
        False,
        True,
        False,
    ]
    assert cal.is_working_day(date(2027, 2, 20)) is False  # a Saturday: no make-up day guessed
    assert cal.makeup_unknown(2027) is True
    assert cal.makeup_unknown(2026) is False
    assert WorkCalendar().makeup_unknown(2027) is False  # weekends only: nothing to know
    assert cal.holiday_name(date(2027, 1, 1), "zh_CN") == "元旦"
    assert cal.holiday_name(date(2027, 1, 1), "en") == "New Year's Day"
    assert cal.holiday_name(date(2027, 1, 2), "en") is None  # a Saturday, not a holiday
    warnings = [r for r in caplog.records if r.name == "bot.worktime"]
    assert len(warnings) == 1 and warnings[0].args == (2027,)


def test_cn_year_without_schedule_has_statutory_days_and_one_warning(caplog):
    caplog.set_level(logging.WARNING, logger="bot.worktime")
    cal = WorkCalendar(holidays="CN")
    assert cal.is_working_day(date(2031, 10, 1)) is False  # Wednesday, National Day
    assert cal.is_working_day(date(2031, 10, 4)) is False  # Saturday
    assert cal.next_working_start(_dt("2031-09-30T10:00", SH), SH).isoformat() == (
        "2031-10-06T09:00:00+08:00"  # Oct 1-3 statutory, then the weekend
    )
    warnings = [r for r in caplog.records if r.name == "bot.worktime"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert warnings[0].args == (2031,)
    assert "2031" in warnings[0].getMessage()


def test_cn_package_error_degrades_to_weekends_only(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("no data")

    monkeypatch.setattr(holidays, "country_holidays", broken)
    caplog.set_level(logging.WARNING, logger="bot.worktime")
    cal = WorkCalendar(holidays="CN")
    assert cal.is_working_day(date(2026, 10, 1)) is True
    assert cal.is_working_day(date(2026, 10, 2)) is True
    assert cal.is_working_day(date(2026, 10, 3)) is False
    warnings = [r for r in caplog.records if r.name == "bot.worktime"]
    assert len(warnings) == 1
    assert "2026" in warnings[0].getMessage() and "no data" in warnings[0].getMessage()


@pytest.mark.parametrize(
    ("cal", "after", "tz", "expected"),
    [
        (None, "2026-11-27T15:00", SH, "2026-11-30T09:00:00+08:00"),  # Fri -> Mon
        (None, "2026-11-27T20:00+00:00", SH, "2026-11-30T09:00:00+08:00"),  # Sat local
        (None, "2026-11-30T08:00", SH, "2026-12-01T09:00:00+08:00"),  # strictly after the date
        ("CN", "2026-09-30T10:00", SH, "2026-10-08T09:00:00+08:00"),  # over National Day
        ("CN", "2026-09-18T12:00", SH, "2026-09-20T09:00:00+08:00"),  # make-up Sunday
        ("CN", "2026-10-09T12:00", SH, "2026-10-10T09:00:00+08:00"),  # make-up Saturday
    ],
)
def test_next_working_start(cal, after, tz, expected):
    got = WorkCalendar(holidays=cal).next_working_start(_dt(after, tz), tz)
    assert got.isoformat() == expected
    assert got.tzinfo == ZoneInfo(tz)


@pytest.mark.parametrize(
    ("cal", "at", "tz", "expected"),
    [
        (None, "2026-11-30T08:00", SH, "2026-11-30T09:00:00+08:00"),  # before hours
        (None, "2026-11-30T11:30", SH, "2026-11-30T11:30:00+08:00"),  # inside
        (None, "2026-11-30T01:30+00:00", SH, "2026-11-30T09:30:00+08:00"),  # inside, from UTC
        (None, "2026-11-30T18:00", SH, "2026-12-01T09:00:00+08:00"),  # day_end is outside
        (None, "2026-11-27T19:00", SH, "2026-11-30T09:00:00+08:00"),  # Friday evening
        (None, "2026-11-28T10:00", SH, "2026-11-30T09:00:00+08:00"),  # Saturday
        ("CN", "2026-10-02T10:00", SH, "2026-10-08T09:00:00+08:00"),  # holiday
        ("CN", "2026-10-10T10:00", SH, "2026-10-10T10:00:00+08:00"),  # make-up Saturday
    ],
)
def test_working_moment(cal, at, tz, expected):
    assert WorkCalendar(holidays=cal).working_moment(_dt(at, tz), tz).isoformat() == expected


@pytest.mark.parametrize(
    ("cal", "start", "hours", "tz", "expected"),
    [
        (None, "2026-11-30T16:00", 4, SH, "2026-12-01T11:00:00+08:00"),  # across an evening
        (None, "2026-11-27T17:00", 2, SH, "2026-11-30T10:00:00+08:00"),  # across a weekend
        (None, "2026-11-27T17:00", 1, SH, "2026-11-27T18:00:00+08:00"),  # done by close
        (None, "2026-11-28T12:00", 1, SH, "2026-11-30T10:00:00+08:00"),  # starts on Saturday
        (None, "2026-11-30T08:00", 0.5, SH, "2026-11-30T09:30:00+08:00"),  # before hours
        (None, "2026-11-30T09:00", 20, SH, "2026-12-02T11:00:00+08:00"),  # 9 + 9 + 2
        ("CN", "2026-09-30T09:00+00:00", 2, SH, "2026-10-08T10:00:00+08:00"),  # National Day
        ("CN", "2026-10-09T17:00", 2, SH, "2026-10-10T10:00:00+08:00"),  # make-up Saturday
        ("CN", "2026-02-13T17:00", 2, SH, "2026-02-14T10:00:00+08:00"),  # make-up Saturday
        (None, "2026-10-30T17:00", 2, NY, "2026-11-02T10:00:00-05:00"),  # DST ends Nov 1
        (None, "2026-10-31T12:00", 1, NY, "2026-11-02T10:00:00-05:00"),
        (None, "2026-10-30T09:00", 18, NY, "2026-11-02T18:00:00-05:00"),  # wall-clock hours
        (None, "2026-03-06T17:00", 2, NY, "2026-03-09T10:00:00-04:00"),  # DST starts Mar 8
    ],
)
def test_add_working_hours(cal, start, hours, tz, expected):
    got = WorkCalendar(holidays=cal).add_working_hours(_dt(start, tz), hours, tz)
    assert got.isoformat() == expected


@pytest.mark.parametrize(
    ("cal", "start", "days", "tz", "expected"),
    [
        (None, "2026-11-30T14:00", 1, SH, "2026-12-01T14:00:00+08:00"),
        (None, "2026-11-27T14:00", 1, SH, "2026-11-30T14:00:00+08:00"),  # over a weekend
        (None, "2026-11-27T14:00", 0, SH, "2026-11-27T14:00:00+08:00"),
        (None, "2026-11-28T14:00", 0, SH, "2026-11-30T09:00:00+08:00"),  # Saturday, clamped
        (None, "2026-11-28T10:00", 1, SH, "2026-11-30T10:00:00+08:00"),
        (None, "2026-11-30T20:00", 1, SH, "2026-12-02T09:00:00+08:00"),  # Tue 20:00 clamped
        (None, "2026-11-30T07:00", 1, SH, "2026-12-01T09:00:00+08:00"),
        (None, "2026-11-30T10:00", 5, SH, "2026-12-07T10:00:00+08:00"),
        ("CN", "2026-09-30T15:00", 1, SH, "2026-10-08T15:00:00+08:00"),
        ("CN", "2026-09-30T15:00", 3, SH, "2026-10-10T15:00:00+08:00"),  # make-up Saturday
        (None, "2026-10-30T10:00", 1, NY, "2026-11-02T10:00:00-05:00"),  # across DST end
    ],
)
def test_working_days_after(cal, start, days, tz, expected):
    got = WorkCalendar(holidays=cal).working_days_after(_dt(start, tz), days, tz)
    assert got.isoformat() == expected


def test_an_admin_list_adds_to_the_statutory_days_of_a_year_the_package_lacks(caplog):
    cal = WorkCalendar(
        holidays="CN",
        extra_holidays=frozenset({date(2031, 10, 6), date(2031, 10, 7)}),
        extra_workdays=frozenset({date(2031, 10, 11), date(2031, 10, 3)}),
    )
    assert cal.is_working_day(date(2031, 10, 1)) is False  # statutory
    assert cal.is_working_day(date(2031, 10, 6)) is False  # listed
    assert cal.is_working_day(date(2031, 10, 3)) is True  # statutory, but the admin says worked
    assert cal.is_working_day(date(2031, 10, 11)) is True  # a Saturday worked
    assert cal.is_working_day(date(2031, 10, 12)) is False  # an ordinary Sunday
    assert cal.makeup_unknown(2031) is False  # the admin gave that year's days
    assert cal.makeup_unknown(2032) is True


def test_an_admin_list_also_corrects_a_known_year_and_weekends_only_calendars():
    fix = {
        "extra_holidays": frozenset({date(2026, 12, 31)}),
        "extra_workdays": frozenset({date(2026, 10, 5)}),
    }
    cn, plain = WorkCalendar(holidays="CN", **fix), WorkCalendar(**fix)
    assert cn.is_working_day(date(2026, 12, 31)) is False
    assert cn.is_working_day(date(2026, 10, 5)) is True
    assert cn.is_working_day(date(2026, 10, 6)) is False  # the package's schedule still holds
    assert plain.is_working_day(date(2026, 12, 31)) is False
    assert plain.is_working_day(date(2026, 10, 1)) is True


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        (SH, "CN"),
        ("Asia/Urumqi", "CN"),
        ("PRC", "CN"),
        ("Asia/Hong_Kong", "HK"),
        (NY, "US"),
        ("Europe/Berlin", "DE"),
        ("UTC", None),
        ("Etc/GMT+5", None),
    ],
)
def test_default_holidays_follow_the_zone(zone, expected):
    assert worktime.default_holidays(zone) == expected


def test_a_us_calendar_has_christmas_and_its_weekend():
    us = WorkCalendar(holidays="US")
    assert us.is_working_day(date(2026, 12, 25)) is False  # Friday, Christmas Day
    assert us.is_working_day(date(2026, 11, 26)) is False  # Thanksgiving
    assert us.is_working_day(date(2026, 12, 24)) is True
    assert us.holiday_name(date(2026, 12, 25), "en") == "Christmas Day"
    assert us.holiday_name(date(2026, 12, 25), "zh_CN") == "Christmas Day"  # no Chinese names
    assert us.next_working_start(_dt("2026-12-24T10:00", NY), NY).isoformat() == (
        "2026-12-28T09:00:00-05:00"
    )
    assert us.makeup_unknown(2027) is False
    # Israel rests Friday and Saturday
    il = WorkCalendar(holidays="IL")
    assert il.is_working_day(date(2026, 11, 27)) is False  # Friday
    assert il.is_working_day(date(2026, 11, 29)) is True  # Sunday


def test_working_hours_of_a_day():
    cal = WorkCalendar(holidays="CN")
    assert cal.working_hours(date(2026, 10, 2), SH) is None  # National Day
    start, end = cal.working_hours(date(2026, 10, 10), SH)  # a make-up Saturday
    assert (start.isoformat(), end.isoformat()) == (
        "2026-10-10T09:00:00+08:00",
        "2026-10-10T18:00:00+08:00",
    )


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        (WorkCalendar, {"day_start": time(18, 0), "day_end": time(9, 0)}),
        (WorkCalendar, {"holidays": "XX"}),
        (
            WorkCalendar,
            {
                "extra_holidays": frozenset({date(2027, 1, 1)}),
                "extra_workdays": frozenset({date(2027, 1, 1)}),
            },
        ),
        (lambda: WorkCalendar().add_working_hours(_dt("2026-11-30T10:00", SH), -1, SH), {}),
        (lambda: WorkCalendar().working_days_after(_dt("2026-11-30T10:00", SH), -1, SH), {}),
    ],
)
def test_rejects_bad_arguments(call, kwargs):
    with pytest.raises(ValueError):
        call(**kwargs)
