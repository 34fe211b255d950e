"""messages/<locale>/*.j2: the Chinese templates mirror the English ones and read as Chinese."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace as NS

import pytest
from jinja2 import Environment, nodes

from bot.commands import BY_KEY, COMMANDS
from bot.i18n import MESSAGES, Words

EN = MESSAGES / "en"
ZH = MESSAGES / "zh_CN"
EN_FILES = sorted(p.name for p in EN.glob("*.j2"))


def _macros(path: Path) -> dict[str, tuple[str, ...]]:
    """Macro name → its argument names, in order, from the template's syntax tree."""
    tree = Environment().parse(path.read_text(encoding="utf-8"))
    return {m.name: tuple(a.name for a in m.args) for m in tree.find_all(nodes.Macro)}


# -- 1. parity ---------------------------------------------------------------------------------


def test_every_english_template_has_a_chinese_twin() -> None:
    assert EN_FILES
    assert sorted(p.name for p in ZH.glob("*.j2")) == EN_FILES


@pytest.mark.parametrize("name", EN_FILES)
def test_same_macros_with_same_arguments(name: str) -> None:
    en, zh = _macros(EN / name), _macros(ZH / name)
    assert en, f"no macros parsed from en/{name}"
    assert set(zh) == set(en), f"zh_CN/{name}: macro names differ"
    for macro, args in en.items():
        assert zh[macro] == args, f"zh_CN/{name}: {macro}{zh[macro]} != {macro}{args}"


@pytest.mark.parametrize("name", EN_FILES)
def test_chinese_templates_import_only_chinese_templates(name: str) -> None:
    tree = Environment().parse((ZH / name).read_text(encoding="utf-8"))
    imported = [_first_part(n.template) for n in tree.find_all(nodes.Import)]
    assert all(t.startswith("zh_CN/") for t in imported), imported


def _first_part(name: nodes.Expr) -> str:
    """A template's name, or the start of one put together (`'zh_CN/' ~ command ~ '.j2'`)."""
    while isinstance(name, nodes.Concat):
        name = name.nodes[0]
    assert isinstance(name, nodes.Const), name
    return str(name.value)


# -- 2. render smoke ---------------------------------------------------------------------------

# Tue 2026-12-01 01:00 UTC = Tue 09:00 in Shanghai; Fri 2026-12-04 01:00 UTC = Fri 09:00
TUE = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
FRI = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def words() -> Words:
    return Words()


def _world(person: str, customer: str, title: str) -> NS:
    me = NS(display_name=person)
    cust = NS(name=customer)
    deal = NS(
        id=12,
        title=title,
        amount=Decimal(500000),
        currency="CNY",
        stage="proposal",
        status="open",
        lost_reason=None,
        last_touch_at=TUE,
        expected_close=FRI,
    )
    other = NS(id=13, title="Pilot", amount=None, currency="CNY", stage="lead")
    task = NS(id=7, text="send", due_at=FRI)
    activity = NS(id=1, type="call", tags=["pricing"], occurred_at=TUE, text="notes")
    req = NS(id=3, status="pending", current_version=2)
    return NS(me=me, customer=cust, deal=deal, other=other, task=task, activity=activity, req=req)


def test_zh_log_recorded(words: Words) -> None:
    w = _world("小李", "华为", "私有化部署项目")
    w.task.text = "发方案"
    text = words(
        "zh_CN",
        "log.recorded",
        tz="Asia/Shanghai",
        customer=w.customer,
        created=True,
        activity=w.activity,
        notes="客户关注交付周期",
        task=w.task,
        defaulted=True,
        deal=w.deal,
        others=[w.other],
        me=w.me,
    )
    assert "已新建客户“华为”" in text
    assert "@小李 记录了与华为的电话" in text
    assert "“客户关注交付周期”" in text
    assert "D12“私有化部署项目” 50万元" in text
    assert "标签：#pricing" in text
    assert "下一步 T7：发方案 — 截止 12月4日 周五 09:00" in text
    assert "默认下一个工作日" in text
    assert "/记录 华为 D13 …" in text
    assert "call" not in text


def test_en_log_recorded(words: Words) -> None:
    w = _world("alice", "Acme", "40-seat license")
    text = words(
        "en",
        "log.recorded",
        tz="Asia/Shanghai",
        customer=w.customer,
        created=False,
        activity=w.activity,
        notes="Discussed pricing",
        task=w.task,
        defaulted=False,
        deal=None,
        others=[],
        me=w.me,
    )
    assert "@alice logged a call with Acme" in text
    assert "“Discussed pricing”" in text
    assert "Fri Dec 4 09:00" in text


def test_zh_dates_in_the_readers_zone(words: Words) -> None:
    w = _world("小李", "华为", "私有化部署项目")
    text = words(
        "zh_CN", "tasks.added", tz="Asia/Shanghai", task=w.task, customer=w.customer, created=False
    )
    assert text == "✓ 已为华为添加待办 T7：send — 截止 12月4日 周五 09:00"
    w.task.due_at = TUE
    text = words("zh_CN", "tasks.added", tz="UTC", task=w.task, customer=w.customer, created=False)
    assert text.endswith("截止 12月1日 周二 01:00")


def test_zh_deals_show_chinese_stages_and_money(words: Words) -> None:
    w = _world("小李", "华为", "私有化部署项目")
    created = words(
        "zh_CN",
        "deals.created",
        tz="Asia/Shanghai",
        deal=w.deal,
        customer=w.customer,
        created=False,
        stage="首次联系",
        others=[],
    )
    assert created == "✓ 已为华为新建商机 D12“私有化部署项目” 50万元，当前阶段：首次联系。"
    listing = words(
        "zh_CN", "deals.listing", tz="Asia/Shanghai", customer=w.customer, deals=[w.deal]
    )
    assert "阶段：方案递交" in listing
    assert "最近跟进 12月1日 周二" in listing
    assert "proposal" not in listing
    lost = words(
        "zh_CN",
        "deals.changed",
        tz="Asia/Shanghai",
        verb="lost",
        deal=w.deal,
        customer=w.customer,
        stage="输单",
        others=[w.other],
        note="",
    )
    assert "输单" in lost
    assert "/商机 华为 输单 <原因>" in lost
    assert "/商机 华为 D13 …" in lost


def test_en_deal_listing(words: Words) -> None:
    w = _world("alice", "Acme", "40-seat license")
    w.deal.currency = "USD"
    listing = words("en", "deals.listing", tz="UTC", customer=w.customer, deals=[w.deal])
    assert "Open deals of Acme:" in listing
    assert "stage proposal" in listing
    assert "$500,000" in listing


def test_zh_admin_and_views(words: Words) -> None:
    w = _world("王经理", "华为", "私有化部署项目")
    role = words("zh_CN", "admin.role_set", person=w.me, role="manager")
    assert role == "✓ 已将 @王经理 的角色设为经理。"
    target = NS(period="2026-12", calls=None, visits=12, won_amount=Decimal(500000))
    text = words("zh_CN", "admin.target_set", person=w.me, target=target, currency="CNY")
    assert text == "✓ 已设定 @王经理 的 2026-12 目标：拜访 12 次 · 赢单 50万元。"
    view = words(
        "zh_CN",
        "views.customer",
        tz="Asia/Shanghai",
        customer=w.customer,
        owner=w.me,
        activities=[(w.activity, w.me)],
        deals=[w.deal],
        tasks=[w.task],
        questions=[],
        reqs=[w.req],
    )
    assert "华为 — 负责人 @王经理" in view
    assert "阶段：方案递交" in view
    assert "R3 v2 — 待确认" in view
    assert "12月1日 周二 09:00 电话（@王经理 记录）：“notes”" in view
    for key in ("proposal", "pending", "call"):
        assert key not in view


def test_zh_requirement_card(words: Words) -> None:
    w = _world("王经理", "华为", "私有化部署项目")
    versions = [
        NS(version=1, text="旧的说法", created_at=TUE),
        NS(version=2, text="数据不出机房", created_at=FRI),
    ]
    confirmers = [
        NS(person=w.me, decision="confirm"),
        NS(person=NS(display_name="小张"), decision=None),
    ]
    text = words(
        "zh_CN",
        "requirements.card_text",
        tz="Asia/Shanghai",
        req=w.req,
        customer=w.customer,
        versions=versions,
        confirmers=confirmers,
    )
    assert "需求 R3 · 华为（v2）" in text
    assert "客户原话：“数据不出机房”" in text
    assert "v1（12月1日 周二）：“旧的说法”" in text
    assert "状态：待确认" in text
    assert "确认人：@王经理 ✓，@小张 … 待确认" in text


def test_zh_help_lists_chinese_commands(words: Words) -> None:
    text = words("zh_CN", "help.text", topic=None, commands=COMMANDS)
    for command in (
        "/记录 —",
        "/商机 —",
        "/待办 —",
        "/会议 —",
        "/纪要 —",
        "/问题 —",
        "/已答复 —",
        "/需求 —",
        "/漏斗 —",
        "/日报 —",
        "/进度 —",
        "/目标 —",
        "/交接 —",
        "/客户 —",
        "/帮助 —",
        "/角色 —",
        "/团队 —",
        "/关联 —",
    ):
        assert command in text
    assert "英文命令同样可用" in text
    assert "下周一" in text
    assert "1.5亿" in text
    one = words("zh_CN", "help.text", topic=BY_KEY["deal"], commands=COMMANDS)
    assert one.startswith("/商机 — ")
    assert "/商机 华为 阶段 方案递交" in one


ZH_PARSE_ERRORS = [
    ("bad_date", "task", {"text": "2月30日"}, "/待办 华为 回电 2月30日", "“2月30日”不是有效的日期"),
    ("missing_when", "task", {"text": "回电"}, "/待办 华为 回电", "“回电”中没有找到日期或时间"),
    ("unknown_command", None, {"word": "/报价"}, "/报价 华为", "没有 /报价 这个命令"),
    ("not_a_command", None, {}, "华为 明天回电", "/记录 华为 拜访"),
    ("bad_amount", "deal", {"text": "很多"}, "/商机 华为 金额 很多", "无法识别金额“很多”"),
    ("unknown_stage", "deal", {"text": "谈判"}, "/商机 华为 阶段 谈判", "首次联系、需求确认"),
]


@pytest.mark.parametrize(("code", "command", "params", "text", "expected"), ZH_PARSE_ERRORS)
def test_zh_parse_errors_quote_the_user(
    words: Words, code: str, command: str | None, params: dict[str, str], text: str, expected: str
) -> None:
    out = words(
        "zh_CN",
        "errors.parse",
        code=code,
        command=command,
        params=params,
        text=text,
        stages=["首次联系", "需求确认", "方案递交"],
    )
    assert expected in out
    assert out.splitlines()[-1] == f"你发送的内容：{text}"
    if command:
        assert "正确写法：/" in out


EN_PARSE_ERRORS = [
    ("bad_date", "task", {"text": "Feb 30"}, "/task Acme call Feb 30", "“Feb 30” is not a date"),
    ("missing_when", "task", {"text": "call"}, "/task Acme call", "I found no date or time"),
    ("unknown_command", None, {"word": "/quote"}, "/quote Acme", "the command /quote"),
    ("bad_amount", "deal", {"text": "lots"}, "/deal Acme amount lots", "“lots” is not an amount"),
]


@pytest.mark.parametrize(("code", "command", "params", "text", "expected"), EN_PARSE_ERRORS)
def test_en_parse_errors_quote_the_user(
    words: Words, code: str, command: str | None, params: dict[str, str], text: str, expected: str
) -> None:
    out = words(
        "en",
        "errors.parse",
        code=code,
        command=command,
        params=params,
        text=text,
        stages=["lead", "qualify"],
    )
    assert expected in out
    assert out.splitlines()[-1] == f"You wrote: {text}"


def test_zh_errors_translate_codes(words: Words) -> None:
    assert words("zh_CN", "errors.deal_closed", deal=12, status="won") == "D12 已经赢单。"
    out = words("zh_CN", "errors.stage_requires", stage="报价跟进", fields=["amount"], deal=12)
    assert out == "D12 进入“报价跟进”阶段前需要先填写金额：/商机 … 金额 12万"


# -- 3. no forgotten English -------------------------------------------------------------------

_COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_LITERAL = re.compile(r"'([^'\\]*)'|\"([^\"\\]*)\"")
_COMMAND = re.compile(r"/\S+")
_ENGLISH_RUN = re.compile(r"[A-Za-z]+(?:[ ,;:'’-]+[A-Za-z]+){3,}")


def _english_runs(source: str) -> list[str]:
    """Runs of 4+ English words in what a reader sees: the text outside tags, plus the string
    literals inside them (the help texts live in `{% set %}`). Command words are skipped."""
    source = _COMMENT.sub(" ", source)
    visible = [_TAG.sub(" ", source)]
    for tag in _TAG.findall(source):
        visible += [a or b for a, b in _LITERAL.findall(tag)]
    runs = []
    for chunk in visible:
        runs += _ENGLISH_RUN.findall(_COMMAND.sub(" ", chunk))
    return runs


def test_the_english_detector_fires_on_english() -> None:
    assert _english_runs((EN / "log.j2").read_text(encoding="utf-8"))
    assert _english_runs((EN / "help.j2").read_text(encoding="utf-8"))
    assert not _english_runs("{% set x = {'call': '电话'} %}记录了 {{ a.type }}：/log Acme call x")


@pytest.mark.parametrize("name", EN_FILES)
def test_no_untranslated_english(name: str) -> None:
    assert _english_runs((ZH / name).read_text(encoding="utf-8")) == []
