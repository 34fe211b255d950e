"""One customer, one record (issue 18, item 4): a short name, a typo, the legal name or a
city-prefixed name of an existing customer is never created silently — within reach "did you
mean" with the corrected line, out of reach whose customer it is and nothing more; a quoted
name is created on purpose. And covering (item 5): a teammate adds a touch, a task or a
question to a colleague's customer, the owner is told, the teammate sees nothing more.
English and Chinese, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.customer_names import core_of, likeness
from storage.models import Activity, AuditEntry, Customer, Person, Question, Task
from tests.test_people_customers import Console, count, names


@pytest.fixture
def en(sessions) -> Console:  # type: ignore[no-untyped-def]
    c = Console(sessions)
    c.say("boss", "/team east @bob @alice @carl")
    c.say("boss", "/team west @wendy @dave")
    c.say("alice", "/log Acme call secret-notes")
    c.say("alice", "/deal Acme new pilot 120k")
    return c


@pytest.fixture
def zh(sessions) -> Console:  # type: ignore[no-untyped-def]
    c = Console(sessions, tz="Asia/Shanghai", locale="")
    c.workspace = "华东办"
    c.say("老板", "/团队 华东 @王经理 @小李 @小张")
    c.say("老板", "/团队 华南 @陈经理 @小赵")
    c.say("小李", "/记录 恒力机械 电话 机密预算 下一步：周五前发报价")
    c.say("小李", "/商机 恒力机械 新建 产线改造 30万")
    c.say("小李", "/记录 云帆电子 拜访 初次拜访")
    return c


# --- the rule -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "known", "score"),
    [
        ("云帆电子有限公司", "云帆电子", 1),  # the legal name
        ("深圳云帆电子", "云帆电子", 1),  # a city before it
        ("深圳市云帆电子科技有限公司", "云帆电子", 1),
        ("云帆电子（深圳）有限公司", "云帆电子", 1),  # the city in brackets
        ("Acme Inc.", "Acme", 1),
        ("ACME Ltd", "Acme", 1),
        ("The Acme Company", "Acme Corp", 1),
        ("华微", "华为", 2),  # a pinyin slip
        ("Acmee", "Acme", 2),  # one keystroke
        ("恒力", "恒力机械", 3),  # a short name: a prefix, both ways
        ("恒力机械集团", "恒力", 3),
        ("Acme Robotics", "Acme", 3),
    ],
)
def test_likely_the_same_customer(typed: str, known: str, score: int) -> None:
    assert likeness(typed, known) == score


@pytest.mark.parametrize(
    ("typed", "known"),
    [
        ("北京恒力", "上海恒力"),  # two places: two customers
        ("海南航空", "四川航空"),
        ("客户甲", "客户乙"),
        ("Globex", "Acme"),
        ("Co-rep_a1", "Co-rep_a2"),
        ("华", "华为"),  # one character names nothing
        ("Ac", "Acme"),  # two letters neither
    ],
)
def test_other_customers(typed: str, known: str) -> None:
    assert likeness(typed, known) is None


def test_the_core_of_a_name() -> None:
    assert (
        core_of("深圳市云帆电子科技有限公司").place,
        core_of("深圳市云帆电子科技有限公司").core,
    ) == (
        "深圳",
        "云帆电子",
    )
    assert core_of("北京科技有限公司").core  # only dress: something is kept
    assert core_of("ACME, Inc.").core == "acme"


# --- within reach: did you mean ----------------------------------------------------------------


def test_within_reach_a_duplicate_gets_did_you_mean_zh(zh: Console) -> None:
    for typed in ("云帆电子有限公司", "深圳云帆电子"):
        reply = zh.say("小李", f"/记录 {typed} 电话 又聊了")
        assert f"没有找到客户“{typed}”，本次未记录任何内容。你是不是要找“云帆电子”？" in reply
        assert '/记录 "云帆电子" 电话 又聊了' in reply
        assert f'/记录 "{typed}" 电话 又聊了' in reply  # or new, on purpose
    # the manager reaches 小李's customers: the same question
    assert "你是不是要找“恒力机械”" in zh.say("王经理", "/待办 恒力机械集团 回电 明天")
    assert names(zh, Customer, Customer.name) == {"恒力机械", "云帆电子"}


def test_within_reach_a_duplicate_gets_did_you_mean_en(en: Console) -> None:
    reply = en.say("alice", "/log ACME Ltd call pricing")
    assert "I know no customer “ACME Ltd”, so nothing was recorded. Did you mean “Acme”?" in reply
    assert '/log "Acme" call pricing' in reply and '/log "ACME Ltd" call pricing' in reply
    assert "Did you mean “Acme”?" in en.say("alice", "/task Acmee send deck tomorrow")
    assert names(en, Customer, Customer.name) == {"Acme"}


def test_a_quoted_name_is_created_on_purpose(en: Console, zh: Console) -> None:
    reply = zh.say("小李", '/记录 "云帆电子有限公司" 电话 法务主体')
    assert "已新建客户“云帆电子有限公司”" in reply
    assert "New customer “Acme Inc.” created" in en.say("dave", '/log "Acme Inc." call his own')
    assert names(en, Customer, Customer.name) >= {"Acme", "Acme Inc.", "云帆电子有限公司"}


# --- out of reach: whose it is, nothing more ----------------------------------------------------


def test_out_of_reach_a_duplicate_names_its_owner_only_zh(zh: Console) -> None:
    for typed in ("恒力", "恒力机械有限公司", "深圳恒力机械", "恒力机械"):
        reply = zh.say("小赵", f"/记录 {typed} 电话 你好")
        assert "“恒力机械”" in reply and "@小李 负责的客户" in reply, reply
        assert "在你的权限范围外" in reply and "请找 @小李 或经理" in reply
        assert "机密预算" not in reply and "产线改造" not in reply and "30万" not in reply
    assert count(zh, Customer, Customer.owner_id.is_not(None)) == 2  # nothing created


def test_out_of_reach_a_duplicate_names_its_owner_only_en(en: Console) -> None:
    for typed in ("Acmee", "ACME Ltd", "Acme"):
        reply = en.say("dave", f"/log {typed} call hello")
        assert "@alice's customer" in reply and "outside what you can see" in reply, reply
        assert "ask @alice or a manager" in reply
        assert "secret-notes" not in reply and "pilot" not in reply and "120" not in reply
    reply = en.say("dave", "/customer Acme")  # a lookup too: whose, nothing recorded
    assert reply.startswith("“Acme” is @alice's customer, outside what you can see.")
    assert "secret-notes" not in reply
    assert names(en, Customer, Customer.name) == {"Acme"}


# --- covering for a teammate -----------------------------------------------------------------


def test_a_teammate_covers_with_a_touch_task_and_question_zh(zh: Console) -> None:
    li = zh.say("小张", "/记录 恒力 电话 客户来电问交期")  # a short name: the line to cover with
    assert "你和 @小李 同组，可以代为记录跟进、待办或问题（会通知 @小李）" in li
    assert '/记录 "恒力机械" 电话 客户来电问交期' in li and count(zh, Activity) == 2
    reply = zh.say("小张", "/记录 恒力机械 电话 客户来电问交期 下一步：明天回电")
    assert "✓ @小张 记录了与恒力机械的电话：“客户来电问交期”" in reply
    assert "（你在替 @小李 跟进：恒力机械由 @小李 负责，已通知对方。）" in reply
    assert "产线改造" not in reply and "30万" not in reply and "D1" not in reply  # nothing more
    li = person_id(zh, "小李")
    assert "@小张 替你跟进了恒力机械：记录了一次电话“客户来电问交期”" in zh.pushes()[li]
    assert "下一步 T2：回电" in zh.pushes()[li]
    reply = zh.say("小张", "/待办 恒力机械 寄样品 周三")
    assert "已为恒力机械添加待办" in reply and "你在替 @小李 跟进" in reply
    assert "@小张 替你跟进了恒力机械：添加了待办 T3：寄样品" in zh.pushes()[li]
    reply = zh.say("小张", "/问题 恒力机械 支持私有化部署吗？")
    assert "问题 Q1" in reply and "你在替 @小李 跟进" in reply
    assert "支持私有化部署吗？" in zh.pushes()[li]
    zhang = person_id(zh, "小张")
    with zh.bot.sessions() as s:
        covers = s.scalars(select(AuditEntry).where(AuditEntry.action == "customer.cover")).all()
        assert [e.detail["after"]["kind"] for e in covers] == ["touch", "task", "question"]
        assert {e.actor_id for e in covers} == {zhang}
        assert s.scalar(select(Question.owner_id)) == li  # the owner answers it
    # everything else stays the owner's
    for line in (
        "/商机 恒力机械",
        "/客户 恒力机械",
        "/客户 恒力机械 历史",
        "/商机 恒力机械 阶段 需求确认",
    ):
        reply = zh.say("小张", line)
        assert reply.startswith("“恒力机械”是 @小李 负责的客户，在你的权限范围外"), (line, reply)
        assert "机密预算" not in reply and "产线改造" not in reply
    # and the owner's history says who covered
    assert "小张 代负责人添加了待办" in zh.say("小李", "/客户 恒力机械 历史")


def test_a_teammate_covers_en_and_others_do_not(en: Console) -> None:
    reply = en.say("carl", "/task Acme send the deck tomorrow")
    assert "✓ Task T1 for Acme: send the deck" in reply
    assert "(You covered for @alice: Acme is theirs, and they were told.)" in reply
    assert "pilot" not in reply and "120" not in reply
    told = en.pushes()[person_id(en, "alice")]
    assert "@carl covered for you on Acme: added the task T1: send the deck" in told
    reply = en.say("carl", "/log Acme call they asked for a demo")
    assert "@carl logged a call with Acme: “they asked for a demo”" in reply
    assert "pilot" not in reply
    en.say("alice", "/customer Acme alias AcmeCo")  # by an alias too
    assert "(You covered for @alice" in en.say("carl", "/question AcmeCo Is SSO included?")
    reply = en.say("carl", "/deal Acme new side deal 5k")
    assert "As @alice's teammate you can add a touch, a task or a question" in reply
    # another team's rep covers nothing
    reply = en.say("dave", "/task Acme call them tomorrow")
    assert "outside what you can see" in reply and "teammate" not in reply
    carl = person_id(en, "carl")
    with en.bot.sessions() as s:
        assert s.scalar(select(Task.owner_id)) == carl  # the writer's task
        assert len(s.scalars(select(Task)).all()) == 1


def person_id(chat: Console, name: str) -> int:
    with chat.bot.sessions() as s:
        found = s.scalar(select(Person.id).where(Person.display_name == name))
        assert found is not None
        return found


def test_tour_zh_catches_a_duplicate_covers_a_call_and_merges(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_console import ROOT, run_console

    script = (ROOT / "examples" / "tour_zh.txt").read_text()
    tour = run_console(script, tmp_path / "tour_zh.db", "--tz", "Asia/Shanghai")
    tour = tour.split("# 一个客户一条记录", 1)[1]
    assert "它很可能就是“中兴”（@小张 负责的客户）" in tour
    assert '/记录 "中兴" 电话 客户来电问试点进度' in tour
    assert "（你在替 @小张 跟进：中兴由 @小张 负责，已通知对方。）" in tour
    assert "→ @小张: @小李 替你跟进了中兴：记录了一次电话“客户来电问试点进度”" in tour
    assert "✓ 已把“中兴通讯”合并到中兴：转入1条跟进" in tour


def test_a_lookup_by_a_likely_name_offers_the_customer_within_reach(zh: Console) -> None:
    zh.say("小李", "/记录 云帆电子 电话 聊了")
    for typed in ("云帆电子有限公司", "深圳云帆"):
        reply = zh.say("小李", f"/客户 {typed}")
        assert f"没有找到你可见的客户“{typed}”。你是不是要找“云帆电子”？" in reply, reply
        assert '/客户 "云帆电子"' in reply
    assert "你是不是要找" not in zh.say("小李", '/客户 "云帆电子有限公司"')  # quoted: as written


def test_a_lookup_never_offers_a_customer_out_of_reach(en: Console) -> None:
    en.say("alice", "/log Acme call pricing")
    reply = en.say("dave", "/customer Acmee history")
    assert "Did you mean" not in reply and "Acme”" not in reply.replace("Acmee", ""), reply
    mine = en.say("alice", "/customer Acmee history")
    assert 'Did you mean “Acme”? Send:\n/customer "Acme" history' in mine, mine
