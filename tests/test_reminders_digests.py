"""Issue 9, reminders and digests: whole-day deadlines, typed times kept, a morning digest,
one morning summary, holidays by default, periods — in English and Chinese (SQLite + PostgreSQL).

Whole-day tasks are made through the store (`whole_day`), so these tests hold whether or not
the parser already marks a date without a time as a whole day.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import deadlines, worktime
from bot.config import load_config
from bot.periods import bounds
from bot.settings import Settings
from bot.worktime import WorkCalendar
from storage.models import Person, Task
from storage.transit import OutboxItem
from tests.chat import Chat, Clockwork

ROOT = Path(__file__).resolve().parent.parent
DEALBOT = Path(sys.executable).parent / "dealbot"
SH = "Asia/Shanghai"


@pytest.fixture(autouse=True)
def fresh_cn_cache():
    # one warning per process and year: tests must not share what another test already logged
    worktime._country_year.cache_clear()
    worktime._warn_makeup_unknown.cache_clear()
    yield
    worktime._country_year.cache_clear()
    worktime._warn_makeup_unknown.cache_clear()


def whole_day(chat: Chat, task_id: int) -> None:
    """Make a task due the whole of its (local) day, as a date written without a time is."""
    with chat.bot.sessions.begin() as s:
        task = s.get_one(Task, task_id)
        day = task.due_at.astimezone(chat.tz).date()
        task.due_at = datetime.combine(day, time(0), chat.tz)
        task.due_all_day = True


def to(sent: list[tuple[str, str]], name: str) -> list[str]:
    """What `name` received, the manager's daily digest left out."""
    return [t for n, t in sent if n == name and not t.startswith(("Good morning", "早上好"))]


def digests(sent: list[tuple[str, str]], name: str) -> list[str]:
    return [t for n, t in sent if n == name and t.startswith(("Good morning", "早上好"))]


def zh_chat(sessions, now: str) -> Chat:  # type: ignore[no-untyped-def]
    return Chat(sessions, tz=SH, locale="zh_CN", now=now)


def with_settings(chat: Chat, clock: Clockwork, settings: Settings) -> None:
    chat.bot.settings = settings
    clock.env.settings = settings


# --- 3. a date without a time is that whole day -----------------------------------------------


def test_en_next_step_for_today_written_at_four_is_not_overdue_until_the_day_ends(
    sessions,
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-01 16:00")  # Tuesday
    clock = Clockwork(chat)
    chat.say("alice", "/log Acme call talked about price next: send quote today")
    whole_day(chat, 1)
    assert "OVERDUE" not in chat.say("alice", "/tasks")
    assert clock.tick("2026-12-01 16:00") == []  # just written: not echoed back as a reminder
    chat.at("2026-12-01 17:59")
    assert "T1 [Acme] send quote — due Tue Dec 1" in chat.say("alice", "/tasks")
    chat.at("2026-12-01 18:00")  # the day's working hours are over
    assert "T1 [Acme] send quote — OVERDUE since Tue Dec 1" in chat.say("alice", "/tasks")
    [text] = to(clock.tick("2026-12-02 09:00"), "alice")  # still open the next morning
    assert text.startswith("⏰ Overdue: T1 send quote")


def test_zh_next_step_for_today_written_at_four_is_not_overdue_until_the_day_ends(
    sessions,
) -> None:  # type: ignore[no-untyped-def]
    chat = zh_chat(sessions, "2026-12-01 16:00")
    clock = Clockwork(chat)
    chat.say("小李", "/记录 华为 电话 聊了报价 下一步：今天发报价")
    whole_day(chat, 1)
    assert "逾期" not in chat.say("小李", "/待办")
    assert clock.tick("2026-12-01 16:00") == []
    chat.at("2026-12-01 17:59")
    assert "T1 【华为】发报价 — 截止 12月1日 周二" in chat.say("小李", "/待办")
    chat.at("2026-12-01 18:00")
    assert "T1 【华为】发报价 — 已逾期，截止 12月1日 周二" in chat.say("小李", "/待办")
    [text] = to(clock.tick("2026-12-02 09:00"), "小李")
    assert text.startswith("⏰ 已逾期：T1 发报价")


def test_en_due_friday_is_reminded_friday_morning_and_overdue_only_after_friday(
    sessions,
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-02 10:00")  # Wednesday
    chat.say("bob", "/team east @bob @alice")
    clock = Clockwork(chat)
    chat.say("alice", "/task Acme send the proposal Fri")
    whole_day(chat, 1)
    assert to(clock.tick("2026-12-04 08:59"), "alice") == []
    [text] = to(clock.tick("2026-12-04 09:00"), "alice")
    assert text.startswith("⏰ Due now: T1 send the proposal")
    assert "T1 send the proposal — due Fri Dec 4\n" in text  # the day, not a made-up 00:00
    chat.at("2026-12-04 10:00")
    assert "OVERDUE" not in chat.say("alice", "/tasks")
    assert "T1" not in chat.say("bob", "/digest")
    chat.at("2026-12-04 18:00")
    assert "OVERDUE since Fri Dec 4" in chat.say("alice", "/tasks")
    sent = clock.tick("2026-12-07 09:00")
    [text] = to(sent, "alice")
    assert text.startswith("⏰ Overdue: T1 send the proposal")
    [digest] = digests(sent, "bob")
    assert "⏰ overdue: T1 [Acme] send the proposal — due Fri Dec 4" in digest


def test_zh_due_friday_is_reminded_friday_morning_and_overdue_only_after_friday(
    sessions,
) -> None:  # type: ignore[no-untyped-def]
    chat = zh_chat(sessions, "2026-12-02 10:00")
    chat.say("王经理", "/团队 华东 @王经理 @小李")
    clock = Clockwork(chat)
    chat.say("小李", "/待办 华为 发方案 周五")
    whole_day(chat, 1)
    assert to(clock.tick("2026-12-04 08:59"), "小李") == []
    [text] = to(clock.tick("2026-12-04 09:00"), "小李")
    assert text.startswith("⏰ 到期提醒：T1 发方案")
    assert "T1 发方案 — 截止 12月4日 周五\n" in text
    chat.at("2026-12-04 10:00")
    assert "逾期" not in chat.say("小李", "/待办")
    assert "T1" not in chat.say("王经理", "/日报")
    chat.at("2026-12-04 18:00")
    assert "已逾期，截止 12月4日 周五" in chat.say("小李", "/待办")
    sent = clock.tick("2026-12-07 09:00")
    [text] = to(sent, "小李")
    assert text.startswith("⏰ 已逾期：T1 发方案")
    [digest] = digests(sent, "王经理")
    assert "⏰ 逾期：T1 【华为】发方案 — 截止 12月4日 周五" in digest


def test_whole_day_on_a_holiday_belongs_to_the_next_working_day() -> None:
    cal = WorkCalendar(holidays="CN")
    task = Task(due_at=datetime(2026, 10, 2, tzinfo=ZoneInfo(SH)), due_all_day=True)
    assert deadlines.remind_at(task, cal, SH) == datetime(2026, 10, 8, 9, tzinfo=ZoneInfo(SH))
    assert deadlines.overdue_at(task, cal, SH) == datetime(2026, 10, 8, 18, tzinfo=ZoneInfo(SH))
    typed = Task(due_at=datetime(2026, 10, 2, 20, tzinfo=ZoneInfo(SH)), due_all_day=False)
    assert deadlines.remind_at(typed, cal, SH) == typed.due_at  # a holiday evening, as typed
    assert not deadlines.is_overdue(typed, typed.due_at, cal, SH)
    assert deadlines.is_overdue(typed, datetime(2026, 10, 2, 20, 1, tzinfo=ZoneInfo(SH)), cal, SH)


# next_reminder's rules, on a fixed clock: Mon 2026-11-30 .. Sun 12-06 in Shanghai, 9:00-18:00
def _sh(d: int, h: int, mi: int = 0, m: int = 12) -> datetime:
    return datetime(2026, m, d, h, mi, tzinfo=ZoneInfo(SH))


def _task(due: datetime | None, *, all_day: bool = False, **kw) -> Task:  # type: ignore[no-untyped-def]
    kw.setdefault("created_at", _sh(1, 8))
    kw.setdefault("status", "open")
    return Task(due_at=due, due_all_day=all_day, **kw)


def test_next_reminder_slot_is_the_typed_moment_or_the_whole_days_working_start() -> None:
    cal = WorkCalendar()
    typed = _task(_sh(2, 20))  # Wednesday 20:00, after hours: as typed
    assert deadlines.next_reminder(typed, _sh(2, 19, 59), cal, SH) is None
    assert deadlines.next_reminder(typed, _sh(2, 20), cal, SH) == deadlines.Reminder(
        at=_sh(2, 20), day=date(2026, 12, 2), morning=False
    )
    whole = _task(_sh(4, 0), all_day=True)  # Friday, the whole day
    assert deadlines.next_reminder(whole, _sh(4, 8, 59), cal, SH) is None
    assert deadlines.next_reminder(whole, _sh(4, 9, 30), cal, SH) == deadlines.Reminder(
        at=_sh(4, 9), day=date(2026, 12, 4), morning=True
    )
    # the start-of-day round is a rule: a run after hours sends nothing
    assert deadlines.next_reminder(whole, _sh(4, 19), cal, SH) is None
    saturday = _task(_sh(5, 0), all_day=True)  # a day off: its working day is Monday
    assert deadlines.next_reminder(saturday, _sh(5, 10), cal, SH) is None
    assert deadlines.next_reminder(saturday, _sh(7, 9), cal, SH) == deadlines.Reminder(
        at=_sh(7, 9), day=date(2026, 12, 7), morning=True
    )
    # written after its moment: not echoed back; the next working day's round has it
    late = _task(_sh(2, 10), created_at=_sh(2, 11))
    assert deadlines.next_reminder(late, _sh(2, 11), cal, SH) is None
    assert deadlines.next_reminder(late, _sh(3, 9), cal, SH) == deadlines.Reminder(
        at=_sh(3, 9), day=date(2026, 12, 3), morning=True
    )
    assert deadlines.next_reminder(_task(_sh(2, 10), status="done"), _sh(2, 11), cal, SH) is None
    assert deadlines.next_reminder(_task(None), _sh(2, 11), cal, SH) is None  # no deadline


def test_next_reminder_snooze_moves_the_first_reminder_later_never_earlier() -> None:
    cal = WorkCalendar()
    task = _task(_sh(2, 10), snoozed_until=_sh(2, 15))
    assert deadlines.next_reminder(task, _sh(2, 14, 59), cal, SH) is None
    assert deadlines.next_reminder(task, _sh(2, 15), cal, SH) == deadlines.Reminder(
        at=_sh(2, 15), day=date(2026, 12, 2), morning=False
    )
    overnight = _task(_sh(2, 10), snoozed_until=_sh(3, 11), last_reminded_at=_sh(2, 10))
    assert deadlines.next_reminder(overnight, _sh(3, 10), cal, SH) is None
    assert deadlines.next_reminder(overnight, _sh(3, 11), cal, SH) == deadlines.Reminder(
        at=_sh(3, 11), day=date(2026, 12, 3), morning=False
    )
    earlier = _task(_sh(2, 10), snoozed_until=_sh(2, 9))  # before its moment: the moment wins
    assert deadlines.next_reminder(earlier, _sh(2, 9, 30), cal, SH) is None
    assert deadlines.next_reminder(earlier, _sh(2, 10), cal, SH) is not None


def test_next_reminder_repeats_at_each_later_working_days_start_once_a_day() -> None:
    cal = WorkCalendar()
    task = _task(_sh(2, 10), last_reminded_at=_sh(2, 10))
    assert deadlines.next_reminder(task, _sh(2, 16), cal, SH) is None  # once a day
    assert deadlines.next_reminder(task, _sh(3, 8, 59), cal, SH) is None
    assert deadlines.next_reminder(task, _sh(3, 9), cal, SH) == deadlines.Reminder(
        at=_sh(3, 9), day=date(2026, 12, 3), morning=True
    )
    task.last_reminded_at = _sh(4, 9)  # Friday's went out
    assert deadlines.next_reminder(task, _sh(5, 10), cal, SH) is None  # Saturday: none
    assert deadlines.next_reminder(task, _sh(7, 9, 5), cal, SH) == deadlines.Reminder(
        at=_sh(7, 9), day=date(2026, 12, 7), morning=True
    )
    assert deadlines.next_reminder(task, _sh(7, 18, 30), cal, SH) is None  # a run after hours
    # the owner's day, in the owner's zone: 01:00 UTC is already 09:00 in Shanghai
    utc = datetime(2026, 12, 3, 1, tzinfo=ZoneInfo("UTC"))
    assert deadlines.next_reminder(task, utc, cal, SH) == deadlines.Reminder(
        at=_sh(3, 9), day=date(2026, 12, 3), morning=True
    )


# --- 4. an explicit time is kept ----------------------------------------------------------------


def test_en_typed_evening_and_early_times_are_reminded_as_typed(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-01 10:00")  # Tuesday
    clock = Clockwork(chat)
    chat.say("alice", "/task Acme call the CFO today 8pm")
    chat.say("alice", "/task Acme ship the sample tomorrow 7am")
    assert clock.tick("2026-12-01 19:59") == []
    [text] = to(clock.tick("2026-12-01 20:00"), "alice")
    assert text.startswith("⏰ Due now: T1 call the CFO") and "Tue Dec 1 20:00" in text
    assert clock.tick("2026-12-02 06:59") == []
    [text] = to(clock.tick("2026-12-02 07:00"), "alice")
    assert text.startswith("⏰ Due now: T2 ship the sample")
    # the repeat of what is still open is a rule: it waits for working time
    assert clock.tick("2026-12-02 08:59") == []
    [text] = to(clock.tick("2026-12-02 09:00"), "alice")
    assert text.startswith("⏰ Overdue: T1 call the CFO")


def test_zh_typed_evening_and_early_times_are_reminded_as_typed(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = zh_chat(sessions, "2026-12-01 10:00")
    clock = Clockwork(chat)
    chat.say("小李", "/待办 华为 给王总回电话 今天晚上8点")
    chat.say("小李", "/待办 华为 送样品 明天早上7点")
    assert clock.tick("2026-12-01 19:59") == []
    [text] = to(clock.tick("2026-12-01 20:00"), "小李")
    assert text.startswith("⏰ 到期提醒：T1 给王总回电话") and "12月1日 周二 20:00" in text
    assert clock.tick("2026-12-02 06:59") == []
    [text] = to(clock.tick("2026-12-02 07:00"), "小李")
    assert text.startswith("⏰ 到期提醒：T2 送样品")
    assert clock.tick("2026-12-02 08:59") == []
    [text] = to(clock.tick("2026-12-02 09:00"), "小李")
    assert text.startswith("⏰ 已逾期：T1 给王总回电话")


@pytest.mark.parametrize(
    ("tz", "locale", "rep", "chores", "evening", "req", "title"),
    [
        (
            "UTC",
            "en",
            "alice",
            ("/task Acme chore one today", "/task Acme chore two today"),
            "/task Acme call the CFO today 8pm",
            "/req Acme SSO first confirm @alice",
            "⏰ 3 follow-ups for today (3 overdue)",
        ),
        (
            SH,
            "zh_CN",
            "小李",
            ("/待办 华为 事项一 今天", "/待办 华为 事项二 今天"),
            "/待办 华为 给王总回电话 今天晚上8点",
            "/需求 华为 数据不出机房 确认人 @小李",
            "⏰ 今天有 3 项待办要跟进（其中 3 项已逾期）",
        ),
    ],
)
def test_after_hours_only_typed_times_go_out_the_rules_wait_for_the_morning(
    sessions, tz, locale, rep, chores, evening, req, title
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=tz, locale=locale, now="2026-12-03 10:00")  # Thursday
    for n, line in enumerate(chores, start=1):
        chat.say(rep, line)
        whole_day(chat, n)
    chat.say(rep, req)
    clock = Clockwork(chat)
    clock.tick("2026-12-03 10:00")  # the request to confirm
    chat.at("2026-12-04 10:00")  # Friday; the rules do not run again until the evening
    chat.say(rep, evening)
    assert clock.tick("2026-12-04 19:59") == []  # repeats and reminders to confirm wait
    [text] = to(clock.tick("2026-12-04 20:00"), rep)  # the typed time does not
    assert "T3" in text
    summary, confirm = to(clock.tick("2026-12-07 09:00"), rep)  # Monday morning
    assert summary.startswith(title) and all(f"T{n} " in summary for n in (1, 2, 3))
    assert "R1" in confirm


# --- 15. the digest is a morning message --------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "locale", "lead", "rep", "team", "task"),
    [
        ("UTC", "en", "bob", "alice", "/team east @bob @alice", "/task Acme call back today 3pm"),
        (
            SH,
            "zh_CN",
            "王经理",
            "小李",
            "/团队 华东 @王经理 @小李",
            "/待办 华为 回电话 今天下午3点",
        ),
    ],
)
def test_digest_goes_in_the_morning_or_a_late_morning_never_in_the_afternoon(
    sessions, tz, locale, lead, rep, team, task
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=tz, locale=locale, now="2026-11-30 10:00")  # Monday
    chat.say(lead, team)
    chat.say(rep, task)  # overdue from Monday 15:00: every digest has something to say
    clock = Clockwork(chat)
    clock.tick("2026-11-30 15:00")
    # Tuesday: the process was down until 11:30, still the working morning
    [digest] = digests(clock.tick("2026-12-01 11:30"), lead)
    assert "T1" in digest
    assert digests(clock.tick("2026-12-01 11:45"), lead) == []
    # Wednesday: down until the afternoon — no "good morning" at 14:01 nor at 20:01
    assert digests(clock.tick("2026-12-02 14:01"), lead) == []
    assert digests(clock.tick("2026-12-02 20:01"), lead) == []
    assert len(digests(clock.tick("2026-12-03 09:00"), lead)) == 1
    assert digests(clock.tick("2026-12-05 09:00"), lead) == []  # Saturday


@pytest.mark.parametrize(
    ("tz", "locale", "lead", "rep", "team", "task"),
    [
        (
            "UTC",
            "en",
            "bob",
            "alice",
            "/team east @bob @alice",
            "/task Acme call back today 9:30am",
        ),
        (
            SH,
            "zh_CN",
            "王经理",
            "小李",
            "/团队 华东 @王经理 @小李",
            "/待办 华为 回电话 今天上午9点半",
        ),
    ],
)
def test_a_morning_with_nothing_to_report_stays_quiet_all_day(
    sessions, tz, locale, lead, rep, team, task
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=tz, locale=locale, now="2026-12-07 08:00")  # Monday
    chat.say(lead, team)
    chat.say(rep, task)
    clock = Clockwork(chat)
    assert clock.tick("2026-12-07 09:00") == []  # nothing to report: marked for the day
    assert len(to(clock.tick("2026-12-07 09:30"), rep)) == 1  # the reminder, as typed
    # T1 is overdue from 09:30, but today's digest was settled at 09:00
    assert digests(clock.tick("2026-12-07 10:00"), lead) == []
    assert digests(clock.tick("2026-12-07 11:00"), lead) == []
    [digest] = digests(clock.tick("2026-12-08 09:00"), lead)
    assert "T1" in digest
    with chat.bot.sessions() as s:
        keys = list(
            s.scalars(select(OutboxItem.dedup_key).where(OutboxItem.dedup_key.like("digest:%")))
        )
        assert len(keys) == 1 and keys[0].endswith(":2026-12-08")


@pytest.mark.parametrize(
    ("tz", "locale", "lead", "rep", "team", "question", "unanswered", "alert"),
    [
        (
            "UTC",
            "en",
            "bob",
            "alice",
            "/team east @bob @alice",
            "/question Acme Do you support SAML?",
            "unanswered: Q1",
            "waited 2 working hours",
        ),
        (
            SH,
            "zh_CN",
            "王经理",
            "小李",
            "/团队 华东 @王经理 @小李",
            "/问题 华为 是否支持国产数据库？",
            "未答复：Q1",
            "已等待 2 个工作小时",
        ),
    ],
)
def test_the_manager_hears_of_a_question_only_after_the_owners_alert(
    sessions, tz, locale, lead, rep, team, question, unanswered, alert
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=tz, locale=locale, now="2026-12-04 10:00")  # Friday
    chat.say(lead, team)
    chat.say(
        rep, "/task Acme call back today 3pm" if locale == "en" else "/待办 华为 回电话 今天下午3点"
    )
    clock = Clockwork(chat)
    clock.tick("2026-12-04 15:00")
    chat.at("2026-12-07 08:30")  # Monday, before hours: the owner's alert is due at 11:00
    chat.say(rep, question)
    [digest] = digests(clock.tick("2026-12-07 09:00"), lead)
    assert "T1" in digest and "Q1" not in digest
    assert to(clock.tick("2026-12-07 10:59"), rep) == []
    [text] = to(clock.tick("2026-12-07 11:00"), rep)
    assert alert in text
    [digest] = digests(clock.tick("2026-12-08 09:00"), lead)
    assert unanswered in digest


# --- 16. one morning summary, not a card per task -----------------------------------------------


def _card(chat: Chat, key: str) -> dict:  # type: ignore[type-arg]
    with chat.bot.sessions() as s:
        row = s.scalar(select(OutboxItem).where(OutboxItem.dedup_key == key))
        assert row is not None, key
        return row.payload["card"]


def _person(chat: Chat, name: str) -> int:
    with chat.bot.sessions() as s:
        return s.scalar(select(Person.id).where(Person.display_name == name))  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("tz", "locale", "rep", "other", "task", "others", "title", "line", "done", "snooze"),
    [
        (
            "UTC",
            "en",
            "alice",
            "carl",
            "/task Acme chore {n} today",
            "/task Globex chore 7 today",
            "⏰ 6 follow-ups for today (6 overdue)",
            "• T3 [Acme] chore 3 — OVERDUE, was due Fri Dec 4",
            "Done T1",
            "Snooze T1",
        ),
        (
            SH,
            "zh_CN",
            "小李",
            "小张",
            "/待办 华为 事项{n} 今天",
            "/待办 中兴 事项7 今天",
            "⏰ 今天有 6 项待办要跟进（其中 6 项已逾期）",
            "• T3 【华为】事项3 — 已逾期，原定 12月4日 周五",
            "完成 T1",
            "推迟 T1",
        ),
    ],
)
def test_six_overdue_tasks_make_one_morning_message_with_buttons_per_task(
    sessions, tz, locale, rep, other, task, others, title, line, done, snooze
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=tz, locale=locale, now="2026-12-04 10:00")  # Friday
    for n in range(1, 7):
        chat.say(rep, task.format(n=n))
        whole_day(chat, n)
    chat.say(other, others)
    whole_day(chat, 7)
    clock = Clockwork(chat)
    sent = clock.tick("2026-12-07 09:00")  # Monday: nobody ran the rules on Friday
    [text] = to(sent, rep)
    assert text.startswith(title)
    assert line in text
    assert all(f"T{n} " in text for n in range(1, 7))
    [single] = to(sent, other)  # one task: the usual card
    assert "T7" in single and "[task.log:7:1]" in single  # on a reminder card (Shown.REMINDER)
    rep_id = _person(chat, rep)
    card = _card(chat, f"followups:{rep_id}:2026-12-07")
    buttons = [(b["id"], b["label"]) for b in card["buttons"]]
    assert len(buttons) == 12
    # on a summary (2) of T1 to T6, so that a press can draw it again
    listed = ":2:1:2:3:4:5:6"
    assert buttons[:2] == [(f"task.done:1{listed}", done), (f"task.snooze:1{listed}", snooze)]
    assert to(clock.tick("2026-12-07 09:00"), rep) == []  # once
    chat.click(rep, f"task.done:2{listed}")
    # a task for today written after the morning round is not echoed back at once
    chat.at("2026-12-07 10:00")
    chat.say(rep, task.format(n=8))
    whole_day(chat, 8)
    assert to(clock.tick("2026-12-07 10:00"), rep) == []
    [text] = to(clock.tick("2026-12-08 09:00"), rep)  # Tuesday: the five still open, and T8
    assert "T2 " not in text and all(f"T{n} " in text for n in (1, 3, 4, 5, 6, 8))
    with chat.bot.sessions() as s:
        keys = set(
            s.scalars(select(OutboxItem.dedup_key).where(OutboxItem.dedup_key.like("followups:%")))
        )
    assert keys == {f"followups:{rep_id}:2026-12-07", f"followups:{rep_id}:2026-12-08"}


# --- 17. holidays by default where they are known -----------------------------------------------


@pytest.mark.parametrize(
    ("tz", "locale", "line", "holiday_quiet"),
    [
        (SH, "zh_CN", "/待办 华为 续签合同 10月2日", True),
        (SH, "en", "/task Acme renew the contract 10-02", True),  # an English team in Shanghai
        ("America/New_York", "en", "/task Acme renew the contract 10-02", False),
    ],
)
def test_a_tenant_in_shanghai_gets_chinas_holidays_without_config(
    sessions, tz, locale, line, holiday_quiet
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=tz, locale=locale, now="2026-09-30 10:00")
    clock = Clockwork(chat)
    chat.say("rep", line)
    whole_day(chat, 1)
    got = clock.tick("2026-10-02 09:00")  # Friday, in National Day week
    if not holiday_quiet:
        assert len(got) == 1
        return
    assert got == []
    for day in range(3, 8):
        assert clock.tick(f"2026-10-0{day} 09:00") == [], day
    assert len(clock.tick("2026-10-08 09:00")) == 1


def test_the_default_calendar_follows_the_tenants_zone() -> None:
    settings = load_config(None, env={}).settings()
    assert settings.holidays == "auto"
    assert settings.calendar_for(SH).holidays == "CN"
    assert settings.calendar_for("Europe/Berlin").holidays == "DE"  # its country's, by zone
    assert settings.calendar_for("UTC").holidays is None
    assert Settings(holidays=None).calendar_for(SH).holidays is None  # holidays = "none"


ADMIN_2027 = """
[bot]
timezone = "Asia/Shanghai"
# the State Council's 2027 notice, as an admin would copy it (illustrative dates)
extra_holidays = ["2027-01-01", "2027-02-08..2027-02-12"]
extra_workdays = [2027-02-06, "2027-02-20"]
"""


def test_the_admin_lists_a_year_the_package_does_not_know(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    assert 2027 not in worktime.official_cn_years()  # holidays 0.109; revisit when it knows
    path = tmp_path / "cn.toml"
    path.write_text(ADMIN_2027)
    settings = load_config(path, env={}).settings()
    cal = settings.calendar_for(SH)
    caplog.set_level(logging.WARNING, logger="bot.worktime")
    assert not cal.is_working_day(date(2027, 1, 1))
    assert not cal.is_working_day(date(2027, 2, 10))
    assert cal.is_working_day(date(2027, 2, 6))  # a Saturday worked
    assert cal.is_working_day(date(2027, 3, 1))
    assert not cal.is_working_day(date(2027, 3, 6))  # an ordinary Saturday
    assert cal.is_working_day(date(2026, 12, 31))  # 2026: the package's own schedule
    assert not cal.is_working_day(date(2026, 10, 1))
    assert [r for r in caplog.records if r.name == "bot.worktime"] == []  # nothing to warn of


@pytest.mark.parametrize(
    ("locale", "line", "due"),
    [
        ("zh_CN", "/待办 华为 续签合同 2027-02-08", "⏰ 到期提醒：T1 续签合同"),
        ("en", "/task Acme renew the contract 2027-02-08", "⏰ Due now: T1 renew the contract"),
    ],
)
def test_2027_without_a_list_has_the_statutory_days_and_a_warning_in_the_log(
    sessions, caplog, locale, line, due
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="bot.worktime")
    chat = Chat(sessions, tz=SH, locale=locale, now="2027-02-01 10:00")
    clock = Clockwork(chat)
    reply = chat.say("rep", line)
    whole_day(chat, 1)
    # 春节 2027 (Mon Feb 8) and the weekdays off for its days on the weekend (Feb 9-10)
    for day in range(8, 11):
        assert to(clock.tick(f"2027-02-{day:02d} 09:00"), "rep") == [], day
    text, notice = to(clock.tick("2027-02-11 09:00"), "rep")
    assert text.startswith(due)
    assert notice.startswith("📅") and "extra_workdays" in notice  # rep is the admin
    warnings = [r for r in caplog.records if r.name == "bot.worktime"]
    assert len(warnings) == 1 and "2027" in warnings[0].getMessage()
    assert "extra_workdays" in warnings[0].getMessage()  # says how to fix it
    for said in (reply, text):  # the conversation never carries the log's words
        assert "WARNING" not in said and "holidays package" not in said


@pytest.mark.parametrize(
    ("locale", "line", "due"),
    [
        ("zh_CN", "/待办 华为 续签合同 2027-02-08", "⏰ 到期提醒：T1 续签合同"),
        ("en", "/task Acme renew the contract 2027-02-08", "⏰ Due now: T1 renew the contract"),
    ],
)
def test_2027_with_the_admins_list_skips_its_holidays(
    sessions, tmp_path, caplog, locale, line, due
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.WARNING, logger="bot.worktime")
    path = tmp_path / "cn.toml"
    path.write_text(ADMIN_2027)
    chat = Chat(sessions, tz=SH, locale=locale, now="2027-02-01 10:00")
    clock = Clockwork(chat)
    with_settings(chat, clock, load_config(path, env={}).settings())
    chat.say("rep", line)
    whole_day(chat, 1)
    for day in range(8, 13):
        assert clock.tick(f"2027-02-{day:02d} 09:00") == [], day
    [text] = to(clock.tick("2027-02-15 09:00"), "rep")
    assert text.startswith(due)
    assert [r for r in caplog.records if r.name == "bot.worktime"] == []


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_console_keeps_the_calendar_warning_out_of_the_conversation(tmp_path: Path, lang) -> None:  # type: ignore[no-untyped-def]
    script = (
        ":now 2027-01-04 10:00\n"
        + (
            "[小李] /待办 华为 发报价 2027-01-05\n"
            if lang == "zh_CN"
            else "[rep] /task Acme send quote 2027-01-05\n"
        )
        + ":tick 2027-01-05 09:00\n"
    )
    done = subprocess.run(
        [str(DEALBOT), "console", "--db", str(tmp_path / "c.db"), "--tz", SH, "--lang", lang],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "T1" in done.stdout.split(":tick 2027-01-05 09:00", 1)[1]  # the reminder came
    assert "WARNING" not in done.stdout and "holidays package" not in done.stdout
    assert "No official CN holiday schedule for 2027" in done.stderr  # the log has it


# --- 18. periods --------------------------------------------------------------------------------


def _touches(chat: Chat, who: str, lines: tuple[str, str, str]) -> None:
    nov, w48, dec = lines
    chat.at("2026-11-20 10:00")
    chat.say(who, nov)
    chat.at("2026-11-26 10:00")  # Thursday of 2026-W48
    chat.say(who, w48)
    chat.at("2026-12-09 10:00")  # Wednesday of 2026-W50
    chat.say(who, dec)


def test_en_progress_periods(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    _touches(chat, "alice", ("/log Acme call nov", "/log Acme visit w48", "/log Acme call dec"))
    last_month = chat.say("alice", "/progress last month")
    assert "month 2026-11" in last_month and "calls 1" in last_month and "visits 1" in last_month
    assert chat.say("alice", "/progress 2026-11") == last_month
    last_week = chat.say("alice", "/progress last week")
    assert "week 2026-W49" in last_week and "calls 0" in last_week
    w48 = chat.say("alice", "/progress @alice 2026-W48")
    assert "week 2026-W48" in w48 and "visits 1" in w48 and "calls 0" in w48
    this_month = chat.say("alice", "/progress this month")
    assert "month 2026-12" in this_month and "calls 1" in this_month
    assert "this week, next week, last week, this month" in chat.say(
        "alice", "/progress yesteryear"
    )


def test_someone_elses_progress_is_counted_in_their_zone_not_the_askers(sessions) -> None:  # type: ignore[no-untyped-def]
    """A person with no zone of their own lives in the tenant's (bot/speaker.py), whoever
    asks: bob's Monday-morning call in Shanghai is in his week 49, though for alice in Los
    Angeles it was still Sunday."""
    chat = Chat(sessions, tz="Asia/Shanghai", now="2026-11-30 08:00")
    chat.say("alice", "/help")  # the first speaker, an admin: may see everyone's progress
    with sessions.begin() as s:
        s.scalars(
            select(Person).where(Person.display_name == "alice")
        ).one().timezone = "America/Los_Angeles"
    chat.say("bob", "/log Acme call Monday morning")
    chat.at("2026-12-02 10:00")
    week = chat.say("alice", "/progress @bob week")
    assert "week 2026-W49" in week and "calls 1" in week, week


def test_zh_progress_periods(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = zh_chat(sessions, "2026-11-20 10:00")
    _touches(
        chat, "小李", ("/记录 华为 电话 十一月", "/记录 华为 拜访 第48周", "/记录 华为 电话 十二月")
    )
    last_month = chat.say("小李", "/进度 上月")
    assert "@小李 的月进度（2026-11）" in last_month
    assert "电话 1" in last_month and "拜访 1" in last_month
    assert chat.say("小李", "/进度 上个月") == last_month
    assert chat.say("小李", "/进度 2026-11") == last_month
    assert chat.say("小李", "/进度 2026年11月") == last_month
    last_week = chat.say("小李", "/进度 上周")
    assert "@小李 的周进度（2026-W49）" in last_week and "电话 0" in last_week
    w48 = chat.say("小李", "/进度 @小李 2026-W48")
    assert "周进度（2026-W48）" in w48 and "拜访 1" in w48
    assert "本周、下周、上周、本月" in chat.say("小李", "/进度 去年")


def test_period_bounds_across_the_year() -> None:
    tz = ZoneInfo(SH)
    jan = datetime(2027, 1, 5, 10, tzinfo=tz)
    start, end, key = bounds(jan, tz, "last_month")
    assert (start, end, key) == (
        datetime(2026, 12, 1, tzinfo=tz),
        datetime(2027, 1, 1, tzinfo=tz),
        "2026-12",
    )
    start, end, key = bounds(jan, tz, "last_week")
    assert (start.date(), end.date(), key) == (date(2026, 12, 28), date(2027, 1, 4), "2026-W53")
    assert bounds(jan, tz, "2026-02")[1] == datetime(2026, 3, 1, tzinfo=tz)
    with pytest.raises(ValueError):
        bounds(jan, tz, "2027-W53")  # 2027 has 52 ISO weeks


# --- smaller items ------------------------------------------------------------------------------


def test_en_digest_names_the_pending_confirmers(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    chat.say("bob", "/team east @bob @alice @carl")
    chat.say("alice", "/req Acme Data stays in the EU confirm @bob @carl")
    chat.click("carl", "req.confirm:1:1")
    chat.say("alice", "/req Globex Single sign-on first confirm @carl @bob")
    chat.click("carl", "req.change:2:1")
    digest = chat.say("bob", "/digest")
    assert "• R1 Acme — waiting for confirmation; waiting for @bob\n" in digest
    assert "• R2 Globex — change requested; change asked by @carl; waiting for @bob" in digest


def test_zh_digest_names_the_pending_confirmers(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = zh_chat(sessions, "2026-11-30 10:00")
    chat.say("王经理", "/团队 华东 @王经理 @小李 @小张")
    chat.say("小李", "/需求 华为 支持私有化部署，数据不出机房 确认人 @王经理 @小张")
    chat.click("小张", "req.confirm:1:1")
    digest = chat.say("王经理", "/日报")
    assert "• R1 华为 — 待确认；待 @王经理 确认" in digest


def test_zh_slow_confirmer_is_reminded_each_working_day(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = zh_chat(sessions, "2026-12-03 10:00")  # Thursday
    chat.say("小李", "/需求 华为 支持私有化部署 确认人 @王经理")
    clock = Clockwork(chat)
    clock.tick("2026-12-03 10:00")
    [first] = to(clock.tick("2026-12-04 10:00"), "王经理")
    assert "请确认 R1 · 华为（v1）" in first
    assert clock.tick("2026-12-05 09:00") == []  # Saturday
    [again] = to(clock.tick("2026-12-07 09:00"), "王经理")
    assert "请确认 R1" in again
    chat.click("王经理", "req.confirm:1:1")
    assert to(clock.tick("2026-12-08 09:00"), "王经理") == []


@pytest.mark.parametrize(
    ("tz", "locale", "who", "line", "answer"),
    [
        ("UTC", "en", "alice", "/task Acme send quote today 3pm", "T1 was already done."),
        (SH, "zh_CN", "小李", "/待办 华为 发报价 今天下午3点", "T1 已经完成了。"),
    ],
)
def test_snoozing_a_finished_task_says_it_is_finished(
    sessions, tz, locale, who, line, answer
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=tz, locale=locale)
    chat.say(who, line)
    chat.click(who, "task.done:1")
    assert chat.click(who, "task.snooze:1") == answer
    with chat.bot.sessions() as s:
        assert s.get_one(Task, 1).snoozed_until is None


# --- issue 19: a digest lists the riskiest stale deals and counts the rest ----------------------


def test_en_digest_lists_the_riskiest_stale_deals_and_counts_the_rest(
    sessions, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from bot import digest as digest_mod

    monkeypatch.setattr(digest_mod, "STALE_SHOWN", 2)
    chat = Chat(sessions)  # Mon Nov 30
    chat.say("bob", "/team east @bob @alice @carl")
    chat.say("alice", "/deal Acme new big 900k")
    chat.say("alice", "/deal Globex new small 1k")
    chat.say("carl", "/deal Initech new middle 50k")
    chat.at("2026-12-10 10:00")  # all three stale
    digest = chat.say("bob", "/digest")
    assert digest.count("⚠ stale:") == 2
    assert "“big”" in digest and "“middle”" in digest and "“small”" not in digest
    assert "  ⚠ …and 1 more stale deal, less at risk, not listed\n" in digest
    assert digest.index("“big”") < digest.index("…and 1 more") < digest.index("@carl")
    assert digest.endswith(
        "Every open deal, stale or not: /pipeline all"
    )  # bob, the first, is admin
    monkeypatch.setattr(digest_mod, "STALE_SHOWN", 1)
    mine = chat.say("alice", "/digest")  # a rep's own: one shown, one counted, their pipeline
    assert "“big”" in mine and "“small”" not in mine and "Initech" not in mine
    assert "…and 1 more stale deal" in mine and mine.endswith(
        "Every open deal, stale or not: /pipeline"
    )
    monkeypatch.setattr(digest_mod, "STALE_SHOWN", 3)
    digest = chat.say("bob", "/digest")
    assert "“small”" in digest and "more stale" not in digest and "/pipeline" not in digest


def test_zh_digest_lists_the_riskiest_stale_deals_and_counts_the_rest(
    sessions, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from bot import digest as digest_mod

    monkeypatch.setattr(digest_mod, "STALE_SHOWN", 1)
    chat = zh_chat(sessions, "2026-11-30 10:00")
    chat.say("王经理", "/团队 华东 @王经理 @小李 @小张")
    chat.say("小李", "/商机 华为 新建 私有化部署项目 50万")
    chat.say("小李", "/商机 中兴 新建 小项目 1万")
    chat.say("小张", "/商机 腾讯 新建 另一个项目 30万")
    chat.at("2026-12-10 10:00")
    digest = chat.say("王经理", "/日报")
    assert digest.count("⚠ 停滞：") == 1 and "私有化部署项目" in digest
    assert "  ⚠ ……还有 1 个风险较低的停滞商机未列出\n" in digest  # 小李's 小项目
    assert "  ⚠ ……还有 1 个风险较低的停滞商机未列出\n" in digest.split("@小张")[1]  # 小张's
    assert digest.endswith("查看全部进行中的商机：/漏斗 全部")  # 王经理, the first, is the admin
