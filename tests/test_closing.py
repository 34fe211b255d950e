"""Issue 18 item 7, what closing and answering leave behind: a won or lost deal's open tasks
offered for closing, an answer kept with its question, an overlapping meeting warned about
(and cancelled), a quoted requirement shown once quoted, and the digest's yesterday and reps.

Every test talks to the real Bot on a real store (SQLite file and PostgreSQL), in English and
in Chinese.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.parse.quotes import unquote
from storage.models import AuditEntry, Meeting, Question, RequirementVersion, Task
from tests.chat import Chat, Clockwork


@pytest.fixture
def en(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions, now="2026-12-28 09:00")


@pytest.fixture
def zh(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions, tz="Asia/Shanghai", locale="zh_CN", now="2026-12-28 09:00")


def rows(chat: Chat, model):  # type: ignore[no-untyped-def]
    with chat.bot.sessions() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def audit(chat: Chat, action: str) -> list[AuditEntry]:
    return [e for e in rows(chat, AuditEntry) if e.action == action]


# --- /answered 12 <the answer> -----------------------------------------------------------------


def test_answered_keeps_the_answer_and_customer_shows_it_en(en: Chat) -> None:
    en.say("alice", "/question Acme do you support Oracle?")
    reply = en.say("alice", '/answered Q1 "yes, 19c and later"')
    assert "✓ Q1 (Acme) answered: “do you support Oracle?”" in reply
    assert "→ “yes, 19c and later”" in reply
    [q] = rows(en, Question)
    assert (q.status, q.answer) == ("answered", "yes, 19c and later")
    shown = en.say("alice", "/customer Acme")
    assert "Answered questions (latest first):" in shown
    assert "Q1 “do you support Oracle?” → “yes, 19c and later”" in shown
    assert "already answered: “yes, 19c and later”" in en.say("alice", "/answered 1")


def test_answered_keeps_the_answer_and_customer_shows_it_zh(zh: Chat) -> None:
    zh.say("小李", "/问题 华为 支持国产数据库吗")
    reply = zh.say("小李", "/已答复 1 支持达梦和人大金仓")
    assert "✓ Q1（华为）已答复：“支持国产数据库吗”" in reply
    assert "→ “支持达梦和人大金仓”" in reply
    [q] = rows(zh, Question)
    assert q.answer == "支持达梦和人大金仓"
    assert "Q1 “支持国产数据库吗” → “支持达梦和人大金仓”" in zh.say("小李", "/客户 华为")


def test_answered_without_an_answer_closes_and_a_later_answer_is_kept(zh: Chat) -> None:
    zh.say("小李", "/问题 华为 支持国产数据库吗")
    assert "如需记下答复内容：/已答复 1 <答复内容>" in zh.say("小李", "/已答复 #1")
    assert "已为 Q1（华为）记下答复" in zh.say("小李", "/已答复 Q1 支持")
    assert rows(zh, Question)[0].answer == "支持"


def test_answered_refuses_a_line_without_a_number(en: Chat, zh: Chat) -> None:
    assert "“Oracle” is not a question number" in en.say("alice", "/answered Oracle yes")
    assert "“支持”不是有效的问题编号" in zh.say("小李", "/已答复 支持 达梦")


# --- quoted requirements ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ('"支持私有化部署"', "支持私有化部署"),
        ("“支持私有化部署”", "支持私有化部署"),
        ("「支持单点登录」", "支持单点登录"),
        ("『支持单点登录』", "支持单点登录"),
        ("‘SSO’", "SSO"),
        ("＂SSO＂", "SSO"),
        ('"A" and "B"', '"A" and "B"'),  # two quotes, not one around all
        ("“A”和“B”", "“A”和“B”"),
        ('say "A"', 'say "A"'),  # a quote in the words
        ("“A“B”C”", "A“B”C"),  # quotes within stay
        ('"unclosed', '"unclosed'),
    ],
)
def test_one_layer_of_matching_quotes_is_taken_off(written: str, kept: str) -> None:
    assert unquote(written) == kept


def test_a_quoted_requirement_is_shown_with_one_pair_of_quotes(en: Chat, zh: Chat) -> None:
    reply = zh.say("小李", '/需求 华为 "支持私有化部署"')
    assert "客户原话：“支持私有化部署”" in reply and '“"' not in reply
    assert "“支持单点登录”" in zh.say("小李", "/需求 华为 “支持单点登录”")
    assert "“SSO with Okta”" in en.say("alice", "/req Acme 'SSO with Okta'")
    words = [v.text for v in rows(zh, RequirementVersion)]
    assert words == ["支持私有化部署", "支持单点登录", "SSO with Okta"]


# --- a won or lost deal's open tasks ------------------------------------------------------------


def buttons(chat: Chat) -> list[str]:
    return [b.id for r in chat.last.replies if r.message.card for b in r.message.card.buttons]


def test_won_lists_the_open_tasks_and_offers_to_close_them_zh(zh: Chat) -> None:
    zh.say("小李", "/待办 华为 寄资料 明天")  # before any deal: the customer's, no deal
    zh.say("小李", "/商机 华为 新建 私有云 30万")
    zh.say("小李", "/待办 华为 发报价 周五")  # the deal's
    zh.say("小李", "/商机 华为 新建 运维服务 5万")
    zh.say("小李", "/待办 华为 D2 约运维演示 周五")  # another deal's: not listed
    with zh.bot.sessions.begin() as s:  # a task of the other deal, however it was written
        s.get_one(Task, 3).deal_id = 2
    reply = zh.say("小李", "/商机 华为 D1 赢单")
    assert "🎉 D1“私有云” 30万元（华为）赢单！" in reply
    assert "华为还有 2 条未完成待办，要关闭吗？" in reply
    assert "• T1 寄资料 — 截止 12月29日 周二（未关联商机）→ /待办 T1 完成" in reply
    assert "• T2 发报价 — 截止 2027年1月1日 周五（本商机）→ /待办 T2 完成" in reply
    assert "T3" not in reply
    assert buttons(zh) == ["task.done:1", "task.done:2", "deal.done:1:1:2"]
    assert zh.click("小李", "deal.done:1:1:2") == "✓ 已完成（@小李）：T1 寄资料；T2 发报价。"
    assert [t.status for t in rows(zh, Task)] == ["done", "done", "open"]
    assert "已完成过：T1、T2" in zh.click("小李", "deal.done:1:1:2")


def test_lost_lists_the_open_task_with_its_done_button_en(en: Chat) -> None:
    en.say("alice", "/deal Acme new pilot 30k")
    en.say("alice", "/task Acme send quote tomorrow")
    reply = en.say("alice", "/deal Acme lost price")
    assert "Acme still has 1 open task — close it?" in reply
    assert "• T1 send quote — due Tue Dec 29 (this deal) → /task T1 done" in reply
    assert buttons(en) == ["task.done:1"]  # one task: no "close all"
    assert "✓ T1 done: send quote" in en.click("alice", "task.done:1")
    assert "open task" not in en.say("alice", "/deal Acme new phase 2 10k")


def test_stage_won_lists_them_too_and_nothing_open_says_nothing(en: Chat) -> None:
    en.say("alice", "/deal Globex new pilot 30k")
    assert "open task" not in en.say("alice", "/deal Globex stage won")
    en.say("alice", "/deal Initech new pilot 30k")
    en.say("alice", "/task Initech call Bob tomorrow")
    assert "Initech still has 1 open task" in en.say("alice", "/deal Initech stage won")


def test_close_all_leaves_alone_what_the_presser_cannot_reach(en: Chat) -> None:
    en.say("alice", "/deal Acme new pilot 30k")
    en.say("alice", "/task Acme send quote tomorrow")
    en.say("alice", "/task Acme call back tomorrow")
    en.say("alice", "/deal Acme won")
    en.say("bob", "/deal Hooli new x 1k")  # bob: a rep without reach over alice's customer
    assert en.click("bob", "deal.done:1:1:2") == "Nothing left to close."
    assert [t.status for t in rows(en, Task)] == ["open", "open"]


def test_task_done_written_closes_it_en(en: Chat) -> None:
    en.say("alice", "/task Acme send quote tomorrow")
    assert "✓ T1 done: send quote" in en.say("alice", "/task T1 done")
    assert rows(en, Task)[0].status == "done"
    assert "T1 was already done" in en.say("alice", "/task t1 Done")


def test_task_done_written_closes_it_zh(zh: Chat) -> None:
    zh.say("王总", "/待办")  # the first speaker, the admin; 小李 and 小王 are reps
    zh.say("小李", "/待办 华为 发报价 明天")
    assert "✓ T1 已完成：发报价" in zh.say("小李", "/待办 T1 完成")
    assert rows(zh, Task)[0].status == "done"
    zh.say("小李", "/待办 华为 约演示 明天")
    assert "✓ T2 已完成" in zh.say("小李", "/待办 T2 搞定")
    zh.say("小王", "/待办 腾讯 寄样品 明天")  # another rep's: not closed by 小李
    assert "没有你可以修改的待办 T3" in zh.say("小李", "/待办 T3 完成")


# --- two meetings with one customer at once, and calling one off ---------------------------------


def test_an_overlapping_meeting_is_warned_about_with_a_way_to_cancel_en(en: Chat) -> None:
    en.say("boss", "/team east @bob @alice")  # boss: admin; bob leads alice
    en.say("alice", "/meeting Acme tomorrow 10:00 90m")
    assert "overlaps" not in en.say("alice", "/meeting Acme tomorrow 11:30")  # back to back
    reply = en.say("bob", "/meeting Acme tomorrow 11:00")
    assert "✓ Meeting M3 with Acme" in reply
    assert "⚠ M3 overlaps 2 meetings with Acme:" in reply
    assert (
        "• M1 on Tue Dec 29 10:00 (90 min), organised by @alice — to cancel it: /meeting M1 cancel"
        in reply
    )
    assert "• M2 on Tue Dec 29 11:30 (60 min), organised by @alice" in reply
    assert "If this one is the double: /meeting M3 cancel" in reply
    assert buttons(en) == ["meeting.cancel:3", "meeting.cancel:1", "meeting.cancel:2"]
    assert "overlaps" not in en.say("alice", "/meeting Globex tomorrow 11:00")  # another customer
    # bob reaches alice's customer: he may cancel her meeting; she is told
    assert "✓ Meeting M1 with Acme on Tue Dec 29 10:00 cancelled" in en.click(
        "bob", "meeting.cancel:1"
    )
    assert "@bob cancelled meeting M1 with Acme" in next(iter(en.pushes().values()))
    assert [m.id for m in rows(en, Meeting)] == [2, 3, 4]
    [entry] = audit(en, "meeting.cancel")
    assert entry.subject == "meeting:1" and entry.detail["before"]["starts_at"].startswith(
        "2026-12-29T10:00"
    )
    assert "no meeting M1 that you can cancel" in en.say("bob", "/meeting M1 cancel")  # once


def test_an_overlapping_meeting_is_warned_about_with_a_way_to_cancel_zh(zh: Chat) -> None:
    zh.say("王总", "/团队 华东 @王经理 @小李 @小张")
    zh.say("小李", "/会议 华为 明天下午3点")
    reply = zh.say("小李", "/会议 华为 明天 15:30 90分钟")
    assert "⚠ M2 与华为的另一场会议时间重叠：" in reply
    assert "• M1：12月29日 周二 15:00（60分钟），组织者 @小李 — 取消它：/会议 M1 取消" in reply
    assert "如果这场是重复安排的：/会议 M2 取消" in reply
    assert "✓ 已取消与华为的会议 M2" in zh.say("小李", "/会议 M2 取消")
    assert "没有你可以取消的会议 M2" in zh.say("小李", "/会议 m2 取消")
    assert "没有你可以取消的会议 M1" in zh.say("小张", "/会议 M1 取消")  # a teammate: no reach
    assert "会议编号后只能写“取消”：/会议 M1 取消" in zh.say("小李", "/会议 M1 改期")
    assert [m.id for m in rows(zh, Meeting)] == [1]


def test_a_meeting_with_minutes_took_place_and_is_not_cancelled(en: Chat) -> None:
    en.say("alice", "/meeting Acme today 08:00 30m")
    en.say("alice", "/minutes Acme agreed on scope")
    assert "already has minutes" in en.say("alice", "/meeting M1 cancel")
    assert len(rows(en, Meeting)) == 1


def test_a_cancelled_meeting_is_not_asked_for_minutes(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 10:00")  # a Friday
    chat.say("alice", "/meeting Acme today 11:00 30m")
    chat.say("alice", "/meeting Globex today 11:00 30m")
    chat.say("alice", "/meeting M1 cancel")
    clock = Clockwork(chat)
    sent = clock.tick("2026-12-04 12:00")
    assert [t for _, t in sent if "Send the minutes" in t and "Globex" in t]
    assert not [t for _, t in sent if "Acme" in t]


# --- the digest's yesterday across a month end, and a lead who only leads -----------------------


def test_digest_counts_the_last_working_days_month_across_a_month_end_zh(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz="Asia/Shanghai", locale="zh_CN", now="2026-08-31 10:00")  # Monday
    chat.say("王总", "/团队 华东 @王经理 @小李")  # 王经理 leads 小李 and owns no deal
    chat.say("王总", "/目标 @小李 2026-08 电话=10 拜访=5")
    chat.say("王总", "/目标 @小李 2026-09 电话=20 拜访=8")
    chat.say("小李", "/记录 华为 电话 聊了报价")
    chat.say("小李", "/记录 华为 电话 确认了交付周期")
    chat.say("小李", "/记录 腾讯 拜访 见了CIO")
    chat.at("2026-08-28 10:00")
    chat.say("小李", "/记录 腾讯 电话 约拜访")  # earlier in August: counted in the month
    clock = Clockwork(chat)
    sent = clock.tick("2026-09-01 09:00")  # the last working day is Monday Aug 31
    [text] = [t for name, t in sent if name == "王经理" and t.startswith("早上好")]
    assert "8月31日的跟进（本月累计 / 目标）：" in text
    assert "@小李：3 次 · 电话 3/10 · 拜访 1/5" in text  # August's, against August's targets
    assert "@王经理：" not in text  # a lead with no deal of their own is not a rep


def test_digest_within_a_month_counts_the_weekend_and_lists_a_lead_who_sells_en(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 10:00")  # a Friday
    chat.say("boss", "/team east @bob @alice")
    chat.say("alice", "/log Acme call pricing")
    chat.say("bob", "/deal Hooli new renewal 5k")  # bob leads and sells
    chat.at("2026-12-05 11:00")  # Saturday
    chat.say("alice", "/log Acme visit demo")
    clock = Clockwork(chat)
    sent = clock.tick("2026-12-07 09:00")
    [text] = [t for name, t in sent if name == "bob" and t.startswith("Good morning")]
    assert "Touches on Fri Dec 4" in text
    assert "@alice: 1 · calls 1 · visits 1" in text
    assert "@bob: 0 · calls 0 · visits 0" in text


def test_digest_counts_the_last_working_days_month_across_a_month_end_en(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-11-30 10:00")  # a Monday, the month's last day
    chat.say("boss", "/team east @bob @alice")  # bob leads alice and owns no deal
    chat.say("boss", "/target @alice 2026-11 calls=8 visits=2")
    chat.say("alice", "/log Acme call pricing")
    chat.say("alice", "/log Acme visit demo")
    sent = Clockwork(chat).tick("2026-12-01 09:00")
    [text] = [t for name, t in sent if name == "bob" and t.startswith("Good morning")]
    assert "Touches on Mon Nov 30 (month so far against targets):" in text
    assert "@alice: 2 · calls 1/8 · visits 1/2" in text
    assert "@bob:" not in text
