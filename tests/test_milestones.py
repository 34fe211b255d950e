"""Delivery milestones (issue 20, item 4): /milestone and /交付 — added on a deal with a date and
an owner, listed, finished (late or on time), reminded with a Done button, shown in /customer
and in the manager's digest; within reach and audited."""

from __future__ import annotations

from sqlalchemy import select

from bot import milestones as ms
from storage.models import AuditEntry
from storage.process import Milestone
from tests.chat import Chat, Clockwork

SH = "Asia/Shanghai"


def en_deal(sessions, now: str = "2026-12-07 10:00") -> Chat:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now=now)  # Monday
    chat.say("alice", "/deal Acme new Plant rollout 120k")
    return chat


def zh_deal(sessions, now: str = "2026-12-07 10:00") -> Chat:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=SH, locale="zh_CN", now=now)
    chat.say("小李", "/商机 华为 新建 私有化部署 50万")
    return chat


def rows(chat: Chat) -> list[Milestone]:
    with chat.bot.sessions() as s:
        return list(s.scalars(select(Milestone).order_by(Milestone.id)))


# --- adding -------------------------------------------------------------------------------


def test_en_milestone_on_a_deal_ref_with_an_owner(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_deal(sessions)
    chat.say("bob", "/log Acme call hello")  # bob is known
    text = chat.say("alice", "/milestone D1 go-live at plant 2 2027-02-05 @bob")
    assert "✓ Milestone M1 on D1" in text and "go-live at plant 2 — due Fri Feb 5, 2027" in text
    assert "Owner: @bob" in text
    [m] = rows(chat)
    assert m.title == "go-live at plant 2" and m.due_all_day and m.status == "open"
    assert m.deal_id == 1 and m.customer_id == 1
    assert "made you the owner of milestone M1" in " ".join(chat.pushes().values())


def test_zh_milestone_by_customer_name_defaults_to_the_deals_owner(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = zh_deal(sessions)
    text = chat.say("小李", "/交付 华为 第二个厂上线 2月5日")
    assert "添加交付节点 M1：第二个厂上线 — 2027年2月5日 周五" in text
    assert "负责人：你（商机负责人" in text
    [m] = rows(chat)
    assert m.title == "第二个厂上线" and m.due_all_day


def test_an_unreadable_or_missing_date_is_asked_back_and_nothing_saved(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_deal(sessions)
    assert "When? I found no date" in chat.say("alice", "/milestone D1 go-live at plant 2")
    assert "is not a date or time that exists" in chat.say("alice", "/milestone D1 go-live Feb 30")
    zh = Chat(sessions, tz=SH, locale="zh_CN", now="2026-12-07 10:00").say("alice", "/交付 D1 上线")
    assert "/交付 D12 第二个厂上线 2月5日" in zh  # how to write it, in the asker's language
    assert rows(chat) == []


def test_a_date_in_the_past_or_on_a_day_off_is_noted(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_deal(sessions)
    past = chat.say("alice", "/milestone D1 kickoff 2026-12-01")
    assert "that was 6 days ago: already late" in past
    off = chat.say("alice", "/milestone D1 training Dec 12")
    assert "Dec 12 is a Saturday, not a working day" in off
    assert len(rows(chat)) == 2


# --- listing and finishing ----------------------------------------------------------------


def test_en_list_then_finish_late_says_how_late_and_is_audited(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_deal(sessions)
    chat.say("alice", "/milestone D1 install 2026-12-08")
    chat.say("alice", "/milestone Acme go-live 2026-12-18")
    listed = chat.say("alice", "/milestone D1")
    assert "• M1 install — due Tue Dec 8" in listed and "• M2 go-live — due Fri Dec 18" in listed
    chat.at("2026-12-10 11:00")  # Thursday: Tuesday's install is two days late
    assert "⚠ M1 install — LATE: due Tue Dec 8, 2 days late" in chat.say("alice", "/milestone D1")
    done = chat.say("alice", "/milestone M1 done")
    assert "✓ M1 done: install (Acme, D1) — 2 days late (due Tue Dec 8)" in done
    assert "M1 was already done" in chat.say("alice", "/milestone M1 done")
    assert "✓ M1 install — done Thu Dec 10, 2 days late" in chat.say("alice", "/milestone D1")
    m = rows(chat)[0]
    assert m.status == "done" and m.done_at == chat.now and m.done_by_id == 1
    with chat.bot.sessions() as s:
        actions = [
            (a.action, a.subject, a.detail.get("late"))
            for a in s.scalars(select(AuditEntry).where(AuditEntry.action.like("milestone.%")))
        ]
    assert actions == [
        ("milestone.new", "milestone:1", None),
        ("milestone.new", "milestone:2", None),
        ("milestone.done", "milestone:1", "2 day"),
    ]


def test_zh_finish_on_time(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = zh_deal(sessions)
    chat.say("小李", "/交付 D1 第二个厂上线 2026-12-08")
    assert "✓ M1 已完成：第二个厂上线（华为，D1）— 按时" in chat.say("小李", "/交付 M1 完成")
    listed = chat.say("小李", "/交付 D1")
    assert "✓ M1 第二个厂上线 — 12月7日 周一完成，按时" in listed


def test_a_whole_day_is_late_only_after_its_working_hours(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_deal(sessions)
    chat.say("alice", "/milestone D1 install 2026-12-08")
    chat.at("2026-12-08 17:30")
    assert "on time" in chat.say("alice", "/milestone M1 done")
    chat.say("alice", "/milestone D1 training 2026-12-08")
    chat.at("2026-12-09 10:00")
    assert "1 day late" in chat.say("alice", "/milestone M2 done")


def test_milestones_are_only_within_reach(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 10:00")
    chat.say("admin", "/help")  # the first one seen is the admin
    chat.say("alice", "/deal Acme new Rollout")
    chat.say("alice", "/milestone D1 install 2026-12-08")
    chat.say("bob", "/deal Globex new Pilot")
    # bob, a rep, does not reach alice's customer: D1 and M1 do not exist for him
    assert "There is no deal D1 that you can see" in chat.say("bob", "/milestone D1 go-live Fri")
    assert "There is no milestone M1 that you can see" in chat.say("bob", "/milestone M1 done")
    assert "There is no milestone M1" in chat.say("bob", "/milestone M1")
    assert rows(chat)[0].status == "open" and len(rows(chat)) == 1
    # the admin reaches it, and finishing someone's milestone tells its owner
    assert "✓ M1 done" in chat.say("admin", "/milestone M1 done")
    assert "marked your milestone M1 done" in " ".join(chat.pushes().values())


def test_a_customer_without_a_deal_is_told_to_create_one(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 10:00")
    chat.say("alice", "/log Acme call hello")
    text = chat.say("alice", "/milestone Acme go-live 2027-02-05")
    assert "Acme has no open or won deal" in text and "/deal Acme new" in text


def test_the_milestone_goes_on_the_deal_won_last(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_deal(sessions)
    chat.say("alice", "/deal Acme won")
    chat.say("alice", "/deal Acme new Phase 2")
    assert "on D1" in chat.say("alice", "/milestone Acme go-live 2027-02-05")
    assert "on D2" in chat.say("alice", "/milestone Acme D2 design 2027-03-05")
    assert "There is no deal D3 that you can see" in chat.say(
        "alice", "/milestone Acme D3 x 2027-03-05"
    )


def test_named_finds_a_milestone_of_a_deal_by_ref_or_title(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_deal(sessions)
    chat.say("alice", "/milestone D1 go-live at plant 2 2027-02-05")
    chat.say("alice", "/milestone D1 go-live at plant 3 2027-03-05")
    chat.say("alice", "/milestone D1 acceptance 2027-04-05")
    with chat.bot.sessions() as s:
        assert ms.named(s, 1, "M2").id == 2  # type: ignore[union-attr]
        assert ms.named(s, 1, "Acceptance").id == 3  # type: ignore[union-attr]
        assert ms.named(s, 1, "plant 3").id == 2  # type: ignore[union-attr]
        assert ms.named(s, 1, "go-live") is None  # two of them: asked back by the caller
        assert ms.named(s, 1, "M9") is None and ms.named(s, 2, "M1") is None


# --- reminders ----------------------------------------------------------------------------


def test_en_due_reminded_at_the_start_of_its_day_then_each_working_day_once(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_deal(sessions)
    clock = Clockwork(chat)
    chat.say("alice", "/milestone D1 install 2026-12-08")
    assert clock.tick("2026-12-08 08:00") == []  # before the working day
    [(who, text)] = clock.tick("2026-12-08 09:00")
    assert who == "alice" and "⏰ Milestone due: M1 install" in text
    assert "[milestone.done:1:1]" in text
    assert clock.tick("2026-12-08 15:00") == []  # once a day
    [(_, again)] = clock.tick("2026-12-09 09:00")
    assert "⏰ Milestone late: M1 install" in again and "1 day late" in again
    assert clock.tick("2026-12-09 09:30") == []
    assert clock.tick("2026-12-12 09:00") == []  # Saturday: no repeat
    chat.at("2026-12-14 08:00")
    chat.say("alice", "/milestone M1 done")
    assert clock.tick("2026-12-14 09:00") == []  # done: no more


def test_zh_pressing_done_on_the_reminder_card_updates_it(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = zh_deal(sessions)
    clock = Clockwork(chat)
    chat.say("小李", "/交付 D1 第二个厂上线 2026-12-08")
    [(_, text)] = clock.tick("2026-12-08 09:00")
    assert "⏰ 交付节点到期：M1 第二个厂上线" in text and "[milestone.done:1:1]" in text
    chat.at("2026-12-08 10:00")
    outcome = chat.send(chat.event("小李", button="milestone.done:1:1"))
    [update] = outcome.updates
    assert update.card.key == "milestone:1" and update.card.buttons == ()
    assert "✓ 已交付" in update.card.title and "按时" not in update.card.body
    assert "已完成" in update.card.body
    assert rows(chat)[0].status == "done"


# --- /customer and the digest --------------------------------------------------------------


def test_en_customer_shows_milestones_with_done_and_late_marked(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_deal(sessions)
    assert "Delivery milestones" not in chat.say("alice", "/customer Acme")
    chat.say("alice", "/milestone D1 install 2026-12-08")
    chat.say("alice", "/milestone D1 training 2026-12-09")
    chat.say("alice", "/milestone D1 go-live 2027-02-05")
    chat.at("2026-12-10 10:00")
    chat.say("alice", "/milestone M2 done")
    text = chat.say("alice", "/customer Acme")
    assert "Delivery milestones:" in text
    assert "⚠ M1 install — LATE: due Tue Dec 8, 2 days late" in text
    assert "✓ M2 training — done Thu Dec 10, 1 day late" in text
    assert "• M3 go-live — due Fri Feb 5, 2027" in text


def test_zh_customer_shows_milestones(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = zh_deal(sessions)
    chat.say("小李", "/交付 D1 第二个厂上线 2026-12-08")
    chat.at("2026-12-09 10:00")
    text = chat.say("小李", "/客户 华为")
    assert "交付节点：" in text and "⚠ M1 第二个厂上线 — 逾期：计划 12月8日 周二，已晚了1天" in text


def test_late_milestones_are_in_the_leads_morning_digest(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 10:00")
    chat.say("bob", "/team east @bob @alice")
    clock = Clockwork(chat)
    chat.say("alice", "/deal Acme new Rollout")
    chat.say("alice", "/milestone D1 install 2026-12-08")
    sent = clock.tick("2026-12-08 09:00")
    assert not any("Late delivery milestones" in t for _, t in sent)  # due today: not late
    sent = clock.tick("2026-12-09 09:00")
    [digest] = [t for who, t in sent if who == "bob" and t.startswith("Good morning")]
    assert "Late delivery milestones (1):" in digest
    assert "⚠ M1 [Acme] install — due Tue Dec 8, 1 day late · @alice" in digest
    chat.at("2026-12-09 11:00")
    chat.say("alice", "/milestone M1 done")
    sent = clock.tick("2026-12-10 09:00")
    assert not any("Late delivery milestones" in t for _, t in sent)


def test_zh_a_late_milestone_alone_still_sends_the_digest(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=SH, locale="zh_CN", now="2026-12-07 10:00")
    chat.say("老王", "/团队 华东 @老王 @小李")
    clock = Clockwork(chat)
    chat.say("小李", "/商机 华为 新建 私有化部署")
    chat.say("小李", "/交付 D1 第二个厂上线 2026-12-03")  # written late, nothing else to report
    clock.tick("2026-12-07 10:30")
    sent = clock.tick("2026-12-08 09:00")
    [digest] = [t for who, t in sent if who == "老王" and t.startswith("早上好")]
    assert "逾期的交付节点（1）：" in digest and "M1 [华为] 第二个厂上线" in digest


def test_digest_on_demand_lists_late_milestones_within_reach(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 10:00")
    chat.say("bob", "/team east @bob @alice")
    chat.say("alice", "/deal Acme new Rollout")
    chat.say("alice", "/milestone D1 install 2026-12-08")
    chat.say("dave", "/deal Initech new Renewal")
    chat.at("2026-12-09 10:00")
    assert "⚠ M1 [Acme] install — due Tue Dec 8, 1 day late · @alice" in chat.say("bob", "/digest")
    assert "Late delivery milestones" not in chat.say("dave", "/digest")  # not in his reach


def test_done_button_ids_keep_their_wire_format() -> None:
    from bot.buttons import decode
    from bot.commands import ACTIONS
    from bot.commands.milestone import DONE

    assert DONE.id(ms.MilestoneButton(milestone_id=3)) == "milestone.done:3"
    assert DONE.id(ms.MilestoneButton(milestone_id=3, on_card=1)) == "milestone.done:3:1"
    press = decode("milestone.done:3:1")
    assert press is not None and ACTIONS["milestone.done"].read(press) == ms.MilestoneButton(
        milestone_id=3, on_card=1
    )
