"""People, teams and customers as a sales team types them (issue 9, items 11–14 and the small
ones): typos make no ghosts, /team says what it changes, touch types as people write them,
language and currency follow the team. English and Chinese, SQLite and PostgreSQL.

People typed in the console are names, not platform users: `Console` drives the real Bot
with the console's own events (adapters/console/parse.py), `Chat` with a platform's, whose
mentions carry a user id.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.console.parse import click_payload, line_payload
from adapters.console.parse import event as console_event
from bot.config import load_config
from bot.customers import looks_like
from bot.events import Event
from bot.settings import Settings
from storage.models import Activity, AuditEntry, Customer, Deal, Meeting, Person, Team, Tenant
from tests.chat import Chat


class Console(Chat):
    """The console's events: `[who] text` and `:click`, exactly as `dealbot console` makes them
    (in a workspace of its own, so that an English and a Chinese team share one store)."""

    workspace = "local"

    def event(self, who: str, text: str | None = None, *, button: str | None = None) -> Event:
        if button:
            made = console_event(click_payload(button, speaker=who, now=self.now))
        else:
            made = console_event(line_payload(text or "", speaker=who, now=self.now))
        return replace(made, workspace_id=self.workspace)


def count(chat: Chat, model, *where) -> int:  # type: ignore[no-untyped-def]
    with chat.bot.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where)) or 0


def person(chat: Chat, name: str) -> Person | None:
    with chat.bot.sessions() as s:
        return s.scalar(select(Person).where(Person.display_name == name))


def names(chat: Chat, model, column) -> set[str]:  # type: ignore[no-untyped-def]
    with chat.bot.sessions() as s:
        return set(s.scalars(select(column)))


@pytest.fixture
def en(sessions) -> Console:  # type: ignore[no-untyped-def]
    c = Console(sessions)
    c.say("boss", "/team east @bob @alice @carl")
    c.say("boss", "/team west @wendy @dave")
    return c


@pytest.fixture
def zh(sessions) -> Console:  # type: ignore[no-untyped-def]
    c = Console(sessions, tz="Asia/Shanghai", locale="")  # no language given: the zone's
    c.workspace = "华东办"
    c.say("老板", "/团队 华东 @王经理 @小李 @小张")
    c.say("老板", "/团队 华南 @陈经理 @小赵")
    return c


# --- 11. typos never make ghosts: people ----------------------------------------------------


def test_the_rule_of_a_slip() -> None:
    slips = [
        ("小章", "小张"),
        ("王经里", "王经理"),
        ("华微", "华为"),
        ("Acmee", "Acme"),
        ("Globx", "Globex"),
        ("alcie", "alice"),
        ("bbo", "bob"),
        ("Acme-Corp", "Acme Corp"),
    ]
    others = [
        ("小李", "小张"),
        ("小赵", "小张"),
        ("陈经理", "王经理"),
        ("lead_a", "lead_b"),
        ("rep_a1", "rep_a2"),
        ("Mark", "Mary"),
        ("Acme 2026", "Acme 2027"),
        ("tom", "tim"),
        ("Acme", "ACME"),
        ("华为", "Huawei"),
    ]
    assert [pair for pair in slips if not looks_like(*pair)] == []
    assert [pair for pair in others if looks_like(*pair)] == []


def test_a_typed_name_close_to_a_colleague_gets_did_you_mean_and_creates_nothing_zh(
    zh: Console,
) -> None:
    people = count(zh, Person)
    reply = zh.say("王经理", "/会议 华为 明天 14:00 @小章")
    assert "我不认识 @小章，本次未记录任何内容。" in reply
    assert "你是不是要找 @小张？请发送：\n/会议 华为 明天 14:00 @小张" in reply
    reply = zh.say("老板", "/角色 @王经里 经理")
    assert "你是不是要找 @王经理？" in reply and "/角色 @王经理 经理" in reply
    assert count(zh, Person) == people and count(zh, Meeting) == 0
    assert person(zh, "小章") is None and person(zh, "王经里") is None
    # the suggested line works as sent
    assert "参会人 @小张" in zh.say("王经理", "/会议 华为 明天 14:00 @小张")


def test_a_typed_name_close_to_a_colleague_gets_did_you_mean_and_creates_nothing_en(
    en: Console,
) -> None:
    people = count(en, Person)
    reply = en.say("bob", "/meeting Acme tomorrow 15:00 with @alcie")
    assert "I don't know @alcie, so nothing was recorded." in reply
    assert "Did you mean @alice? Send:\n/meeting Acme tomorrow 15:00 with @alice" in reply
    assert "Did you mean @bob?" in en.say("boss", "/role @bbo manager")
    assert count(en, Person) == people and count(en, Meeting) == 0


def test_did_you_mean_names_anyone_in_the_tenant(en: Console, zh: Console) -> None:
    # names within a company are not secret (issue 18, item 6; tests/test_people_names.py):
    # a rep is offered a colleague out of reach, and nothing is created
    reply = zh.say("小李", "/会议 华为 明天 14:00 @小章")
    assert "你是不是要找 @小张？" in reply and "我还不认识 @小章" not in reply
    assert person(zh, "小章") is None
    reply = en.say("alice", "/meeting Acme tomorrow 15:00 with @bbo")
    assert "Did you mean @bob?" in reply and "I don't know @bbo yet" not in reply
    assert "Did you mean @alice?" in en.say("wendy", "/meeting Globex tomorrow 15:00 with @alcie")
    assert person(en, "bbo") is None and person(en, "alcie") is None


def test_a_really_new_name_is_created_only_with_a_visible_note(en: Console, zh: Console) -> None:
    reply = zh.say("老板", "/团队 华北 @周经理 @小钱")
    assert "新成员：@周经理、@小钱（第一次出现，已添加）" in reply
    assert person(zh, "小钱") is not None
    reply = en.say("boss", "/team north @nina @oscar")
    assert "New to dealbot: @nina, @oscar — first named here, so added as people." in reply
    assert person(en, "oscar") is not None
    # outside the set-up commands a name nobody has is refused, never made up
    reply = en.say("alice", "/meeting Acme tomorrow 15:00 with @zed")
    assert "I don't know @zed yet, so nothing was recorded" in reply
    assert "我还不认识 @老周" in zh.say("小李", "/会议 华为 明天 14:00 @老周")
    assert person(en, "zed") is None and person(zh, "老周") is None
    # someone who speaks is a person, and may be named from then on
    en.say("zed", "/help")
    assert "with @zed" in en.say("alice", "/meeting Acme tomorrow 15:00 with @zed")


def test_a_platform_mention_with_a_user_id_is_a_real_person(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)  # a platform's mentions carry the user id the platform picked
    chat.say("boss", "/team east @bob @alice")
    reply = chat.say("alice", "/meeting Acme tomorrow 15:00 with @alicia")
    assert "with @alicia" in reply and person(chat, "alicia") is not None


def test_pipeline_of_someone_unknown_or_hidden_reads_the_same(en: Console, zh: Console) -> None:
    hidden, unknown = en.say("alice", "/pipeline @dave"), en.say("alice", "/pipeline @nobody-here")
    assert hidden == unknown
    assert "There is no one by that name that you can see" in hidden
    assert "Initech" not in hidden and person(en, "nobody-here") is None
    hidden, unknown = zh.say("小李", "/漏斗 @小赵"), zh.say("小李", "/漏斗 @没这人")
    assert hidden == unknown and "没有你能查看的这个人" in hidden
    # a slip for someone within reach is offered, the same way whether or not the name exists
    reply = zh.say("王经理", "/漏斗 @小章")
    assert "没有你能查看的这个人" in reply and "你是不是要找 @小张？" in reply
    assert "/漏斗 @小张" in reply


# --- 11. typos never make ghosts: customers ------------------------------------------------


def test_a_misspelt_customer_gets_did_you_mean_or_the_quoted_form_en(en: Console) -> None:
    en.say("alice", "/log Acme call first call")
    en.say("carl", "/log Globex call first call")
    reply = en.say("alice", "/log Acmee call second call")
    assert "I know no customer “Acmee”, so nothing was recorded. Did you mean “Acme”?" in reply
    assert '/log "Acme" call second call' in reply
    assert 'Or create the new customer “Acmee”: put its name in quotes.\n/log "Acmee" call' in reply
    assert "Did you mean “Globex”?" in en.say("bob", "/deal Globx new pilot 20k")
    assert names(en, Customer, Customer.name) == {"Acme", "Globex"}
    assert count(en, Activity) == 2 and count(en, Deal) == 0
    assert "New customer “Acmee” created" in en.say("alice", '/log "Acmee" call a real one')
    # only the create path asks: a lookup says unknown, as before
    assert "I know no customer “Globx”" in en.say("carl", "/customer Globx")


def test_a_misspelt_customer_gets_did_you_mean_or_the_quoted_form_zh(zh: Console) -> None:
    zh.say("小李", "/记录 华为 拜访 初次拜访")
    reply = zh.say("小李", "/记录 华微 电话 又聊了")
    assert "没有找到客户“华微”，本次未记录任何内容。你是不是要找“华为”？" in reply
    assert '/记录 "华为" 电话 又聊了' in reply
    assert '如果要新建客户“华微”，请给名称加上引号：\n/记录 "华微" 电话 又聊了' in reply
    assert names(zh, Customer, Customer.name) == {"华为"}
    assert "已新建客户“华微”" in zh.say("小李", '/记录 "华微" 电话 真有这家')


def test_a_customer_out_of_reach_is_named_with_its_owner_only(en: Console, zh: Console) -> None:
    en.say("alice", "/log Acme call secret-notes")
    reply = en.say("dave", "/log Acmee call his own Acmee")  # dave (west) does not see Acme
    assert "it looks like “Acme” (@alice's customer), outside what you can see" in reply
    assert "ask @alice or a manager" in reply and "secret-notes" not in reply
    assert '/log "Acmee" call his own Acmee' in reply  # his own on purpose: quoted
    assert names(en, Customer, Customer.name) == {"Acme"}
    assert "New customer “Acmee” created" in en.say("dave", '/log "Acmee" call his own Acmee')
    zh.say("小李", "/记录 华为 拜访 机密内容")
    reply = zh.say("小赵", "/记录 华微 电话 另一家")
    assert "它很可能就是“华为”（@小李 负责的客户），在你的权限范围外" in reply
    assert "机密内容" not in reply and not count(zh, Customer, Customer.name == "华微")


def test_touch_types_and_command_words_are_never_a_customer(en: Console, zh: Console) -> None:
    zh.say("小李", "/记录 华为 拜访 初次拜访")
    reply = zh.say("小李", "/记录 电话 华为 介绍了产品")
    assert "“电话”是跟进类型，不能当作客户名，本次未记录任何内容。" in reply
    assert "请把客户名写在最前面，再写类型：\n/记录 华为 电话 介绍了产品" in reply
    assert "“新建”是商机操作" in zh.say("小李", "/商机 新建 华为 项目 8000")
    assert "“跟进”是命令词" in zh.say("小李", "/记录 跟进 华为 电话 聊了")
    reply = en.say("alice", "/log call Acme talked about pricing")
    assert "“call” is a kind of touch, not a customer" in reply
    assert "Put the customer's name first, then the type:\n/log Acme call talked about" in reply
    assert "/deal Acme new pilot" in en.say("alice", "/deal new Acme pilot 20k")
    assert names(zh, Customer, Customer.name) == {"华为"}  # both teams' store
    # quoted, it is a name like any other
    assert "New customer “call” created" in en.say("alice", '/log "call" visit a firm so named')


# --- 12. /team says what it changes ---------------------------------------------------------


def test_team_says_who_moved_left_and_leads_en(en: Console) -> None:
    reply = en.say("boss", "/team east @alice @bob @dave")
    assert "✓ Team east updated: lead @alice (now a manager), members @bob, @dave." in reply
    assert "• @alice leads east now, instead of @bob." in reply
    assert "• @dave moved here from team west." in reply
    assert "• @carl left east (not named again) and is in no team now." in reply
    with en.bot.sessions() as s:
        east, west = (s.scalar(select(Team).where(Team.name == n)) for n in ("east", "west"))
        assert east is not None and west is not None
        team_of = {p.display_name: p.team_id for p in s.scalars(select(Person))}
        assert (team_of["dave"], team_of["carl"], team_of["bob"]) == (east.id, None, east.id)
        changes = {
            e.subject: e
            for e in s.scalars(select(AuditEntry).where(AuditEntry.action == "team.set"))
        }
        ids = {p.display_name: p.id for p in s.scalars(select(Person))}
        assert changes[f"team:{east.id}"].detail["after"]["members"] == sorted(
            [ids["alice"], ids["bob"], ids["dave"]]
        )
        assert changes[f"team:{east.id}"].detail["after"]["lead_id"] == ids["alice"]
        moved_out = changes[f"team:{west.id}"].detail  # the team dave left is recorded too
        assert ids["dave"] in moved_out["before"]["members"]
        assert ids["dave"] not in moved_out["after"]["members"]
        assert moved_out["moved_to"] == east.id


def test_team_says_who_moved_left_and_leads_zh(zh: Console) -> None:
    reply = zh.say("老板", "/团队 华东 @王经理 @小李 @小赵")
    assert "✓ 团队“华东”已更新：负责人 @王经理，成员 @小李、@小赵。" in reply
    assert "• @小赵 从团队“华南”调入。" in reply
    assert "• @小张 这次没有列入，已移出“华东”，目前不属于任何团队。" in reply
    assert "负责人由" not in reply and "新成员" not in reply
    reply = zh.say("老板", "/团队 华东 @小李 @王经理 @小赵")
    assert "• 负责人由 @王经理 改为 @小李。" in reply
    assert "调入" not in reply and "移出" not in reply
    assert person(zh, "小张").team_id is None  # type: ignore[union-attr]


# --- 13. touch types as people write them ---------------------------------------------------


def test_touch_types_as_people_write_them_count_in_progress_zh(zh: Console) -> None:
    lines = [
        "打电话 问了预算",
        "来电 询问交付",
        "电话会议 对齐范围",
        "视频会议 演示产品",
        "面谈 见了CTO",
        "拜访了 现场调研",
        "微信沟通 发了资料",
    ]
    for text in lines:
        zh.say("小李", f"/记录 华为 {text}")
    with zh.bot.sessions() as s:
        kinds = [a.type for a in s.scalars(select(Activity).order_by(Activity.id))]
    assert kinds == ["call", "call", "meeting", "meeting", "visit", "visit", "chat"]
    reply = zh.say("小李", "/进度")
    assert "电话 2" in reply and "拜访 2" in reply and "会议 2 · 跟进合计 7" in reply
    with zh.bot.sessions() as s:  # the type word is not kept as a note
        assert "问了预算" in s.scalars(select(Activity.text)).all()


def test_touch_types_as_people_write_them_count_in_progress_en(en: Console) -> None:
    for text in ("phone asked about budget", "onsite met the CTO", "wechat sent the deck"):
        en.say("alice", f"/log Acme {text}")
    reply = en.say("alice", "/progress")
    assert "calls 1" in reply and "visits 1" in reply and "touches in all 3" in reply


# --- 14. language and currency follow the team ----------------------------------------------


def test_a_team_in_shanghai_gets_chinese_and_yuan_without_being_told(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz="Asia/Shanghai", locale="")
    assert "8,000元" in chat.say("小李", "/商机 客户甲 新建 项目 8000")
    assert "¥8,000" in chat.say("Li", "/deal Acme new pilot 8000")  # English, in yuan
    with chat.bot.sessions() as s:
        tenant = s.scalars(select(Tenant)).one()
        assert (tenant.locale, tenant.currency) == ("zh_CN", "CNY")
    # a confirmer who never wrote a word clicks: the card answers in the team's language
    chat.say("小李", "/需求 客户甲 支持私有化部署 确认人 @王经理")
    assert "@王经理 已确认 R1" in chat.click("王经理", "req.confirm:1:1")


def test_a_team_elsewhere_keeps_english_and_dollars(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz="America/New_York", locale="")
    assert "$8,000" in chat.say("bob", "/deal Acme new pilot 8000")
    chat.say("bob", "/req Acme SSO confirm @carl")
    assert "@carl confirmed R1 v1" in chat.click("carl", "req.confirm:1:1")


def test_the_configured_language_and_currency_win(tmp_path: Path) -> None:
    path = tmp_path / "dealbot.toml"
    path.write_text('[bot]\ntimezone = "Asia/Shanghai"\n', encoding="utf-8")
    settings = load_config(path, env={}).settings()
    assert (settings.locale, settings.default_currency) == ("zh_CN", "CNY")
    path.write_text('[bot]\ntimezone = "Asia/Shanghai"\nlocale = "en"\ncurrency = "USD"\n')
    settings = load_config(path, env={}).settings()
    assert (settings.locale, settings.default_currency) == ("en", "USD")
    # `console --tz` copies the settings into another zone: the language follows it, unless
    # one was given (`--lang`)
    default = load_config(None, env={}).settings()
    assert default.locale == "en"
    moved = replace(default, timezone="Asia/Shanghai")
    assert (moved.locale, moved.default_currency) == ("zh_CN", "CNY")
    assert replace(moved, locale="en").locale == "en"
    assert replace(Settings(locale="en"), timezone="Asia/Shanghai").locale == "en"


# --- small: a handed-over customer, as its former owner sees it ------------------------------


def test_the_former_owner_is_told_a_customer_was_handed_over_en(en: Console) -> None:
    en.say("alice", "/log Acme call secret-notes")
    en.say("bob", "/handover Acme @alice @carl")
    reply = en.say("alice", "/customer Acme")
    assert reply.startswith("“Acme” was handed over to someone else and is no longer yours")
    assert "carl" not in reply and "secret-notes" not in reply
    # anyone else out of reach hears whose it is now, and nothing recorded
    reply = en.say("dave", "/customer Acme")
    assert reply.startswith("“Acme” is @carl's customer, outside what you can see")
    reply = en.say("dave", "/log Acme call hello")
    assert "outside what you can see" in reply and "secret-notes" not in reply


def test_the_former_owner_is_told_a_customer_was_handed_over_zh(zh: Console) -> None:
    zh.say("小李", "/记录 华为 拜访 机密内容")
    zh.say("王经理", "/交接 华为 @小李 @小张")
    reply = zh.say("小李", "/客户 华为")
    assert reply.startswith("客户“华为”已交接给他人，不再由你负责，因此无法查看。")
    assert "小张" not in reply and "机密内容" not in reply
    assert zh.say("小赵", "/客户 华为").startswith("“华为”是 @小张 负责的客户，在你的权限范围外")
    reply = zh.say("小赵", "/记录 华为 电话 你好")
    assert "权限范围外" in reply and "机密内容" not in reply
