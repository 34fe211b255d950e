"""Issue 9, deadlines: read what people write, never invent a date, whole days, past dates and
other years, moving a task, next-step markers, meeting lengths. English and Chinese alike.

Parser tables first (read_when, find_deadline, find_trailing, date_hint, each relative to a
fixed "now"), then the grammar, then the real Bot on a real store through tests.chat.Chat.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import intents as i
from bot.commands import parse
from bot.commands.log import LogTouch
from bot.commands.meeting import MeetingAdd
from bot.commands.task import TaskAdd, TaskReschedule
from bot.grammar.line import ParseContext
from bot.parse.dates import When, parse_when, read_when
from bot.parse.spans import date_hint, find_deadline, find_trailing
from bot.pipeline import Pipeline
from storage.models import Activity, Meeting, Task
from tests.chat import Chat

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
ROOT = Path(__file__).resolve().parent.parent
DEALBOT = Path(sys.executable).parent / "dealbot"  # beside the Python running the tests

# Wednesday 2026-12-02 10:30 in Shanghai; this ISO week is Mon 11-30 .. Sun 12-06.
WED = datetime(2026, 12, 2, 10, 30, tzinfo=SH)


def day(m: int, d: int, y: int = 2026, tz: ZoneInfo = SH) -> When:
    """A whole day: its 00:00, flagged."""
    return When(datetime(y, m, d, tzinfo=tz), all_day=True)


def at(m: int, d: int, h: int, mi: int = 0, y: int = 2026, tz: ZoneInfo = SH) -> When:
    """A moment that was written with a time."""
    return When(datetime(y, m, d, h, mi, tzinfo=tz))


ZH = [
    # month and year ends and starts
    ("月底", day(12, 31)),
    ("本月底", day(12, 31)),
    ("这个月底", day(12, 31)),
    ("月末", day(12, 31)),
    ("下个月底", day(1, 31, 2027)),
    ("下月末", day(1, 31, 2027)),
    ("下个月初", day(1, 1, 2027)),
    ("下月初", day(1, 1, 2027)),
    ("月初", day(1, 1, 2027)),  # this month's 1st is over: the next one
    ("月中", day(12, 15)),
    ("下个月中", day(1, 15, 2027)),
    ("3月底", day(3, 31, 2027)),
    ("年底", day(12, 31)),
    ("今年年底", day(12, 31)),
    ("年末", day(12, 31)),
    ("明年初", day(1, 1, 2027)),
    ("明年年底", day(12, 31, 2027)),
    ("本月内", day(12, 31)),
    # weeks
    ("本周五", day(12, 4)),
    ("下下周一", day(12, 14)),  # not Dec 7: the Monday after next Monday
    ("下下周三", day(12, 16)),
    ("下下个星期五", day(12, 18)),
    ("下下周", day(12, 14)),
    # the end of a working day is that whole day
    ("周五下班", day(12, 4)),
    ("下周五下班", day(12, 11)),
    ("下班", day(12, 2)),
    # days of the month
    ("12月31日", day(12, 31)),
    ("12月31号", day(12, 31)),
    ("15号", day(12, 15)),
    ("2号", day(12, 2)),  # today
    ("1号", day(1, 1, 2027)),
    ("本月20号", day(12, 20)),
    ("下个月5号", day(1, 5, 2027)),
    ("3天内", day(12, 5)),
    ("一周内", day(12, 9)),
    ("昨天", day(12, 1)),
    # parts of a day: morning is the working start, afternoon 14:00, evening 20:00
    ("明早", at(12, 3, 9)),
    ("明天上午", at(12, 3, 9)),
    ("明天早上", at(12, 3, 9)),
    ("明天下午", at(12, 3, 14)),
    ("明天傍晚", at(12, 3, 18)),
    ("明天晚上", at(12, 3, 20)),
    ("今晚", at(12, 2, 20)),
    ("周五上午", at(12, 4, 9)),
    # a time that was written is kept
    ("今晚8点", at(12, 2, 20)),
    ("明早8点", at(12, 3, 8)),
    ("明晚7点半", at(12, 3, 19, 30)),
    ("下午5点", at(12, 2, 17)),
    ("后天下午3点", at(12, 4, 15)),
    ("月底 15:00", at(12, 31, 15)),
]

EN = [
    ("Dec 5", day(12, 5)),
    ("5 Dec", day(12, 5)),
    ("dec. 5", day(12, 5)),
    ("December 5th", day(12, 5)),
    ("5th of December", day(12, 5)),
    ("Jan 15", day(1, 15, 2027)),  # the next Jan 15
    ("15 Jan 2027", day(1, 15, 2027)),
    ("Dec 5, 2027", day(12, 5, 2027)),
    ("the 15th", day(12, 15)),
    ("end of month", day(12, 31)),
    ("end of the month", day(12, 31)),
    ("EOM", day(12, 31)),
    ("month end", day(12, 31)),
    ("end of next month", day(1, 31, 2027)),
    ("start of next month", day(1, 1, 2027)),
    ("early next month", day(1, 1, 2027)),
    ("EOW", day(12, 4)),
    ("end of week", day(12, 4)),
    ("end of this week", day(12, 4)),
    ("end of next week", day(12, 11)),
    ("end of year", day(12, 31)),
    ("EOY", day(12, 31)),
    ("year-end", day(12, 31)),
    ("Friday EOD", day(12, 4)),
    ("EOD Friday", day(12, 4)),
    ("fri eod", day(12, 4)),
    ("EOD", day(12, 2)),
    ("end of day", day(12, 2)),
    ("close of business", day(12, 2)),
    ("Friday next week", day(12, 11)),
    ("next week Friday", day(12, 11)),
    ("within 3 days", day(12, 5)),
    ("yesterday", day(12, 1)),
    ("tonight", at(12, 2, 20)),
    ("tomorrow morning", at(12, 3, 9)),
    ("tomorrow afternoon", at(12, 3, 14)),
    ("tomorrow evening", at(12, 3, 20)),
    ("tomorrow night", at(12, 3, 20)),
    ("friday morning", at(12, 4, 9)),
    ("Dec 5 3pm", at(12, 5, 15)),
    ("Friday, 3pm", at(12, 4, 15)),
    ("Jan 15 at 10am", at(1, 15, 10, y=2027)),
]


@pytest.mark.parametrize(("text", "expected"), ZH + EN)
def test_read_when(text: str, expected: When) -> None:
    got = read_when(text, now=WED, tz=SH)
    assert got == expected
    assert got is not None and got.all_day == expected.all_day
    assert got.at.tzinfo == SH


DEC31 = datetime(2026, 12, 31, 10, 0, tzinfo=SH)  # a Thursday, the last day of the year
DEC28 = datetime(2026, 12, 28, 10, 0, tzinfo=SH)  # a Monday
DEC16 = datetime(2026, 12, 16, 10, 0, tzinfo=SH)
NOV10 = datetime(2026, 11, 10, 10, 0, tzinfo=SH)  # November has no 31st
JAN31 = datetime(2027, 1, 31, 10, 0, tzinfo=SH)  # a Sunday
FEB10_LEAP = datetime(2028, 2, 10, 10, 0, tzinfo=SH)
SAT = datetime(2026, 12, 5, 10, 0, tzinfo=SH)
SUN = datetime(2026, 12, 6, 10, 0, tzinfo=SH)

EDGES = [
    # the last day of the month and of the year: today
    (DEC31, "月底", day(12, 31)),
    (DEC31, "月底前", None),  # "前" belongs to the deadline finder, not to a date
    (DEC31, "end of month", day(12, 31)),
    (DEC31, "年底", day(12, 31)),
    (DEC31, "end of year", day(12, 31)),
    # into 2027
    (DEC31, "下个月初", day(1, 1, 2027)),
    (DEC31, "年初", day(1, 1, 2027)),
    (DEC31, "下下周一", day(1, 11, 2027)),
    (DEC31, "EOW", day(1, 1, 2027)),
    (DEC31, "Jan 15", day(1, 15, 2027)),
    (DEC31, "1月15日", day(1, 15, 2027)),
    (DEC28, "本周五", day(1, 1, 2027)),
    (DEC28, "下周五", day(1, 8, 2027)),
    (DEC28, "下下周一", day(1, 11, 2027)),
    (DEC28, "end of next month", day(1, 31, 2027)),
    (DEC16, "15号", day(1, 15, 2027)),
    (DEC16, "the 15th", day(1, 15, 2027)),
    (NOV10, "31号", day(12, 31)),
    # short months and leap years
    (JAN31, "月底", day(1, 31, 2027)),
    (JAN31, "下个月底", day(2, 28, 2027)),
    (JAN31, "下个月初", day(2, 1, 2027)),
    (FEB10_LEAP, "月底", day(2, 29, 2028)),
    (FEB10_LEAP, "end of month", day(2, 29, 2028)),
    # weekends: end of week is the coming Friday; 下下周 counts from this week's Monday
    (SAT, "EOW", day(12, 11)),
    (SAT, "本周五", day(12, 4)),
    (SUN, "下周一", day(12, 7)),
    (SUN, "下下周一", day(12, 14)),
]


@pytest.mark.parametrize(("now", "text", "expected"), EDGES)
def test_read_when_edges(now: datetime, text: str, expected: When | None) -> None:
    assert read_when(text, now=now, tz=SH) == expected


def test_morning_is_the_working_days_start() -> None:
    early = time(8, 30)
    assert read_when("明早", now=WED, tz=SH, day_start=early) == at(12, 3, 8, 30)
    assert read_when("tomorrow morning", now=WED, tz=SH, day_start=early) == at(12, 3, 8, 30)
    # a whole day is 00:00 whatever the working hours; parse_when gives its working start
    assert read_when("月底", now=WED, tz=SH, day_start=early) == day(12, 31)
    assert parse_when("月底", now=WED, tz=SH, day_start=early) == datetime(
        2026, 12, 31, 8, 30, tzinfo=SH
    )


def test_a_whole_day_starts_at_midnight_in_the_writers_zone() -> None:
    now = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
    got = read_when("Friday EOD", now=now, tz=NY)
    assert got == day(12, 4, tz=NY)
    assert got is not None and got.at.astimezone(UTC) == datetime(2026, 12, 4, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["下午", "morning", "下个月", "next month", "下旬", "改天"])
def test_parts_of_a_day_alone_are_no_date(text: str) -> None:
    assert read_when(text, now=WED, tz=SH) is None


DEADLINES = [
    ("月底前签合同", "签合同", day(12, 31)),
    ("安排高层拜访 月底前", "安排高层拜访", day(12, 31)),
    ("本周五前发方案", "发方案", day(12, 4)),
    ("周五下班前发方案", "发方案", day(12, 4)),
    ("周五下班之前，发方案", "发方案", day(12, 4)),
    ("下午5点前回复客户", "回复客户", at(12, 2, 17)),
    ("12月31日前交付", "交付", day(12, 31)),
    ("下个月初前完成验收", "完成验收", day(1, 1, 2027)),
    ("年底前回款", "回款", day(12, 31)),
    ("明早前发报价", "发报价", at(12, 3, 9)),
    ("发方案，周五前确认", "发方案 确认", day(12, 4)),
    ("发方案 截止月底", "发方案", day(12, 31)),
    ("send quote by Friday EOD", "send quote", day(12, 4)),
    ("send quote by end of month", "send quote", day(12, 31)),
    ("send quote before EOW", "send quote", day(12, 4)),
    ("send quote by Dec 5", "send quote", day(12, 5)),
    ("renew by Jan 15", "renew", day(1, 15, 2027)),
    ("send quote by Fri to Bob", "send quote to Bob", day(12, 4)),
    ("call back by tonight", "call back", at(12, 2, 20)),
    ("send quote due Fri", "send quote", day(12, 4)),
    ("sign by the 15th", "sign", day(12, 15)),
]


@pytest.mark.parametrize(("text", "step", "when"), DEADLINES)
def test_find_deadline_leaves_no_by_or_before(text: str, step: str, when: When) -> None:
    assert find_deadline(text, now=WED, tz=SH) == (step, when)


TRAILING = [
    ("确认需求 下下周一", "确认需求 ", day(12, 14)),
    ("确认需求下下周一", "确认需求", day(12, 14)),
    ("回电 明早", "回电 ", at(12, 3, 9)),
    ("发报价 今晚", "发报价 ", at(12, 2, 20)),
    ("send quote tonight", "send quote ", at(12, 2, 20)),
    ("renew Jan 15", "renew ", day(1, 15, 2027)),
    ("sign 5 Dec", "sign ", day(12, 5)),
    ("call tomorrow morning", "call ", at(12, 3, 9)),
]


@pytest.mark.parametrize(("text", "head", "when"), TRAILING)
def test_find_trailing_leaves_no_stray_characters(text: str, head: str, when: When) -> None:
    hit = find_trailing(text, now=WED, tz=SH)
    assert hit is not None
    assert (text[: hit[0]], hit[1]) == (head, when)


HINTS = [
    ("下旬前签合同", "下旬前"),
    ("节前发方案", "节前"),
    ("春节假期过完回访", "春节"),
    ("两三天内回复", "两三天内"),
    ("本季度末前给答复", "本季度末前"),
    ("send the SOW by end of Q1", "end of Q1"),
    ("call them later this week", "this week"),
    ("send it mid-year", "mid-year"),
    ("call in a couple of weeks", "in a couple of weeks"),
]


@pytest.mark.parametrize(("text", "hint"), HINTS)
def test_date_hint_finds_unread_deadlines(text: str, hint: str) -> None:
    assert date_hint(text) == hint


@pytest.mark.parametrize(
    "text",
    [
        "确认交付周期",
        "跟进Q4预算",
        "发方案",
        "每周例会",
        "send the quote by email",
        "send 2-3 references",
        "review the 5-year plan",
        "send deck",
        "",
    ],
)
def test_date_hint_leaves_plain_steps_alone(text: str) -> None:
    assert date_hint(text) is None


# --- the grammar ------------------------------------------------------------------------

MON = datetime(2026, 11, 30, 10, 0, tzinfo=SH)  # a Monday
CTX = ParseContext(now=MON, tz=SH, is_customer=lambda n: n in ("Acme", "华为"), pipeline=Pipeline())
FRI = {"due": datetime(2026, 12, 4, tzinfo=SH), "due_all_day": True}

MARKERS = [
    "/记录 华为 电话 聊了 下一步：周五前发方案",
    "/记录 华为 电话 聊了 下一步:周五前发方案",
    "/记录 华为 电话 聊了 下一步，周五前发方案",
    "/记录 华为 电话 聊了 下一步 周五前发方案",
    "/记录 华为 电话 聊了 下一步-周五前发方案",
    "/记录 华为 电话 聊了 下一步 - 周五前发方案",
    "/记录 华为 电话 聊了 下一步周五前发方案",
    "/记录 华为 电话 聊了。下一步：周五前发方案",
    "/log Acme call talked Next step: 发方案 by Fri",
    "/log Acme call talked next step - 发方案 by Fri",
    "/log Acme call talked next: 发方案 by Fri",
    "/log Acme call talked Next steps: 发方案 by Fri",
    "/log Acme call talked NEXT STEP, 发方案 by Fri",
]


@pytest.mark.parametrize("text", MARKERS)
def test_next_step_markers(text: str) -> None:
    got = parse(text, CTX)
    assert isinstance(got, LogTouch), got
    assert (got.next_step, got.due, got.due_all_day) == ("发方案", FRI["due"], True)
    assert got.notes in ("聊了", "聊了。", "talked")


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("/log Acme call talked next: send the SOW by end of Q1", "end of Q1"),
        ("/记录 华为 电话 聊了 下一步：下旬前签合同", "下旬前"),
        ("/task Acme send quote in a couple of weeks", "in a couple of weeks"),
        ("/待办 华为 签合同 改天", "改天"),
        ("/minutes Acme Agreed. - @bob send the SOW mid-year", "mid-year"),
        ("/纪要 华为 已确认。 - @小李 两三天内回复", "两三天内"),
        ("/会议 华为 下旬 14:00", "下旬"),
        ("/待办 T5 下旬", "下旬"),
    ],
)
def test_an_unread_deadline_is_asked_back(text: str, hint: str) -> None:
    got = parse(text, CTX)
    assert isinstance(got, i.ParseError), got
    assert (got.code, dict(got.params)["text"]) == ("unread_date", hint)


def test_only_a_step_without_any_date_words_has_no_due() -> None:
    got = parse("/log Acme call talked next: send deck", CTX)
    assert isinstance(got, LogTouch)
    assert (got.next_step, got.due) == ("send deck", None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/task T5 Fri", TaskReschedule(task_id=5, **FRI)),
        ("/待办 T5 周五", TaskReschedule(task_id=5, **FRI)),
        ("/待办 t5 周五前", TaskReschedule(task_id=5, **FRI)),
        ("/待办 T5 改到周五", TaskReschedule(task_id=5, **FRI)),
        ("/task T5 by EOW", TaskReschedule(task_id=5, **FRI)),
        ("/task T5 to Friday EOD", TaskReschedule(task_id=5, **FRI)),
        (
            "/task T5 tomorrow 3pm",
            TaskReschedule(task_id=5, due=datetime(2026, 12, 1, 15, 0, tzinfo=SH)),
        ),
        (
            "/待办 T5 下个月初",  # said on Mon Nov 30
            TaskReschedule(task_id=5, due=datetime(2026, 12, 1, tzinfo=SH), due_all_day=True),
        ),
    ],
)
def test_reschedule_parses(text: str, expected: i.Intent) -> None:
    assert parse(text, CTX) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("/task T5", "missing_when"),
        ("/task T5 later", "missing_when"),
        ("/task T5 send quote Fri", "bad_reschedule"),
        ("/待办 T5 发方案 周五前", "bad_reschedule"),
        ("/待办 T5 2月30日", "bad_date"),
    ],
)
def test_reschedule_errors(text: str, code: str) -> None:
    got = parse(text, CTX)
    assert isinstance(got, i.ParseError), got
    assert (got.code, got.command) == (code, "task")


def test_a_customer_called_like_a_task_id_still_gets_tasks() -> None:
    ctx = ParseContext(now=MON, tz=SH, is_customer=lambda n: n == "T5", pipeline=Pipeline())
    assert parse("/task T5 call back Fri", ctx) == TaskAdd(
        customer=i.CustomerRef(name="T5"), text="call back", **FRI
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("/meeting Acme tomorrow 15:00 0m", "zero"),
        ("/meeting Acme tomorrow 15:00 0 min", "zero"),
        ("/meeting Acme tomorrow 15:00 -30m", "negative"),
        ("/meeting Acme tomorrow 15:00 25h", "too_long"),
        ("/meeting Acme tomorrow 15:00 2 days", "too_long"),
        ("/会议 华为 明天 14:00 0分钟", "zero"),
        ("/会议 华为 明天 14:00 -30分钟", "negative"),
        ("/会议 华为 明天 14:00 25小时", "too_long"),
        ("/会议 华为 明天 14:00 3天", "too_long"),
    ],
)
def test_meeting_length_out_of_range_is_named(text: str, problem: str) -> None:
    got = parse(text, CTX)
    assert isinstance(got, i.ParseError), got
    assert (got.code, got.command, dict(got.params)["problem"]) == (
        "bad_duration",
        "meeting",
        problem,
    )


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("/meeting Acme tomorrow 15:00 90 min", 90),
        ("/meeting Acme tomorrow 15:00 2 hours", 120),
        ("/meeting Acme tomorrow 15:00 1 day", 1440),
        ("/会议 华为 明天 14:00 90 分钟", 90),
        ("/会议 华为 月底 14:00 1小时", 60),
    ],
)
def test_meeting_lengths_in_two_words(text: str, minutes: int) -> None:
    got = parse(text, CTX)
    assert isinstance(got, MeetingAdd), got
    assert got.duration.total_seconds() == minutes * 60


# --- end to end: the real Bot on a real store -------------------------------------------


def tasks(chat: Chat) -> list[Task]:
    with chat.bot.sessions() as s:
        return list(s.scalars(select(Task).order_by(Task.id)))


def count(chat: Chat, model) -> int:  # type: ignore[no-untyped-def]
    with chat.bot.sessions() as s:
        return len(list(s.scalars(select(model))))


@pytest.fixture
def zh(sessions):  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz="Asia/Shanghai", locale="zh_CN", now="2026-12-02 10:30")
    chat.say("老板", "/团队 华东 @王经理 @小李 @小张")
    return chat


@pytest.fixture
def en(sessions):  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-02 10:30")
    chat.say("boss", "/team east @bob @alice @carl")
    chat.say("boss", "/team west @wendy @dave")
    return chat


def test_month_end_action_item_is_read_not_defaulted(zh: Chat) -> None:
    reply = zh.say("小李", "/纪要 华为 确认了部署范围。 - @王经理 月底前安排高层拜访")
    assert "• T1 @王经理：安排高层拜访 — 截止 12月31日 周四\n" in reply + "\n"
    assert "默认" not in reply
    [task] = tasks(zh)
    assert (task.text, task.due_all_day) == ("安排高层拜访", True)
    assert task.due_at == datetime(2026, 12, 31, tzinfo=SH)


def test_month_end_next_step_is_read_not_defaulted_zh(zh: Chat) -> None:
    reply = zh.say("小李", "/记录 华为 电话 聊了 下一步：月底前签合同")
    assert "下一步 T1：签合同 — 截止 12月31日 周四" in reply
    assert "默认" not in reply
    assert [(t.text, t.due_at, t.due_all_day) for t in tasks(zh)] == [
        ("签合同", datetime(2026, 12, 31, tzinfo=SH), True)
    ]


def test_month_end_next_step_is_read_not_defaulted_en(en: Chat) -> None:
    reply = en.say("alice", "/log Acme call talked next: sign the contract by end of month")
    assert "Next step T1: sign the contract — due Thu Dec 31" in reply
    assert "no date given" not in reply
    assert [(t.text, t.due_at, t.due_all_day) for t in tasks(en)] == [
        ("sign the contract", datetime(2026, 12, 31, tzinfo=UTC), True)
    ]


UNREAD = [
    (
        "小李",
        "/记录 华为 电话 聊了 下一步：下旬前签合同",
        "“下旬前”像是截止时间，但我看不懂，本条未保存",
    ),
    ("小李", "/待办 华为 签合同 改天", "“改天”像是截止时间"),
    ("小李", "/纪要 华为 已确认。 - @王经理 两三天内回复", "“两三天内”像是截止时间"),
    ("小李", "/会议 华为 下旬 14:00", "“下旬”像是截止时间"),
    (
        "alice",
        "/log Acme call talked next: send the SOW by end of Q1",
        "“end of Q1” looks like a date, but I can't read it, so nothing was saved",
    ),
    ("alice", "/task Acme send quote in a couple of weeks", "“in a couple of weeks” looks like"),
    (
        "alice",
        "/minutes Acme Agreed. - @bob send the SOW mid-year",
        "“mid-year” looks like a date",
    ),
]


@pytest.mark.parametrize(("who", "line", "says"), UNREAD)
def test_an_unread_deadline_is_asked_back_with_the_line(
    sessions, request: pytest.FixtureRequest, who: str, line: str, says: str
) -> None:  # type: ignore[no-untyped-def]
    zh = who == "小李"
    chat = request.getfixturevalue("zh" if zh else "en")
    reply = chat.say(who, line)
    assert says in reply
    assert ("你发送的内容：" if zh else "You wrote: ") + line in reply
    assert ("月底前" if zh else "end of month") in reply  # the forms that work
    assert (count(chat, Activity), count(chat, Task), count(chat, Meeting)) == (0, 0, 0)


def test_no_date_words_at_all_default_to_the_next_working_day_and_say_so_en(en: Chat) -> None:
    en.at("2026-12-04 16:00")  # a Friday
    reply = en.say("alice", "/log Acme call talked. next: send deck")
    assert "due Mon Dec 7 (no date given: next working day)" in reply
    reply = en.say("alice", "/minutes Acme Agreed. - @bob book the room")
    assert "@bob: book the room — due Mon Dec 7 (no date given: next working day)" in reply
    assert [(t.due_at, t.due_all_day) for t in tasks(en)] == [
        (datetime(2026, 12, 7, tzinfo=UTC), True)
    ] * 2


def test_no_date_words_at_all_default_to_the_next_working_day_and_say_so_zh(zh: Chat) -> None:
    zh.at("2026-12-04 16:00")
    reply = zh.say("小李", "/纪要 华为 已确认。 - @小张 跟进合同")
    assert "跟进合同 — 截止 12月7日 周一（未写时间，默认下一个工作日）" in reply
    reply = zh.say("小李", "/记录 华为 电话 聊了 下一步：发合同")
    assert "发合同 — 截止 12月7日 周一（未写时间，默认下一个工作日）" in reply
    assert [(t.due_at, t.due_all_day) for t in tasks(zh)] == [
        (datetime(2026, 12, 7, tzinfo=SH), True)
    ] * 2


def test_whole_days_and_moments_are_stored_as_written(zh: Chat) -> None:
    for line in [
        "/待办 华为 发方案 周五",
        "/待办 华为 签合同 月底前",
        "/待办 华为 确认需求 下下周一",
        "/记录 华为 电话 聊了 下一步：周五下班前发方案",
        "/待办 华为 回电 明天下午3点",
        "/待办 华为 发报价 今晚",
        "/待办 华为 回访 明早",
    ]:
        zh.say("小李", line)
    got = [(t.text, t.due_at.astimezone(SH).replace(tzinfo=None), t.due_all_day) for t in tasks(zh)]
    assert got == [
        ("发方案", datetime(2026, 12, 4), True),
        ("签合同", datetime(2026, 12, 31), True),
        ("确认需求", datetime(2026, 12, 14), True),  # no stray 下, not a week early
        ("发方案", datetime(2026, 12, 4), True),
        ("回电", datetime(2026, 12, 3, 15, 0), False),
        ("发报价", datetime(2026, 12, 2, 20, 0), False),
        ("回访", datetime(2026, 12, 3, 9, 0), False),
    ]
    listing = zh.say("小李", "/待办")
    assert "确认需求 — 截止 12月14日 周一\n" in listing
    assert "回电 — 截止 12月3日 周四 15:00" in listing


def test_a_date_in_the_past_is_taken_with_a_note_en(en: Chat) -> None:
    reply = en.say("alice", "/task Acme send quote 2026-11-27")
    assert "due Fri Nov 27 (that was 5 days ago; to move it: /task T1 <new date>)" in reply
    assert "that was 1 day ago" in en.say("alice", "/log Acme call hi next: call back yesterday")
    assert "(60 min; that was 1 day ago)" in en.say("alice", "/meeting Acme yesterday 3pm")
    assert "that was 2 hours ago" in en.say("alice", "/task Acme call today 8am")
    assert "ago" not in en.say("alice", "/task Acme send quote Fri")
    assert len(tasks(en)) == 4  # accepted, with the note


def test_a_date_in_the_past_is_taken_with_a_note_zh(zh: Chat) -> None:
    reply = zh.say("小李", "/待办 华为 回访 本周一")
    assert "截止 11月30日 周一（那是2天前；如需改期：/待办 T1 <新的时间>）" in reply
    assert "（那是1小时前；" in zh.say("小李", "/待办 华为 发方案 今天上午9点")
    assert "回访 — 截止 11月30日 周一（那是2天前；" in zh.say(
        "小李", "/纪要 华为 已确认。 - @小张 本周一前回访"
    )
    # a month and day without a year is the next one to come: shown with its year
    assert "截止 2027年11月29日 周一\n" in zh.say("小李", "/待办 华为 回访 11月29日") + "\n"
    assert "那是" not in zh.say("小李", "/待办 华为 发方案 今天下午3点")
    assert len(tasks(zh)) == 5


def test_a_date_in_another_year_shows_its_year_en(en: Chat) -> None:
    assert "— due Fri Jan 15, 2027\n" in en.say("alice", "/task Acme renew Jan 15") + "\n"
    assert "— due Fri Dec 4\n" in en.say("alice", "/task Acme send quote Fri") + "\n"
    assert "renew — due Fri Jan 15, 2027" in en.say("alice", "/tasks")
    assert "on Tue Jan 5, 2027 10:00" in en.say("alice", "/meeting Acme 2027-01-05 10:00")


def test_a_date_in_another_year_shows_its_year_zh(zh: Chat) -> None:
    reply = zh.say("小李", "/待办 华为 续约 1月15日")
    assert "续约 — 截止 2027年1月15日 周五" in reply
    assert "2026年" not in zh.say("小李", "/待办 华为 发方案 周五")
    reply = zh.say("小李", "/会议 华为 2027年1月5日 10:00")
    assert "2027年1月5日 周二 10:00" in reply


def test_reschedule_by_id_says_from_when_to_when_en(en: Chat) -> None:
    en.say("alice", "/log Acme call talked next: sign by end of month")
    reply = en.say("alice", "/task T1 Fri")
    assert reply == "✓ T1 sign: due date moved from Thu Dec 31 to Fri Dec 4."
    reply = en.say("alice", "/task T1 tomorrow 3pm")
    assert reply == "✓ T1 sign: due date moved from Fri Dec 4 to Thu Dec 3 15:00."
    [task] = tasks(en)
    assert (task.due_at, task.due_all_day) == (datetime(2026, 12, 3, 15, 0, tzinfo=UTC), False)


def test_reschedule_by_id_says_from_when_to_when_zh(zh: Chat) -> None:
    zh.say("小李", "/待办 华为 签合同 月底前")
    reply = zh.say("小李", "/待办 T1 周五")
    assert reply == "✓ T1 签合同：截止时间已从 12月31日 周四 改为 12月4日 周五。"
    reply = zh.say("小李", "/待办 T1 改到下个月初")
    # 下个月初 lands on 元旦: kept, and the reply says it is not a working day
    assert (
        reply
        == "✓ T1 签合同：截止时间已从 12月4日 周五 改为 2027年1月1日 周五（1月1日是节假日：元旦）。"
    )
    assert "那是1天前" in zh.say("小李", "/待办 T1 昨天")
    [task] = tasks(zh)
    assert (task.due_at, task.due_all_day) == (datetime(2026, 12, 1, tzinfo=SH), True)


def test_reschedule_clears_a_snooze(en: Chat) -> None:
    en.say("alice", "/task Acme send quote today")
    en.click("alice", "task.snooze:1")
    assert tasks(en)[0].snoozed_until is not None
    en.say("alice", "/task T1 Fri")
    assert tasks(en)[0].snoozed_until is None


def test_reschedule_reaches_what_done_reaches(en: Chat) -> None:
    en.say("alice", "/task Acme send quote Fri")
    unknown = en.say("dave", "/task T99 Mon")
    assert unknown == "There is no task T99 that you can change."
    # out of reach is answered exactly like an unknown id, and changes nothing
    assert en.say("dave", "/task T1 Mon") == unknown.replace("T99", "T1")
    assert en.click("dave", "task.done:1") == unknown.replace("T99", "T1")
    assert tasks(en)[0].due_at == datetime(2026, 12, 4, tzinfo=UTC)
    # the manager of alice's team may move it, as he may press Done on it
    assert "moved from Fri Dec 4 to Mon Dec 7" in en.say("bob", "/task T1 Mon")
    en.click("alice", "task.done:1")
    assert en.say("alice", "/task T1 Tue") == "T1 was already done."


def test_reschedule_out_of_reach_in_chinese(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz="Asia/Shanghai", locale="zh_CN", now="2026-12-02 10:30")
    chat.say("老板", "/团队 华东 @王经理 @小李")
    chat.say("老板", "/团队 华南 @陈经理 @小赵")
    chat.say("小李", "/待办 华为 发方案 周五")
    assert chat.say("小赵", "/待办 T1 下周一") == "没有你可以修改的待办 T1。"
    assert chat.say("小赵", "/待办 T9 下周一") == "没有你可以修改的待办 T9。"
    assert tasks(chat)[0].due_at == datetime(2026, 12, 4, tzinfo=SH)
    assert "截止时间已从 12月4日 周五 改为 12月7日 周一" in chat.say("王经理", "/待办 T1 下周一")


@pytest.mark.parametrize(
    "line",
    [
        "/记录 华为 电话 聊了 下一步：周五前发方案",
        "/记录 华为 电话 聊了 下一步，周五前发方案",
        "/记录 华为 电话 聊了 下一步 周五前发方案",
        "/记录 华为 电话 聊了 下一步-周五前发方案",
        "/记录 华为 电话 聊了 下一步周五前发方案",
        "/log 华为 call talked Next step: 发方案 by Fri",
        "/log 华为 call talked next step - 发方案 by Fri",
        "/log 华为 call talked next: 发方案 by Fri",
    ],
)
def test_next_step_markers_make_a_task(zh: Chat, line: str) -> None:
    zh.say("小李", line)
    assert [(t.text, t.due_at, t.due_all_day) for t in tasks(zh)] == [
        ("发方案", datetime(2026, 12, 4, tzinfo=SH), True)
    ]


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("/meeting Acme tomorrow 15:00 0m", "“0m” is a meeting of no length"),
        ("/meeting Acme tomorrow 15:00 -30m", "“-30m” is a negative length"),
        ("/meeting Acme tomorrow 15:00 25h", "“25h” is longer than a day"),
        ("/会议 华为 明天 14:00 0分钟", "“0分钟”的会议时长为零"),
        ("/会议 华为 明天 14:00 -30分钟", "“-30分钟”是负的时长"),
        ("/会议 华为 明天 14:00 25小时", "“25小时”超过了一天"),
    ],
)
def test_meeting_length_problems_are_named(
    sessions, request: pytest.FixtureRequest, line: str, says: str
) -> None:  # type: ignore[no-untyped-def]
    zh = line.startswith("/会议")
    chat = request.getfixturevalue("zh" if zh else "en")
    reply = chat.say("小李" if zh else "alice", line)
    assert says in reply
    assert line in reply
    assert count(chat, Meeting) == 0


def test_the_tours_show_month_end_and_a_reschedule(tmp_path: Path) -> None:
    def run(name: str, *args: str) -> str:
        script = (ROOT / "examples" / name).read_text()
        done = subprocess.run(
            [str(DEALBOT), "console", "--db", str(tmp_path / f"{name}.db"), *args],
            input=script,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
            check=True,
        )
        return done.stdout

    zh = run("tour_zh.txt", "--tz", "Asia/Shanghai")
    assert "[小张] /记录 中兴 电话 客户同意试点 下一步：月底前签合同\n" in zh
    assert "下一步 T7：签合同 — 截止 12月31日 周四" in zh
    assert (
        "[小张] /待办 T7 下个月初\ndealbot: ✓ T7 签合同：截止时间已从 12月31日 周四 改为 2027年1月1日 周五"
        "（1月1日是节假日：元旦）。" in zh
    )
    assert "“下旬前”像是截止时间" in zh
    en = run("tour.txt")
    assert "Next step T6: sign the contract — due Thu Dec 31" in en
    assert (
        "[carl] /task T6 Jan 15\ndealbot: ✓ T6 sign the contract: due date moved from Thu Dec 31 to Fri Jan 15, 2027."
        in en
    )
    assert "“end of Q1” looks like a date" in en


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_whole_day_given_to_someone_in_another_zone_is_their_day(sessions, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Alice in Shanghai gives bob, in New York, a step "by Fri": it is bob's Friday (reminded
    and overdue by his working day), not the Thursday evening it is in New York when Friday
    begins in Shanghai; a reschedule keeps the same rule."""
    from sqlalchemy import select as sel

    from bot import deadlines
    from storage.models import Person, Task

    chat = Chat(sessions, tz="Asia/Shanghai", locale=lang, now="2026-11-30 10:00")
    chat.say("boss", "/help")
    chat.say("boss", "/team east @alice @bob")
    chat.say("bob", "/help")
    with sessions.begin() as s:
        s.scalars(
            sel(Person).where(Person.display_name == "bob")
        ).one().timezone = "America/New_York"
    line = (
        "/minutes Acme Agreed. - @bob send the deck by Fri"
        if lang == "en"
        else "/纪要 华为 达成一致。 - @bob 周五前发材料"
    )
    chat.say("alice", line)
    with sessions() as s:
        task = s.scalars(sel(Task)).one()
        assert task.due_all_day
        assert deadlines.due_day(task, "America/New_York").isoformat() == "2026-12-04"
        assert deadlines.due_day(task, "Asia/Shanghai").isoformat() == "2026-12-04"
    chat.say("alice", f"/task T{task.id} Tue" if lang == "en" else f"/待办 T{task.id} 周二")
    with sessions() as s:
        task = s.scalars(sel(Task)).one()
        assert deadlines.due_day(task, "America/New_York").isoformat() == "2026-12-01"


# Issue 18, item 1: the deadlines people write are stored, and kept out of the task's title
def test_deadline_phrases_are_stored_and_kept_out_of_the_title_zh(zh: Chat) -> None:
    zh.at("2026-12-28 10:00")  # a Monday
    zh.say("小李", "/待办 华为 明天一早回电")
    zh.say("小李", "/记录 华为 电话 聊了 下一步：这周内发报价")
    zh.say("小李", "/待办 华为 半个月内 验收")
    zh.say("小李", "/待办 华为 年前回款")
    zh.say("小李", "/待办 华为 发合同 1.8号")
    zh.say("小李", "/记录 华为 电话 聊了 下一步：12.31前签合同")
    assert [(t.text, t.due_at, t.due_all_day) for t in tasks(zh)] == [
        ("回电", datetime(2026, 12, 29, 9, 0, tzinfo=SH), False),
        ("发报价", datetime(2027, 1, 1, tzinfo=SH), True),
        ("验收", datetime(2027, 1, 12, tzinfo=SH), True),
        ("回款", datetime(2027, 2, 4, tzinfo=SH), True),
        ("发合同", datetime(2027, 1, 8, tzinfo=SH), True),
        ("签合同", datetime(2026, 12, 31, tzinfo=SH), True),
    ]


def test_deadline_phrases_are_stored_and_kept_out_of_the_title_en(en: Chat) -> None:
    en.at("2026-12-24 10:00")  # a Thursday, Christmas Eve
    en.say("alice", "/task Acme send quote first thing Monday")
    en.say("alice", "/log Acme call talked next: send the deck after Christmas")
    en.say("alice", "/task Acme call back within 48 hours")
    en.say("alice", "/task Acme renew mid-Jan")
    assert [(t.text, t.due_at, t.due_all_day) for t in tasks(en)] == [
        ("send quote", datetime(2026, 12, 28, 9, 0, tzinfo=UTC), False),
        ("send the deck", datetime(2026, 12, 28, tzinfo=UTC), True),
        ("call back", datetime(2026, 12, 26, 10, 0, tzinfo=UTC), False),
        ("renew", datetime(2027, 1, 15, tzinfo=UTC), True),
    ]


def test_asap_is_the_next_working_day_said_as_a_guess(zh: Chat, en: Chat) -> None:
    zh.at("2026-12-28 10:00")
    reply = zh.say("小李", "/待办 华为 尽快发报价")
    assert "发报价 — 截止 12月29日 周二（尽快 → 按下一个工作日，是推测的" in reply
    reply = zh.say("小李", "/记录 华为 电话 聊了 下一步：尽快发合同")
    assert "发合同 — 截止 12月29日 周二（尽快 → 按下一个工作日，是推测的）" in reply
    reply = zh.say("小李", "/纪要 华为 已确认。 - @小张 尽快寄样品")
    assert "@小张：寄样品 — 截止 12月29日 周二（尽快 → 按下一个工作日，是推测的）" in reply
    en.at("2026-12-28 10:00")
    reply = en.say("alice", "/log Acme call talked next: send quote ASAP")
    assert "send quote — due Tue Dec 29 (ASAP → next working day, a guess)" in reply
    reply = en.say("alice", "/task Acme send the deck asap")
    assert "send the deck — due Tue Dec 29 (ASAP → next working day, a guess" in reply
    assert [(t.text, t.due_all_day) for t in tasks(zh)] == [  # one store for both chats
        ("发报价", True),
        ("发合同", True),
        ("寄样品", True),
        ("send quote", True),
        ("send the deck", True),
    ]


def test_a_refusal_quotes_the_whole_phrase_and_corrects_the_users_own_line(
    zh: Chat, en: Chat
) -> None:
    reply = zh.say("小李", "/待办 华为 签合同 下旬前")
    assert "“下旬前”像是截止时间" in reply
    assert "例如：\n/待办 华为 签合同 周五前\n" in reply
    assert "正确写法" not in reply  # not a fixed 华为 example: the user's own line
    reply = en.say("alice", "/task Acme follow up in a couple of weeks")
    assert "“in a couple of weeks” looks like a date" in reply
    assert "For example:\n/task Acme follow up by Fri\n" in reply
    assert (count(zh, Task), count(en, Task)) == (0, 0)
    assert "发方案" in zh.say("小李", "/待办 华为 发方案 周五前")  # the line handed back works
