"""Issue 20.2, stage checklists: the config and its defaults, the card posted on entering a
stage, /check and /勾选 (ticks, unticks, who and when), the gate on leaving a stage with its
override, the approved quote that ticks itself, and the digest's stuck deals — in English and
Chinese, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import ConfigError, load_config
from bot.pipeline import DEFAULT_STAGES
from storage.models import AuditEntry, Deal
from storage.process import Approval, ChecklistTick
from tests.chat import Chat, Clockwork

SH = "Asia/Shanghai"


def en_team(sessions) -> Chat:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-01 10:00")  # a Tuesday
    chat.say("bob", "/team east @bob @alice")  # bob (the first user: an admin) leads alice
    chat.say("bob", "/team west @carl @dave")  # alice and dave are reps
    return chat


def zh_team(sessions) -> Chat:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=SH, locale="zh_CN", now="2026-12-01 10:00")
    chat.say("王经理", "/团队 华东 @王经理 @小李")  # 王经理 (the first user: an admin) leads 小李
    return chat


def buttons(chat: Chat) -> list[str]:
    cards = [r.message.card for r in chat.last.replies if r.message.card]
    cards += [u.card for u in chat.last.updates]
    return [b.id for b in cards[-1].buttons]


# --- config -----------------------------------------------------------------------------------


def test_defaults_carry_the_contract_review_and_the_approved_quote() -> None:
    stages = {s.key: s for s in DEFAULT_STAGES}
    review = [i.name("zh_CN") for i in stages["negotiate"].checklist]
    assert review == [
        "主体信息核对",
        "付款条款",
        "交付范围与验收标准",
        "违约与责任条款",
        "附件齐全",
        "法务审核",
    ]
    assert all(i.required and i.names["en"] for i in stages["negotiate"].checklist)
    [quote] = [i for i in stages["quote"].checklist if i.required]
    assert quote.fact == "approved_quote" and quote.name("en") == "Quote approved"
    assert not stages["won"].checklist and not stages["lost"].checklist
    assert all(not i.required for k in ("lead", "qualify", "proposal") for i in stages[k].checklist)


def test_a_configured_checklist_replaces_the_default_and_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        """
[pipeline]
stuck_after_days = 4
[[pipeline.stages]]
key = "lead"
stale_after_days = 7
checklist = []
[[pipeline.stages]]
key = "contract"
zh_CN = "合同"
stale_after_days = 3
stuck_after_days = 2
[[pipeline.stages.checklist]]
en = "Payment terms"
zh_CN = "付款条款"
required = true
[[pipeline.stages.checklist]]
key = "quote_ok"
en = "Quote approved"
done_when = "approved_quote"
[[pipeline.stages]]
key = "won"
closed = true
[[pipeline.stages]]
key = "lost"
closed = true
""",
        encoding="utf-8",
    )
    pipeline = load_config(path, env={}).settings().pipeline
    lead, contract = pipeline.get("lead"), pipeline.get("contract")
    assert lead.checklist == ()  # checklist = [] means none
    assert [(i.key, i.name("zh_CN"), i.required, i.fact) for i in contract.checklist] == [
        ("item1", "付款条款", True, None),
        ("quote_ok", "Quote approved", False, "approved_quote"),  # zh_CN falls back to en
    ]
    assert pipeline.stuck_days(contract) == 2 and pipeline.stuck_days(lead) == 4
    path.write_text(
        path.read_text(encoding="utf-8").replace('done_when = "approved_quote"', 'done_when = "x"')
        + '[[pipeline.stages.checklist]]\nen = "Signed"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as bad:
        load_config(path, env={})
    assert bad.value.problems == [  # the key named, one line each
        "pipeline.stages[1].checklist[1].done_when: must be 'approved_quote', not 'x'",
        # the item after the lost stage is the lost stage's
        "pipeline.stages[3].checklist: a closed stage is never left, so it has no checklist",
    ]


# --- /check and the card, in English ----------------------------------------------------------


def test_en_entering_a_stage_posts_its_checklist_and_check_ticks_it(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_team(sessions)
    reply = chat.say("alice", "/deal Acme new license 120k")
    assert "Checklist · D1 “license” (Acme) — lead\n1. ☐ Contact person and role noted" in reply
    reply = chat.say("alice", "/deal D1 stage negotiate")  # the deal by its id alone
    assert "moved to stage negotiate" in reply
    assert "1. ☐ Parties' details checked (required)\n2. ☐ Payment terms (required)" in reply
    assert len(buttons(chat)) == 6 and buttons(chat)[0] == "check.tick:1:4:1"
    chat.at("2026-12-01 11:30")
    reply = chat.say("alice", "/check D1 1 3")
    assert "☑ @alice ticked 1. Parties' details checked (D1, Acme)." in reply
    assert "☑ @alice ticked 3. Delivery scope and acceptance criteria (D1, Acme)." in reply
    assert "1. ☑ Parties' details checked — @alice, Tue Dec 1 11:30" in reply
    assert "Done: 2 of 6; required still open: 2, 4, 5, 6" in reply
    assert buttons(chat) == [f"check.tick:1:4:{n}" for n in (2, 4, 5, 6)]  # open items only
    reply = chat.say("bob", "/check Acme 3 undo")  # by customer too; bob leads alice
    assert "☐ @bob unticked 3. Delivery scope and acceptance criteria (D1, Acme)." in reply
    assert "3. ☐ Delivery scope and acceptance criteria (required)" in reply
    assert "was already ticked" in chat.say("alice", "/check D1 1")
    shown = chat.say("bob", "/check D1")
    assert "1. ☑ Parties' details checked — @alice, Tue Dec 1 11:30" in shown
    with sessions() as s:  # who ticked what and when is kept, unticks included
        rows = s.scalars(select(ChecklistTick).order_by(ChecklistTick.id)).all()
        assert [(r.item, r.undone_at is not None) for r in rows] == [
            ("parties", False),
            ("scope", True),
        ]
        assert rows[1].undone_by_id != rows[1].ticked_by_id


def test_en_a_click_ticks_the_item_and_updates_the_card_in_place(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_team(sessions)
    chat.say("alice", "/deal Acme new license 120k")
    chat.say("alice", "/deal D1 stage negotiate")
    reply = chat.click("bob", "check.tick:1:4:2")
    assert "☑ @bob ticked 2. Payment terms (D1, Acme)." in reply
    [update] = chat.last.updates
    assert update.card.key == "check:1:negotiate"
    assert "2. ☑ Payment terms — @bob" in chat.plain(update.card.fallback)
    assert "check.tick:1:4:2" not in [b.id for b in update.card.buttons]
    assert "already ticked" in chat.click("alice", "check.tick:1:4:2")  # a double click
    chat.say("alice", "/deal D1 stage proposal")  # back: never held up
    assert "has left" in chat.click("alice", "check.tick:1:4:3")  # the old card's button
    with sessions() as s:
        assert s.scalar(select(ChecklistTick.item).where(ChecklistTick.item == "scope")) is None


def test_en_bad_input_says_how_to_write_it(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_team(sessions)
    chat.say("alice", "/deal Acme new license 120k")
    assert "“x” is not an item number" in chat.say("alice", "/check D1 x")
    assert "has items 1 to 2; there is no 7" in chat.say("alice", "/check D1 7")
    assert "Which item?" in chat.say("alice", "/check D1 undo")
    assert "Which deal?" in chat.say("alice", "/check")
    assert "There is no deal D99 that you can see" in chat.say("alice", "/check D99 1")
    # dave, a rep of another team, does not reach alice's deal: as if it did not exist
    assert "There is no deal D1 that you can see" in chat.say("dave", "/check D1 1")
    with sessions() as s:
        assert s.scalars(select(ChecklistTick)).all() == []


# --- the gate ---------------------------------------------------------------------------------


def test_en_leaving_with_a_required_item_open_is_refused_and_a_manager_overrides(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_team(sessions)
    chat.say("alice", "/deal Acme new license 120k")
    chat.say("alice", "/deal D1 stage negotiate")
    chat.say("alice", "/check D1 1 2 3 4")
    refused = chat.say("alice", "/deal Acme won")
    assert "D1 (Acme) can't move on to won yet: negotiate has 2 required items open" in refused
    assert "  5. All attachments included — /check D1 5\n  6. Legal review — /check D1 6" in refused
    assert "/deal D1 won override <reason>" in refused
    assert "refused" not in chat.say("alice", "/deal D1 stage proposal")  # back is fine
    chat.say("alice", "/deal D1 stage negotiate")  # the ticks of the stage are still there
    assert "Only a manager or an admin" in chat.say("alice", "/deal D1 won override trust me")
    assert "needs its reason" in chat.say("bob", "/deal D1 won override")
    with sessions() as s:
        assert s.get_one(Deal, 1).status == "open"
    reply = chat.say("bob", "/deal D1 won override legal approved by phone")
    assert "🎉 D1 “license” $120,000 (Acme) won!" in reply
    assert "⚠ @bob moved D1 on to won with 2 required items of negotiate still open" in reply
    assert "Reason: legal approved by phone" in reply
    assert "won! legal" not in reply and "won! override" not in reply  # not a note
    with sessions() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "deal.checklist_override")
        ).one()
        assert entry.subject == "deal:1"
        assert entry.detail["reason"] == "legal approved by phone"
        assert entry.detail["open_items"] == ["attachments", "legal"]
        assert entry.detail["after"] == {"stage": "won"}
    history = chat.say("bob", "/customer Acme history")
    assert (
        "bob moved D1 on from negotiate to won with required checklist items open (override) — "
        "reason: legal approved by phone"
    ) in history


def test_en_lost_is_never_held_up_and_ticking_everything_opens_the_way(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_team(sessions)
    chat.say("alice", "/deal Acme new license 120k")
    chat.say("alice", "/deal Acme stage negotiate")
    assert "lost" in chat.say("alice", "/deal Acme lost budget cut")
    chat.say("alice", "/deal Globex new pilot 30k")
    chat.say("alice", "/deal Globex stage negotiate")
    reply = chat.say("alice", "/check D2 1 2 3 4 5 6")
    assert "Every required item is done: D2 can move on" in reply
    assert "won!" in chat.say("alice", "/deal D2 won")


def test_en_the_quote_stage_needs_an_approved_quote(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_team(sessions)
    chat.say("alice", "/deal Acme new license 120k")
    reply = chat.say("alice", "/deal D1 stage quote")
    assert "1. ☐ Quote approved (required; ticks itself once the quote is approved" in reply
    assert buttons(chat) == ["check.tick:1:3:2"]  # nothing to press for the approval
    assert "not ticked by hand" in chat.say("alice", "/check D1 1")
    assert "can't move on to negotiate yet" in chat.say("alice", "/deal D1 stage negotiate")
    with sessions.begin() as s:
        deal = s.get_one(Deal, 1)
        s.add(
            Approval(
                tenant_id=deal.tenant_id,
                deal_id=deal.id,
                customer_id=deal.customer_id,
                level=1,
                status="approved",
                requested_at=chat.now,
                waiting_since=chat.now,
                decided_at=chat.now,
            )
        )
    assert "1. ☑ Quote approved — done: the quote is approved" in chat.say("alice", "/check D1")
    assert "moved to stage negotiate" in chat.say("alice", "/deal D1 stage negotiate")


# --- Chinese ----------------------------------------------------------------------------------


def test_zh_contract_review_ticked_refused_and_overridden(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = zh_team(sessions)
    chat.say("小李", "/商机 华为 新建 私有化部署 50万")
    reply = chat.say("小李", "/商机 D1 阶段 签约前沟通")
    assert "清单 · D1“私有化部署”（华为）— 签约前沟通" in reply
    assert "1. ☐ 主体信息核对（必填）" in reply and "6. ☐ 法务审核（必填）" in reply
    reply = chat.say("小李", "/勾选 D1 1、2，3")
    assert "☑ @小李 勾选了 2. 付款条款（D1，华为）。" in reply
    assert "1. ☑ 主体信息核对 — @小李，12月1日 周二 10:00" in reply
    assert "完成：3/6；未完成的必填项：4、5、6" in reply
    assert "☐ @小李 取消了 3. 交付范围与验收标准" in chat.say("小李", "/勾选 D1 第3项 取消")
    refused = chat.say("小李", "/商机 华为 赢单")
    assert "D1（华为）还不能进入“赢单”：“签约前沟通”阶段还有 4 项必填未完成" in refused
    assert "  6. 法务审核 — /勾选 D1 6" in refused
    assert "/商机 D1 赢单 强制 <理由>" in refused
    assert "只有经理或管理员" in chat.say("小李", "/商机 D1 阶段 赢单 强制 客户催")
    reply = chat.say("王经理", "/商机 D1 阶段 赢单 强制 法务已电话确认")
    assert "⚠ @王经理 在“签约前沟通”阶段还有 4 项必填未完成" in reply
    assert "理由：法务已电话确认" in reply
    assert "强制推进 D1 至「赢单」— 理由：法务已电话确认" in chat.say("王经理", "/客户 华为 历史")
    assert "已赢单，清单已关闭" in chat.say("小李", "/勾选 D1 4")


def test_zh_click_and_bad_input(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = zh_team(sessions)
    chat.say("小李", "/商机 华为 新建 私有化部署 50万")
    chat.say("小李", "/商机 华为 阶段 签约前沟通")
    assert buttons(chat)[0] == "check.tick:1:4:1"
    assert "☑ @王经理 勾选了 1. 主体信息核对" in chat.click("王经理", "check.tick:1:4:1")
    assert "1. ☑ 主体信息核对 — @王经理" in chat.plain(chat.last.updates[0].card.fallback)
    assert "“甲”不是清单序号" in chat.say("小李", "/勾选 D1 甲")
    assert "没有第 8 项" in chat.say("小李", "/勾选 D1 8")
    assert "强制推进需要" in chat.say("王经理", "/商机 D1 阶段 赢单 强制")


# --- the digest -------------------------------------------------------------------------------


def test_digest_names_deals_stuck_on_a_required_item_past_the_threshold(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = en_team(sessions)
    clock = Clockwork(chat)
    chat.say("alice", "/deal Acme new license 120k")
    chat.say("alice", "/deal Acme stage negotiate")  # Tue Dec 1
    chat.say("alice", "/check D1 1 2 3 4 5")
    chat.say("alice", "/deal Globex new pilot 30k")
    chat.say("alice", "/deal Globex stage negotiate")
    chat.say("alice", "/check D2 1 2 3 4 5 6")  # nothing required open: never stuck
    chat.at("2026-12-04 10:00")  # Fri: 3 working days at negotiate, the default allows 3
    assert "Held up by a required checklist item" not in chat.say("bob", "/digest")
    sent = clock.tick("2026-12-07 09:00")  # Mon: 4 working days
    [digest] = [t for who, t in sent if who == "bob" and t.startswith("Good morning")]
    assert "Held up by a required checklist item (longer than the stage allows):" in digest
    assert (
        "⏳ D1 “license” $120,000 — Acme, @alice, 4 working days at negotiate; open: Legal "
        "review (/check D1)"
    ) in digest
    assert "D2" not in digest.split("Held up by", 1)[1]
    chat.say("alice", "/check D1 6")
    assert "Held up by" not in chat.say("bob", "/digest")


def test_zh_digest_and_a_stage_threshold(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = zh_team(sessions)
    chat.say("小李", "/商机 华为 新建 私有化部署 50万")
    chat.say("小李", "/商机 华为 阶段 签约前沟通")
    chat.at("2026-12-03 10:00")  # Thu: 2 working days, under the default 3
    assert "卡在必填清单项上" not in chat.say("王经理", "/日报")
    pipeline = chat.bot.settings.pipeline
    pipeline.stuck_after_days = 1  # as [pipeline] stuck_after_days = 1 would make it
    reply = chat.say("王经理", "/日报")
    assert "卡在必填清单项上（超过该阶段允许的时间）：" in reply
    assert (
        "在“签约前沟通”阶段已 2 个工作日；未完成：主体信息核对、付款条款、交付范围与验收标准等 6 项（/勾选 D1）"
        in reply
    )


def test_digest_lists_the_longest_stuck_first_and_counts_the_rest(sessions, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot import checklist_digest

    monkeypatch.setattr(checklist_digest, "STUCK_SHOWN", 1)
    chat = en_team(sessions)
    chat.say("alice", "/deal Acme new license 120k")
    chat.say("alice", "/deal Acme stage negotiate")  # Tue Dec 1
    chat.at("2026-12-02 10:00")
    chat.say("alice", "/deal Globex new pilot 30k")
    chat.say("alice", "/deal Globex stage quote")  # Wed Dec 2: waits on its approved quote
    chat.at("2026-12-09 10:00")
    reply = chat.say("bob", "/digest")
    assert "⏳ D1 “license” $120,000 — Acme, @alice, 6 working days at negotiate" in reply
    assert "D2" not in reply.split("Held up by", 1)[1].split("…and", 1)[0]
    assert "⏳ …and 1 more" in reply
