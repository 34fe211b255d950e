"""The calendar at work: China's statutory days for a year without its official schedule, the
admins told once that its make-up days are unknown, other countries' holidays by zone or by
[calendar] country, and "stale" counted over the same calendar."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select

from bot import worktime
from bot.digest import _working_days_since
from bot.settings import Settings
from storage.models import Task
from storage.transit import OutboxItem
from tests.chat import Chat, Clockwork

SH = "Asia/Shanghai"
NY = "America/New_York"


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    worktime._country_year.cache_clear()
    worktime._warn_makeup_unknown.cache_clear()
    yield
    worktime._country_year.cache_clear()
    worktime._warn_makeup_unknown.cache_clear()


def notices(sent: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(who, text) for who, text in sent if text.startswith("📅")]


def settle(chat: Chat, clock: Clockwork, settings: Settings) -> None:
    chat.bot.settings = settings
    clock.env.settings = settings


def whole_day(chat: Chat, task_id: int) -> None:
    with chat.bot.sessions.begin() as s:
        s.get_one(Task, task_id).due_all_day = True


@pytest.mark.parametrize(
    ("locale", "admin", "member", "line", "words"),
    [
        (
            "zh_CN",
            "王经理",
            "小李",
            "/待办 华为 发报价 2027-01-08",
            ["2027 年的放假安排", "extra_workdays"],
        ),
        (
            "en",
            "boss",
            "rep",
            "/task Acme send quote 2027-01-08",
            ["2027 holiday schedule", "extra_workdays"],
        ),
    ],
)
def test_admins_are_told_once_that_2027_make_up_days_are_unknown(
    sessions, locale, admin, member, line, words
) -> None:  # type: ignore[no-untyped-def]
    assert 2027 not in worktime.official_cn_years()  # holidays 0.109; revisit when it knows
    chat = Chat(sessions, tz=SH, locale=locale, now="2026-12-14 10:00")
    clock = Clockwork(chat)
    hello = "/帮助" if locale == "zh_CN" else "/help"  # each speaks their language
    chat.say(admin, hello)  # the first speaker is the admin
    chat.say(member, hello)
    assert notices(clock.tick("2026-12-14 10:05")) == []  # nothing needs 2027 yet
    chat.say(member, line)  # a task due in 2027: the calendar needs that year
    assert notices(clock.tick("2026-12-19 10:00")) == []  # a Saturday: no push off hours
    [(who, text)] = notices(clock.tick("2026-12-21 10:00"))
    assert who == admin  # admins only
    assert all(w in text for w in words), text
    assert notices(clock.tick("2026-12-21 11:00")) == []  # once
    assert notices(clock.tick("2027-01-04 10:00")) == []  # nor again when the year begins
    with chat.bot.sessions.begin() as s:
        keys = s.scalars(select(OutboxItem.dedup_key).where(OutboxItem.dedup_key.like("cal%")))
        [key] = keys.all()
        assert re.fullmatch(r"calendar:makeup:\d+:2027:\d+", key)  # tenant, year, admin
        # retention prunes the sent row after [retention] delivered_days: still once
        s.execute(delete(OutboxItem).where(OutboxItem.dedup_key == key))
    assert notices(clock.tick("2027-02-22 10:00")) == []


def test_a_known_year_or_one_the_admin_listed_is_not_mentioned(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=SH, locale="zh_CN", now="2026-06-01 10:00")
    clock = Clockwork(chat)
    chat.say("王经理", "/待办 华为 发报价 2026-06-10")
    assert notices(clock.tick("2026-06-01 10:05")) == []  # 2026: the package has it
    listed = replace(chat.bot.settings, extra_workdays=frozenset({date(2027, 2, 20)}))
    settle(chat, clock, listed)
    assert notices(clock.tick("2027-01-04 10:00")) == []  # 2027: the admin listed its days
    elsewhere = Chat(sessions, tz=NY, locale="en", now="2027-01-04 10:00")
    far = Clockwork(elsewhere)
    elsewhere.say("boss", "/help")
    assert notices(far.tick("2027-01-04 10:05")) == []  # no make-up days in the US


def test_2027_statutory_days_are_off_for_reminders_and_stale(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=SH, locale="zh_CN", now="2026-12-30 10:00")
    clock = Clockwork(chat)
    chat.say("王经理", "/帮助")
    chat.say("小李", "/待办 华为 发报价 2027-01-01")  # 元旦 2027, a Friday
    whole_day(chat, 1)
    assert [t for w, t in clock.tick("2027-01-01 09:00") if w == "小李"] == []
    assert [t for w, t in clock.tick("2027-01-03 09:00") if w == "小李"] == []  # Sunday
    [text] = [t for w, t in clock.tick("2027-01-04 09:00") if w == "小李"]
    assert "T1" in text
    cal = chat.bot.settings.calendar_for(SH)
    # touched Thu Feb 4; by Fri Feb 12 only Thu Feb 11 and Fri Feb 12 were worked
    assert _working_days_since(cal, date(2027, 2, 12), {date(2027, 2, 4)}) == {date(2027, 2, 4): 2}
    # the admin's list: a make-up Saturday counts
    listed = replace(chat.bot.settings, extra_workdays=frozenset({date(2027, 2, 6)}))
    cal = listed.calendar_for(SH)
    assert _working_days_since(cal, date(2027, 2, 12), {date(2027, 2, 4)}) == {date(2027, 2, 4): 3}


@pytest.mark.parametrize(
    ("tz", "country"),
    [(NY, None), ("Asia/Tokyo", "US")],  # by the zone; by [calendar] country
)
def test_no_reminder_on_christmas_day_in_the_us(sessions, tz, country) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=tz, locale="en", now="2026-12-21 10:00")
    clock = Clockwork(chat)
    settle(chat, clock, replace(chat.bot.settings, country=country))
    chat.say("rep", "/task Acme send quote 2026-12-25")
    whole_day(chat, 1)
    assert clock.tick("2026-12-25 09:00") == []  # Christmas Day, a Friday
    assert clock.tick("2026-12-26 09:00") == []
    [(who, text)] = clock.tick("2026-12-28 09:00")  # the next working day
    assert who == "rep" and "T1" in text


def test_without_a_country_christmas_is_a_working_day_in_tokyo(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz="Asia/Tokyo", locale="en", now="2026-12-21 10:00")
    clock = Clockwork(chat)
    chat.say("rep", "/task Acme send quote 2026-12-25")
    whole_day(chat, 1)
    [(who, text)] = clock.tick("2026-12-25 09:00")
    assert who == "rep" and "T1" in text


@pytest.mark.parametrize(
    ("locale", "who", "line", "note"),
    [
        (
            "zh_CN",
            "小李",
            "/待办 华为 发报价 2027-01-01",
            "截止 2027年1月1日 周五（1月1日是节假日：元旦）",
        ),
        (
            "zh_CN",
            "小李",
            "/待办 华为 发报价 三天后",
            "截止 2027年1月3日 周日（1月3日是周日，不是工作日）",
        ),
        (
            "zh_CN",
            "小李",
            "/记录 华为 电话 聊了 下一步：2027-02-08 发合同",
            "截止 2027年2月8日 周一（2月8日是节假日：春节）",
        ),
        (
            "en",
            "rep",
            "/task Acme send quote 2027-01-01",
            "due Fri Jan 1, 2027 (Jan 1 is not a working day: New Year's Day)",
        ),
        (
            "en",
            "rep",
            "/task Acme send quote in 3 days",
            "due Sun Jan 3, 2027 (Jan 3 is a Sunday, not a working day)",
        ),
        (
            "en",
            "rep",
            "/log Acme call talked next: send the SOW 2027-02-09",
            (
                "due Tue Feb 9, 2027 (Feb 9 is not a working day: Chinese New Year (Spring "
                "Festival) (observed))"
            ),
        ),
    ],
)
def test_a_deadline_on_a_day_off_is_kept_and_the_reply_says_so(
    sessions, locale, who, line, note
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=SH, locale=locale, now="2026-12-31 10:00")  # a Thursday
    reply = chat.say(who, line)
    assert note in reply, reply


@pytest.mark.parametrize(
    ("locale", "who", "line", "note", "fixed", "moved"),
    [
        (
            "zh_CN",
            "小李",
            "/待办 华为 发报价 2026-12-25",
            "",
            "/待办 T1 2026-12-26",
            "（12月26日是周六，不是工作日）",
        ),
        (
            "en",
            "rep",
            "/task Acme send quote 2026-12-24",
            "",
            "/task T1 2026-12-25",
            "(Dec 25 is not a working day: Christmas Day)",
        ),
    ],
)
def test_a_move_onto_a_day_off_says_so_and_a_working_day_says_nothing(
    sessions, locale, who, line, note, fixed, moved
) -> None:  # type: ignore[no-untyped-def]
    tz = SH if locale == "zh_CN" else NY  # Christmas is a working day in Shanghai
    chat = Chat(sessions, tz=tz, locale=locale, now="2026-12-21 10:00")
    added = chat.say(who, line)
    assert "工作日" not in added and "working day" not in added, added
    assert moved in chat.say(who, fixed)
    meeting = "/会议 华为 2027-01-01 10:00" if locale == "zh_CN" else "/meeting Acme Dec 25 10am"
    said = chat.say(who, meeting)
    assert ("1月1日是节假日：元旦" if locale == "zh_CN" else "Dec 25 is not a working day") in said


def test_a_snooze_skips_the_tenants_holiday_whatever_zone_is_configured(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=NY, locale="en", now="2026-12-24 08:00")
    clock = Clockwork(chat)
    chat.say("rep", "/task Acme send quote today 9am")
    [(_, sent)] = clock.tick("2026-12-24 09:00")
    assert "[task.snooze:1:1]" in sent
    # the config says UTC (the workspace took New York from its platform): the tenant's zone
    # still decides its calendar
    settle(chat, clock, replace(chat.bot.settings, timezone="UTC"))
    chat.at("2026-12-24 09:05")
    chat.click("rep", "task.snooze:1:1")
    with chat.bot.sessions.begin() as s:
        snoozed = s.get_one(Task, 1).snoozed_until
    assert snoozed.astimezone(ZoneInfo(NY)).date() == date(2026, 12, 28)  # not Christmas Day
