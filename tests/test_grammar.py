"""Command grammar tables: chat text → intent (or the error a user gets), en and zh."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot import intents as i
from bot.commands import parse
from bot.commands.answered import Answered
from bot.commands.customer import CustomerAliasAdd, CustomerShow
from bot.commands.deal import DealCommand
from bot.commands.digest_view import DigestView
from bot.commands.handover import Handover
from bot.commands.help import Help
from bot.commands.link import Link
from bot.commands.log import LogTouch
from bot.commands.meeting import MeetingAdd
from bot.commands.minutes import ActionItem, MinutesAdd
from bot.commands.pipeline_view import PipelineView
from bot.commands.progress import ProgressView
from bot.commands.question import QuestionAdd
from bot.commands.req import ReqAdd, ReqRevise
from bot.commands.role import RoleSet
from bot.commands.target import TargetSet
from bot.commands.task import TaskAdd
from bot.commands.tasks import TaskList
from bot.commands.team import TeamSet
from bot.grammar.line import ParseContext
from bot.parse.amounts import Amount
from bot.parse.dates import Days
from bot.pipeline import Pipeline

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=SH)  # a Monday
KNOWN = {"acme corp", "acme", "华为", "big blue inc", "中国移动 广东"}
CTX = ParseContext(now=NOW, tz=SH, is_customer=lambda n: n.casefold() in KNOWN, pipeline=Pipeline())


def at(day: int, hour: int = 9, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def whole(day: int, month: int = 12, year: int = 2026) -> dict:
    """A deadline without a time: the whole day, stored as its 00:00 with the flag."""
    return {"due": datetime(year, month, day, tzinfo=SH), "due_all_day": True}


def cust(name: str, quoted: bool = False) -> i.CustomerRef:
    return i.CustomerRef(name=name, quoted=quoted)


def log(
    name,
    text,
    notes,
    type="note",
    next_step=None,
    due=None,
    tags=(),
    deal_ref=None,
    quoted=False,
    due_all_day=False,
):  # type: ignore[no-untyped-def]
    return LogTouch(
        customer=cust(name, quoted),
        deal_ref=deal_ref,
        type=type,
        text=text,
        notes=notes,
        next_step=next_step,
        due=due,
        tags=tags,
        due_all_day=due_all_day,
    )


def deal(name, verb, **kw):  # type: ignore[no-untyped-def]
    return DealCommand(
        customer=cust(name),
        deal_ref=kw.pop("deal_ref", None),
        verb=verb,
        **kw,
    )


LOG = [
    (
        "/log Acme call Discussed pricing for 40 seats; they need SSO first. next: send quote by Tue #pricing",
        log(
            "Acme",
            "Discussed pricing for 40 seats; they need SSO first. next: send quote by Tue #pricing",
            "Discussed pricing for 40 seats; they need SSO first.",
            "call",
            "send quote",
            tags=("pricing",),
            **whole(1),
        ),
    ),
    (
        '/log "Acme Corp" visit Met the CTO, demo went well',
        log(
            "Acme Corp",
            "Met the CTO, demo went well",
            "Met the CTO, demo went well",
            "visit",
            quoted=True,
        ),
    ),
    ("/log Acme Corp visit Met the CTO", log("Acme Corp", "Met the CTO", "Met the CTO", "visit")),
    ("/log Big Blue Inc email sent deck", log("Big Blue Inc", "sent deck", "sent deck", "email")),
    (
        "/log Initech call intro call",
        log("Initech", "intro call", "intro call", "call"),
    ),
    (
        "/log Acme D12 call about the renewal",
        log("Acme", "about the renewal", "about the renewal", "call", deal_ref=12),
    ),
    (
        "/log Acme chat pinged on WeChat next: call back tomorrow 3pm",
        log(
            "Acme",
            "pinged on WeChat next: call back tomorrow 3pm",
            "pinged on WeChat",
            "chat",
            "call back",
            at(1, 15),
        ),
    ),
    (
        "/log Acme note budget frozen until Q2 #risk #budget",
        log(
            "Acme",
            "budget frozen until Q2 #risk #budget",
            "budget frozen until Q2",
            "note",
            tags=("risk", "budget"),
        ),
    ),
    ("/log Acme CALL caps type", log("Acme", "caps type", "caps type", "call")),
    ("/log Acme talked at the fair", log("Acme", "talked at the fair", "talked at the fair")),
    (
        "/log Acme call talked next: send deck",
        log("Acme", "talked next: send deck", "talked", "call", "send deck"),
    ),
    (
        "/log Acme call talked NEXT: demo before Fri",
        log("Acme", "talked NEXT: demo before Fri", "talked", "call", "demo", **whole(4)),
    ),
    (
        "/log Acme call talked next: send quote by 12-05 15:00",
        log(
            "Acme",
            "talked next: send quote by 12-05 15:00",
            "talked",
            "call",
            "send quote",
            at(5, 15),
        ),
    ),
    ("/dealbot log Acme call via fallback", log("Acme", "via fallback", "via fallback", "call")),
    (
        "/记录 华为 拜访 客户关注交付周期和私有化部署 下一步：周五前发方案 #交付",
        log(
            "华为",
            "客户关注交付周期和私有化部署 下一步：周五前发方案 #交付",
            "客户关注交付周期和私有化部署",
            "visit",
            "发方案",
            tags=("交付",),
            **whole(4),
        ),
    ),
    (
        "/跟进 华为 电话 沟通了报价 下一步: 明天下午3点回电",
        log("华为", "沟通了报价 下一步: 明天下午3点回电", "沟通了报价", "call", "回电", at(1, 15)),
    ),
    ("/记录 华为 微信 发了资料", log("华为", "发了资料", "发了资料", "chat")),
    (
        "/记录 中国移动 广东 拜访 见了信息部",
        log("中国移动 广东", "见了信息部", "见了信息部", "visit"),
    ),
    (
        "/记录 “华为技术” 邮件 发了报价",
        log("华为技术", "发了报价", "发了报价", "email", quoted=True),
    ),
    ("／记录 华为 备注 全角斜杠", log("华为", "全角斜杠", "全角斜杠", "note")),
    (
        "/记录 华为 电话 聊了 下一步：发合同 12月5日前",
        log("华为", "聊了 下一步：发合同 12月5日前", "聊了", "call", "发合同", **whole(5)),
    ),
    (
        "/记录 华为 拜访 交流 下一步：下周一上午10点复盘",
        log("华为", "交流 下一步：下周一上午10点复盘", "交流", "visit", "复盘", at(7, 10)),
    ),
]

DEAL = [
    (
        "/deal Acme new 40-seat license 120k",
        deal("Acme", "new", title="40-seat license", amount=Amount(Decimal(120000), None)),
    ),
    (
        "/deal Acme new pilot $30k",
        deal("Acme", "new", title="pilot", amount=Amount(Decimal(30000), "USD")),
    ),
    ("/deal Acme new", deal("Acme", "new", title="", amount=None)),
    ("/deal Acme new renewal", deal("Acme", "new", title="renewal", amount=None)),
    ("/deal Acme stage proposal", deal("Acme", "stage", stage="proposal")),
    ("/deal Acme stage Proposal", deal("Acme", "stage", stage="proposal")),
    ("/deal Acme stage neg", deal("Acme", "stage", stage="negotiate")),
    ("/deal Acme D3 stage quote", deal("Acme", "stage", stage="quote", deal_ref=3)),
    ("/deal Acme amount 150k", deal("Acme", "amount", amount=Amount(Decimal(150000), None))),
    ("/deal Acme amount ¥120,000", deal("Acme", "amount", amount=Amount(Decimal(120000), "CNY"))),
    ("/deal Acme amount 1.2m", deal("Acme", "amount", amount=Amount(Decimal(1200000), None))),
    ("/deal Acme won", deal("Acme", "won", note="")),
    ("/deal Acme won signed 3 years", deal("Acme", "won", note="signed 3 years")),
    ("/deal Acme lost price too high", deal("Acme", "lost", note="price too high")),
    ("/deal Acme close 12-20", deal("Acme", "close", when=at(20))),
    ("/deal Acme", deal("Acme", "show")),
    ("/deal Acme D7", deal("Acme", "show", deal_ref=7)),
    (
        "/商机 华为 新建 私有化部署项目 50万",
        deal("华为", "new", title="私有化部署项目", amount=Amount(Decimal(500000), "CNY")),
    ),
    ("/商机 华为 阶段 方案递交", deal("华为", "stage", stage="proposal")),
    ("/商机 华为 阶段 签约前沟通", deal("华为", "stage", stage="negotiate")),
    ("/商机 华为 金额 60万", deal("华为", "amount", amount=Amount(Decimal(600000), "CNY"))),
    ("/商机 华为 金额 1.5亿", deal("华为", "amount", amount=Amount(Decimal(150000000), "CNY"))),
    ("/商机 华为 赢单", deal("华为", "won", note="")),
    ("/商机 华为 输单 价格太高", deal("华为", "lost", note="价格太高")),
    ("/商机 华为 预计成交 12月20日", deal("华为", "close", when=at(20))),
    ("/商机 华为 丢单 被竞品替代", deal("华为", "lost", note="被竞品替代")),
]

OTHERS = [
    (
        "/task Acme call back about the pilot tomorrow 3pm",
        TaskAdd(customer=cust("Acme"), text="call back about the pilot", due=at(1, 15)),
    ),
    (
        "/task Acme send contract Fri",
        TaskAdd(customer=cust("Acme"), text="send contract", **whole(4)),
    ),
    (
        "/task Acme send contract next Monday",
        TaskAdd(customer=cust("Acme"), text="send contract", **whole(7)),
    ),
    ("/task Acme renew in 3 days", TaskAdd(customer=cust("Acme"), text="renew", **whole(3))),
    (
        "/task Acme year-end review 2026-12-31 17:00",
        TaskAdd(customer=cust("Acme"), text="year-end review", due=at(31, 17)),
    ),
    (
        "/待办 华为 确认交付周期 明天下午3点",
        TaskAdd(customer=cust("华为"), text="确认交付周期", due=at(1, 15)),
    ),
    (
        "/待办 华为 确认交付周期明天下午3点",
        TaskAdd(customer=cust("华为"), text="确认交付周期", due=at(1, 15)),
    ),
    ("/待办 华为 回访 3天后", TaskAdd(customer=cust("华为"), text="回访", **whole(3))),
    ("/待办 华为 寄样品 后天", TaskAdd(customer=cust("华为"), text="寄样品", **whole(2))),
    ("/task", TaskList(person=None)),
    ("/tasks", TaskList(person=None)),
    ("/tasks @alice", TaskList(person="@alice")),
    ("/待办", TaskList(person=None)),
    ("/待办 @小李", TaskList(person="@小李")),
    (
        "/meeting Acme tomorrow 15:00 60m with @bob",
        MeetingAdd(
            customer=cust("Acme"),
            starts_at=at(1, 15),
            duration=timedelta(minutes=60),
            attendees=("@bob",),
        ),
    ),
    (
        "/meeting Acme Fri 10am",
        MeetingAdd(
            customer=cust("Acme"), starts_at=at(4, 10), duration=timedelta(hours=1), attendees=()
        ),
    ),
    (
        "/meeting Acme 12-05 14:00 1.5h with @bob @carl",
        MeetingAdd(
            customer=cust("Acme"),
            starts_at=at(5, 14),
            duration=timedelta(minutes=90),
            attendees=("@bob", "@carl"),
        ),
    ),
    (
        "/会议 华为 周五 14:00 90分钟 @王经理",
        MeetingAdd(
            customer=cust("华为"),
            starts_at=at(4, 14),
            duration=timedelta(minutes=90),
            attendees=("@王经理",),
        ),
    ),
    (
        "/会议 华为 明天下午3点 1小时 和 @小李",
        MeetingAdd(
            customer=cust("华为"),
            starts_at=at(1, 15),
            duration=timedelta(hours=1),
            attendees=("@小李",),
        ),
    ),
    (
        "/minutes Acme Agreed on SSO scope. - @alice send revised quote by Wed - @bob book the pilot by Fri",
        MinutesAdd(
            customer=cust("Acme"),
            text="Agreed on SSO scope. - @alice send revised quote by Wed - @bob book the pilot by Fri",
            items=(
                ActionItem(owner="@alice", text="send revised quote", **whole(2)),
                ActionItem(owner="@bob", text="book the pilot", **whole(4)),
            ),
        ),
    ),
    (
        "/minutes Acme Pricing agreed, pre-sales call - phase 1 first",
        MinutesAdd(
            customer=cust("Acme"), text="Pricing agreed, pre-sales call - phase 1 first", items=()
        ),
    ),
    (
        "/纪要 华为 确认了部署范围。 - @小张 周三前发修订报价 - @小李 周五前预约试点",
        MinutesAdd(
            customer=cust("华为"),
            text="确认了部署范围。 - @小张 周三前发修订报价 - @小李 周五前预约试点",
            items=(
                ActionItem(owner="@小张", text="发修订报价", **whole(2)),
                ActionItem(owner="@小李", text="预约试点", **whole(4)),
            ),
        ),
    ),
    (  # as Chinese is written: no space after "。" or "；"
        "/纪要 华为 确认了部署范围。- @小张 周三前发修订报价；- @小李 周五前预约试点",
        MinutesAdd(
            customer=cust("华为"),
            text="确认了部署范围。- @小张 周三前发修订报价；- @小李 周五前预约试点",
            items=(
                ActionItem(owner="@小张", text="发修订报价", **whole(2)),
                ActionItem(owner="@小李", text="预约试点", **whole(4)),
            ),
        ),
    ),
    (
        "/question Acme Do you support SAML single sign-on?",
        QuestionAdd(customer=cust("Acme"), text="Do you support SAML single sign-on?"),
    ),
    (
        "/问题 华为 是否支持国产数据库？",
        QuestionAdd(customer=cust("华为"), text="是否支持国产数据库？"),
    ),
    ("/answered 12", Answered(question_id=12)),
    ("/answered Q12", Answered(question_id=12)),
    ("/已答复 #7", Answered(question_id=7)),
    (
        "/req Acme Single sign-on with our Azure AD tenant before go-live confirm @bob @carl",
        ReqAdd(
            customer=cust("Acme"),
            text="Single sign-on with our Azure AD tenant before go-live",
            confirmers=("@bob", "@carl"),
        ),
    ),
    (
        "/req Acme Data stays in the EU",
        ReqAdd(customer=cust("Acme"), text="Data stays in the EU", confirmers=()),
    ),
    (
        "/req R3 SSO and SCIM confirm @bob",
        ReqRevise(requirement_id=3, text="SSO and SCIM", confirmers=("@bob",)),
    ),
    (
        "/需求 华为 支持私有化部署，数据不出机房 确认人 @王经理",
        ReqAdd(customer=cust("华为"), text="支持私有化部署，数据不出机房", confirmers=("@王经理",)),
    ),
    (
        "/需求 华为 支持国产化 确认人：@王经理 @小张",
        ReqAdd(customer=cust("华为"), text="支持国产化", confirmers=("@王经理", "@小张")),
    ),
    ("/pipeline", PipelineView(scope="mine")),
    ("/pipeline mine", PipelineView(scope="mine")),
    ("/pipeline team", PipelineView(scope="team")),
    ("/pipeline @alice", PipelineView(scope="person", person="@alice")),
    ("/漏斗 团队", PipelineView(scope="team")),
    ("/漏斗 全部", PipelineView(scope="all")),
    ("/digest", DigestView()),
    ("/日报", DigestView()),
    ("/progress", ProgressView(person=None, period="week")),
    ("/progress @alice month", ProgressView(person="@alice", period="month")),
    ("/进度 @小李 本月", ProgressView(person="@小李", period="month")),
    ("/进度 本周", ProgressView(person=None, period="week")),
    (
        "/target @alice 2026-12 calls=60 visits=12 won=500k",
        TargetSet(
            person="@alice",
            period="2026-12",
            calls=60,
            visits=12,
            won=Amount(Decimal(500000), None),
        ),
    ),
    (
        "/target @alice week calls=15",
        TargetSet(person="@alice", period="2026-W49", calls=15, visits=None, won=None),
    ),
    (
        "/target @alice 2026-W50 visits=3",
        TargetSet(person="@alice", period="2026-W50", calls=None, visits=3, won=None),
    ),
    (
        "/目标 @小李 2026-12 电话=60 拜访=12 赢单=50万",
        TargetSet(
            person="@小李",
            period="2026-12",
            calls=60,
            visits=12,
            won=Amount(Decimal(500000), "CNY"),
        ),
    ),
    (
        "/handover Acme @alice @carl",
        Handover(customer=cust("Acme"), from_person="@alice", to_person="@carl"),
    ),
    (
        "/交接 华为 @小李 @小张",
        Handover(customer=cust("华为"), from_person="@小李", to_person="@小张"),
    ),
    ("/customer Acme", CustomerShow(customer=cust("Acme"))),
    ("/customer Acme Corp", CustomerShow(customer=cust("Acme Corp"))),
    ("/客户 华为", CustomerShow(customer=cust("华为"))),
    (
        '/customer Acme alias "Acme Inc"',
        CustomerAliasAdd(customer=cust("Acme"), alias="Acme Inc"),
    ),
    ("/客户 华为 别名 华为技术", CustomerAliasAdd(customer=cust("华为"), alias="华为技术")),
    ("/help", Help(topic=None)),
    ("/help log", Help(topic="log")),
    ("/帮助 记录", Help(topic="log")),
    ("/help nonsense", Help(topic=None)),
    ("/role @bob manager", RoleSet(person="@bob", role="manager")),
    ("/角色 @王经理 经理", RoleSet(person="@王经理", role="manager")),
    ("/role @carl admin", RoleSet(person="@carl", role="admin")),
    (
        "/team east @bob @alice @carl",
        TeamSet(name="east", lead="@bob", members=("@alice", "@carl")),
    ),
    (
        "/团队 华东 @王经理 @小李 @小张",
        TeamSet(name="华东", lead="@王经理", members=("@小李", "@小张")),
    ),
    ("/team solo @bob", TeamSet(name="solo", lead="@bob", members=())),
    ("/link Acme", Link(customer=cust("Acme"), channel=None)),
    ("/link #acme-shared Acme", Link(customer=cust("Acme"), channel="#acme-shared")),
    ("/link #C123 Acme", Link(customer=cust("Acme"), channel="#C123")),
    ("/关联 华为", Link(customer=cust("华为"), channel=None)),
    (
        "log Acme call addressed without slash",
        log("Acme", "addressed without slash", "addressed without slash", "call"),
    ),
]

ERRORS = [
    ("", "empty", None),
    ("   ", "empty", None),
    ("/foo bar", "unknown_command", None),
    ("/dealbot frobnicate", "unknown_command", None),
    ("hello there", "not_a_command", None),
    ("你好", "not_a_command", None),
    ("/log", "missing_customer", "log"),
    ("/log @bob call", "missing_customer", "log"),
    ("/log #tag call", "missing_customer", "log"),
    ('/log "" call x', "missing_customer", "log"),
    ("/log Acme", "missing_notes", "log"),
    ("/log Acme call", "missing_notes", "log"),
    ("/log Acme call next: send quote", "missing_notes", "log"),
    ("/log Acme call talked next:", "missing_next_step", "log"),
    ("/log Acme call talked next: send quote by 02-30", "bad_date", "log"),
    ("/记录 华为", "missing_notes", "log"),
    ("/记录 华为 电话 聊了 下一步：", "missing_next_step", "log"),
    ("/deal", "missing_customer", "deal"),
    ("/deal Acme frobnicate", "unknown_deal_verb", "deal"),
    ("/deal Acme stage", "missing_stage", "deal"),
    ("/deal Acme stage signed", "unknown_stage", "deal"),
    ("/deal Acme amount", "bad_amount", "deal"),
    ("/deal Acme amount lots", "bad_amount", "deal"),
    ("/deal Acme amount -5k", "bad_amount", "deal"),
    ("/deal Acme close someday", "missing_when", "deal"),
    ("/deal Acme close 2026-02-30", "bad_date", "deal"),
    ("/商机 华为 阶段 已签", "unknown_stage", "deal"),
    ("/deal Acme stage xyz", "unknown_stage", "deal"),
    ("/商机 华为 金额 很多", "bad_amount", "deal"),
    ("/task Acme call back", "missing_when", "task"),
    ("/task Acme tomorrow", "missing_text", "task"),
    ("/task Acme meet 13-45 25:00", "bad_date", "task"),
    ("/待办 华为 回访", "missing_when", "task"),
    ("/meeting Acme", "missing_when", "meeting"),
    ("/meeting Acme sometime 60m", "missing_when", "meeting"),
    ("/meeting Acme 02-30 10:00", "bad_date", "meeting"),
    ("/meeting Acme tomorrow 25:00", "bad_date", "meeting"),
    ("/会议 华为 某天", "missing_when", "meeting"),
    ("/minutes Acme", "missing_text", "minutes"),
    ("/question Acme", "missing_text", "question"),
    ("/answered", "bad_id", "answered"),
    ("/answered twelve", "bad_id", "answered"),
    ("/answered one 2", "bad_id", "answered"),  # /answered 1 2: question 1, answered "2"
    ("/req Acme", "missing_text", "req"),
    ("/req Acme confirm @bob", "missing_text", "req"),
    ("/req", "missing_customer", "req"),
    ("/pipeline everyone", "bad_scope", "pipeline"),
    ("/progress @alice year", "bad_period", "progress"),
    ("/target alice 2026-12 calls=5", "bad_target", "target"),
    ("/target @alice", "bad_target", "target"),
    ("/target @alice 2026-13 calls=5", "bad_period", "target"),
    ("/target @alice 2026-12 calls=many", "bad_target", "target"),
    ("/target @alice 2026-12 lunches=3", "bad_target", "target"),
    ("/target @alice 2026-12 won=lots", "bad_amount", "target"),
    ("/handover Acme @alice", "bad_handover", "handover"),
    ("/handover Acme @alice @bob @carl", "bad_handover", "handover"),
    ("/handover Acme alice carl", "bad_handover", "handover"),
    ("/customer", "missing_customer", "customer"),
    ("/customer Acme frobnicate", "bad_customer_args", "customer"),
    ("/role @bob boss", "bad_role", "role"),
    ("/role bob manager", "bad_role", "role"),
    ("/role", "bad_role", "role"),
    ("/team", "bad_team", "team"),
    ("/team east", "bad_team", "team"),
    ("/team @bob @alice", "bad_team", "team"),
    ("/team east @bob alice", "bad_team", "team"),
    ("/link", "missing_customer", "link"),
    ("/link Acme extra words", "bad_link", "link"),
]


@pytest.mark.parametrize(("text", "expected"), LOG + DEAL + OTHERS)
def test_parses(text: str, expected: i.Intent) -> None:
    assert parse(text, CTX) == expected


@pytest.mark.parametrize(("text", "code", "command"), ERRORS)
def test_errors_name_the_problem_and_the_command(text: str, code: str, command: str | None) -> None:
    result = parse(text, CTX)
    assert isinstance(result, i.ParseError), result
    assert (result.code, result.command) == (code, command)


def test_next_monday_said_on_a_sunday_is_tomorrow() -> None:
    sunday = ParseContext(
        now=datetime(2026, 11, 29, 20, 0, tzinfo=SH),
        tz=SH,
        is_customer=lambda n: False,
        pipeline=Pipeline(),
    )
    assert parse("/task Acme review next Monday", sunday) == TaskAdd(
        customer=cust("Acme"), text="review", **whole(30, month=11)
    )


def test_year_end_month_day_rolls_into_next_year() -> None:
    eve = ParseContext(
        now=datetime(2026, 12, 31, 18, 0, tzinfo=SH),
        tz=SH,
        is_customer=lambda n: False,
        pipeline=Pipeline(),
    )
    assert parse("/待办 华为 年后回访 1月5日", eve) == TaskAdd(
        customer=cust("华为"),
        text="年后回访",
        **whole(5, month=1, year=2027),
    )


def test_verbatim_text_keeps_full_width_punctuation() -> None:
    result = parse("/记录 华为 电话 客户说：“价格可以再谈”，下周再约", CTX)
    assert isinstance(result, LogTouch)
    assert result.text == "客户说：“价格可以再谈”，下周再约"


# Issue 18: the deadlines people write, in a step; 尽快 / ASAP; a refusal hands back the line.
EVE = ParseContext(
    now=datetime(2026, 12, 31, 10, 0, tzinfo=SH),
    tz=SH,
    is_customer=lambda n: False,
    pipeline=Pipeline(),
    days=Days("CN"),
)


@pytest.mark.parametrize(
    ("text", "what", "due"),
    [
        ("/待办 华为 明天一早回电", "回电", {"due": datetime(2027, 1, 1, 9, tzinfo=SH)}),
        ("/待办 华为 这周内 发报价", "发报价", whole(1, 1, 2027)),
        ("/待办 华为 发合同 1.8号", "发合同", whole(8, 1, 2027)),
        ("/待办 华为 12.31前 签合同", "签合同", whole(31)),
        ("/待办 华为 半个月内 验收", "验收", whole(15, 1, 2027)),
        ("/待办 华为 周末前确认需求", "确认需求", whole(1, 1, 2027)),
        ("/待办 华为 下周末 发方案", "发方案", whole(9, 1, 2027)),
        ("/待办 华为 过两天回访", "回访", whole(2, 1, 2027)),
        ("/待办 华为 节后拜访", "拜访", whole(4, 1, 2027)),
        ("/待办 华为 年前回款", "回款", whole(4, 2, 2027)),
        ("/待办 华为 国庆后第一天回访", "回访", whole(6, 10, 2027)),
        ("/task Acme send quote this week", "send quote", whole(1, 1, 2027)),
        ("/task Acme send quote next wk", "send quote", whole(4, 1, 2027)),
        ("/task Acme call back in two weeks", "call back", whole(14, 1, 2027)),
        (
            "/task Acme call back within 48 hours",
            "call back",
            {"due": datetime(2027, 1, 2, 10, tzinfo=SH)},
        ),
        ("/task Acme renew mid-Jan", "renew", whole(15, 1, 2027)),
        (
            "/task Acme call first thing Monday",
            "call",
            {"due": datetime(2027, 1, 4, 9, tzinfo=SH)},
        ),
    ],
)
def test_a_task_reads_the_deadline_and_keeps_it_out_of_the_title(text, what, due) -> None:
    got = parse(text, EVE)
    assert isinstance(got, TaskAdd), got
    assert (got.text, got.due, got.due_all_day) == (what, due["due"], due.get("due_all_day", False))


def test_a_next_step_reads_the_deadline_and_keeps_it_out_of_the_step() -> None:
    got = parse("/记录 华为 电话 聊了 下一步：明天一早回电", EVE)
    assert isinstance(got, LogTouch), got
    assert (got.next_step, got.due, got.due_all_day) == (
        "回电",
        datetime(2027, 1, 1, 9, tzinfo=SH),
        False,
    )
    got = parse("/记录 华为 电话 聊了 下一步：半个月内验收", EVE)
    assert isinstance(got, LogTouch), got
    assert (got.next_step, got.due, got.due_all_day) == (
        "验收",
        datetime(2027, 1, 15, tzinfo=SH),
        True,
    )


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("/待办 华为 尽快发报价", "发报价"),
        ("/待办 华为 发报价 越快越好", "发报价"),
        ("/task Acme send quote ASAP", "send quote"),
        ("/task Acme send the quote at your earliest convenience", "send the quote"),
    ],
)
def test_asap_is_no_date_but_a_guess_left_to_the_calendar(text: str, what: str) -> None:
    got = parse(text, EVE)
    assert got == TaskAdd(customer=got.customer, text=what, due=None, asap=True)  # type: ignore[union-attr]
    step = parse("/log Acme call talked next: send quote asap", EVE)
    assert isinstance(step, LogTouch)
    assert (step.next_step, step.due, step.asap) == ("send quote", None, True)


@pytest.mark.parametrize(
    ("text", "phrase", "fixed"),
    [
        ("/待办 华为 签合同 下旬前", "下旬前", "/待办 华为 签合同 周五前"),
        ("/待办 华为 本季度末前给答复", "本季度末前", "/待办 华为 周五前给答复"),
        ("/待办 华为 发方案 截止下旬", "截止下旬", "/待办 华为 发方案 周五前"),
        (
            "/记录 华为 电话 聊了 下一步：改天再约",
            "改天",
            "/记录 华为 电话 聊了 下一步：周五前再约",
        ),
        (
            "/log Acme call talked next: send the SOW by end of Q1",
            "end of Q1",
            "/log Acme call talked next: send the SOW by Fri",
        ),
        (
            "/task Acme follow up in a couple of weeks",
            "in a couple of weeks",
            "/task Acme follow up by Fri",
        ),
        ("/会议 华为 下旬 14:00", "下旬", "/会议 华为 周五 14:00"),  # a start, not a deadline
        ("/meeting Acme mid-year 3pm", "mid-year", "/meeting Acme Fri 3pm"),
    ],
)
def test_an_unread_deadline_quotes_the_phrase_and_corrects_the_line(
    text: str, phrase: str, fixed: str
) -> None:
    got = parse(text, EVE)
    assert isinstance(got, i.ParseError), got
    assert (got.code, dict(got.params)) == ("unread_date", {"text": phrase, "fixed": fixed})
    assert not isinstance(parse(fixed, EVE), i.ParseError)  # the line handed back reads
