"""Quote and discount approvals: the request, the decision, its clock, reminders, escalation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import worktime
from bot.approval_rules import ApprovalRules, Band
from bot.approvals import approved_quote, decision_times
from bot.config import ConfigError, load_config
from bot.parse.discounts import parse_discount
from bot.settings import Settings
from storage.models import AuditEntry, Deal, Person
from storage.process import Approval
from tests.chat import Chat, Clockwork

SH = "Asia/Shanghai"


@pytest.fixture(autouse=True)
def fresh_cn_cache():  # type: ignore[no-untyped-def]
    worktime._country_year.cache_clear()
    worktime._warn_makeup_unknown.cache_clear()
    yield
    worktime._country_year.cache_clear()
    worktime._warn_makeup_unknown.cache_clear()


def team(chat: Chat, *, zh: bool = False) -> None:
    if zh:
        chat.say("老板", "/团队 华东 @王经理 @小李 @小张")
        chat.say("小李", "/商机 华为 新建 私有化部署项目 30万")
    else:
        chat.say("boss", "/team east @bob @alice @carl")
        chat.say("alice", "/deal Acme new 40-seat license 120k")


def approval(chat: Chat, approval_id: int = 1) -> Approval:
    with chat.bot.sessions() as s:
        row = s.get_one(Approval, approval_id)
        s.expunge(row)
        return row


def deal(chat: Chat, deal_id: int = 1) -> Deal:
    with chat.bot.sessions() as s:
        row = s.get_one(Deal, deal_id)
        s.expunge(row)
        return row


def person_id(chat: Chat, name: str) -> int:
    with chat.bot.sessions() as s:
        return s.scalars(select(Person.id).where(Person.display_name == name)).one()


def test_approved_quote_is_true_only_once_an_approval_of_the_deal_is_approved(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    chat.say("boss", "/help")
    chat.say("alice", "/deal Acme new 40 seats 120k")
    with sessions.begin() as s:
        deal = s.scalars(select(Deal)).one()
        at = datetime(2026, 11, 30, 10, tzinfo=UTC)
        row = Approval(
            tenant_id=deal.tenant_id,
            deal_id=deal.id,
            customer_id=deal.customer_id,
            status="pending",
            requested_at=at,
            waiting_since=at,
        )
        s.add(row)
        s.flush()
        assert approved_quote(s, deal.id) is False
        row.status = "rejected"
        s.flush()
        assert approved_quote(s, deal.id) is False
        row.status = "approved"
        s.flush()
        assert approved_quote(s, deal.id) is True


@pytest.mark.parametrize(
    ("text", "percent"),
    [
        ("12%", "12"),
        ("12% off", "12"),
        ("12.5%", "12.5"),
        ("九折", "10"),
        ("八五折", "15"),
        ("88折", "12"),
        ("8.5折", "15"),
        ("9折", "10"),
        ("打七折", "30"),
        ("１２％", "12"),  # full-width, as Chinese keyboards type it
    ],
)
def test_discounts_are_read_in_percent_off(text: str, percent: str) -> None:
    assert parse_discount(text) == Decimal(percent)


@pytest.mark.parametrize("text", ["0%", "100%", "12", "十折", "hello", "折"])
def test_what_is_no_discount_is_not_read_as_one(text: str) -> None:
    assert parse_discount(text) is None


def test_en_request_goes_to_the_reps_manager_on_a_card(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 09:00")
    team(chat)
    out = chat.say("alice", "/approval D1 quote 118k discount 12% they sign for 3 years")
    assert "Approval A1 requested for D1 “40-seat license” $120,000 (Acme)" in out
    assert "quote $118,000, discount 12%. Sent to @bob" in out
    [push] = chat.last.pushes
    assert push.person_id == person_id(chat, "bob")
    assert "@alice asks you to approve A1" in chat.plain(push.message.text)
    card = push.message.card
    assert card is not None and card.key == "approval:1"
    assert [b.id for b in card.buttons] == [
        "approval.approve:1",
        "approval.reject:1",
        "approval.ask:1",
    ]
    assert "Why: they sign for 3 years" in card.fallback
    row = approval(chat)
    assert (row.amount, row.currency, row.discount_percent) == (Decimal(118000), "USD", 12)
    assert (row.status, row.level, row.reason) == ("pending", 1, "they sign for 3 years")
    assert row.requester_id == person_id(chat, "alice")
    assert row.approver_id == person_id(chat, "bob")
    assert row.requested_at == datetime(2026, 12, 4, 9, tzinfo=UTC)


def test_en_the_customer_names_the_deal_too(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 09:00")
    team(chat)
    assert "Approval A1 requested for D1" in chat.say("alice", "/approval Acme discount 15% pilot")
    assert approval(chat).discount_percent == 15 and approval(chat).amount is None


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/approval D1 hello", "I found no quote or discount to approve in “hello”"),
        ("/approval D1 quote lots", "“quote lots”: I can't read the quote"),
        ("/approval D1 discount much", "“discount much”: I can't read the discount"),
        ("/approval", "Which deal?"),
        ("/approval D9 quote 100k", "D9 is not a deal you can see"),
    ],
)
def test_en_unreadable_requests_are_asked_back_and_nothing_is_sent(
    sessions, line: str, expected: str
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 09:00")
    team(chat)
    assert expected in chat.say("alice", line)
    assert chat.last.pushes == []
    with sessions() as s:
        assert s.scalars(select(Approval)).all() == []


def test_en_approve_click_updates_the_card_writes_the_deal_and_tells_the_rep(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 15:00")  # a Friday
    team(chat)
    chat.say("alice", "/approval D1 quote 118k discount 12% 3-year term")
    chat.at("2026-12-07 10:30")  # Monday: 3 h on Friday + 1.5 h today
    chat.click("bob", "approval.approve:1")
    [update] = chat.last.updates
    assert update.card.key == "approval:1" and update.card.buttons == ()
    assert "✓ approved by @bob on Mon Dec 7 10:30, after 4.5 working hours" in chat.plain(
        update.card.fallback
    )
    assert chat.pushes() == {
        person_id(chat, "alice"): "✓ @bob approved A1 for D1 “40-seat license” $118,000 (Acme): "
        "quote $118,000, discount 12%."
    }
    row = approval(chat)
    assert (row.status, row.decided_by_id, row.working_seconds) == (
        "approved",
        person_id(chat, "bob"),
        int(4.5 * 3600),
    )
    d = deal(chat)
    assert (d.amount, d.discount_percent) == (Decimal(118000), Decimal(12))
    with sessions() as s:
        assert approved_quote(s, 1)
        entries = {e.action: e.detail for e in s.scalars(select(AuditEntry))}
    assert entries["deal.amount"]["before"]["amount"] == "120000.00"
    assert entries["deal.amount"]["after"]["amount"] == "118000.00"
    assert entries["deal.amount"]["approval"] == 1
    assert entries["deal.discount"]["after"] == {"discount_percent": "12.00"}
    assert entries["approval.approved"]["after"]["status"] == "approved"
    assert "changed the amount of D1 from $120,000 to $118,000" in chat.say(
        "alice", "/customer Acme history"
    )
    # pressed again: already decided, nothing changes
    assert "A1 (Acme) was already approved by @bob" in chat.click("bob", "approval.approve:1")


def test_en_only_the_approver_or_an_admin_decides(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 09:00")
    team(chat)
    chat.say("alice", "/approval D1 quote 118k please")
    assert "A1 (Acme) is @bob's to decide (or an admin's); nothing changed." in chat.say(
        "alice", "/approval A1 approve"
    )
    # carl is in the team but Acme is not within his reach: A1 does not exist for him
    assert "A1 is not an approval you can see" in chat.say("carl", "/approval A1 approve")
    assert "A1 is not an approval you can see" in chat.click("carl", "approval.approve:1")
    assert approval(chat).status == "pending"
    chat.say("boss", "/approval A1 approve")  # an admin may, and the rep and bob are told
    assert set(chat.pushes()) == {person_id(chat, "alice"), person_id(chat, "bob")}
    assert approval(chat).status == "approved"
    assert approval(chat).decided_by_id == person_id(chat, "boss")


def test_en_reject_needs_a_reason_and_the_button_hands_back_the_form(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 09:00")
    team(chat)
    chat.say("alice", "/approval D1 discount 12% pilot")
    assert (
        chat.click("bob", "approval.reject:1")
        == "A rejection needs its reason: send /approval A1 reject <reason>"
    )
    assert chat.click("bob", "approval.ask:1") == (
        "Send your question, and it goes to the rep: /approval A1 ask <question>"
    )
    assert "A rejection needs its reason: /approval A1 reject <reason>" in chat.say(
        "bob", "/approval A1 reject"
    )
    assert approval(chat).status == "pending"
    out = chat.say("bob", "/approval A1 reject margin too thin")
    assert "✗ A1 (Acme) rejected: “margin too thin”." in out
    assert chat.pushes() == {
        person_id(chat, "alice"): "✗ @bob rejected A1 (Acme, discount 12%): “margin too thin”."
    }
    assert deal(chat).discount_percent is None and deal(chat).amount == Decimal(120000)
    assert approval(chat).decision_note == "margin too thin"


def test_en_ask_goes_to_the_rep_and_the_answer_back_to_the_approver(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 09:00")
    team(chat)
    chat.say("alice", "/approval D1 discount 12% pilot")
    chat.say("bob", "/approval A1 ask Why 12%?")
    assert chat.pushes() == {
        person_id(chat, "alice"): "@bob asks about A1 (Acme, discount 12%): “Why 12%?” — "
        "answer with /approval A1 reply <answer>"
    }
    out = chat.say("alice", "/approval A1 reply Competitor offered 15%")
    assert "Your answer on A1 (Acme) is recorded and went to @bob." in out
    assert chat.pushes() == {
        person_id(chat, "bob"): "@alice answers about A1 (Acme, discount 12%): “Competitor "
        "offered 15%” — decide with /approval A1 approve · /approval A1 reject <reason>"
    }
    assert approval(chat).status == "pending"


def test_en_a_big_discount_goes_to_an_admin_and_a_band_may_name_a_person(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 09:00")
    team(chat)
    assert "Sent to @boss" in chat.say("alice", "/approval D1 discount 25% big logo")
    chat.bot.settings = Settings(
        approvals=ApprovalRules(bands=(Band(approver="carl", amount_over=Decimal(100000)),))
    )
    assert "Sent to @carl" in chat.say("alice", "/approval D1 quote 110k renewal")
    assert "Sent to @bob" in chat.say("alice", "/approval D1 quote 90k small")


def test_zh_request_and_decision(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=SH, locale="zh_CN", now="2026-12-04 09:00")
    team(chat, zh=True)
    out = chat.say("小李", "/审批 D1 报价 28万 九折 客户签三年")
    assert "已为 D1“私有化部署项目” 30万元（华为）发起审批 A1" in out
    assert "报价 28万元，折扣 10%（9折）。已发给 @王经理" in out
    row = approval(chat)
    assert (row.amount, row.currency, row.discount_percent) == (Decimal(280000), "CNY", 10)
    [push] = chat.last.pushes
    assert push.message.card is not None and "理由：客户签三年" in push.message.card.fallback
    assert "要写明理由：/审批 A1 驳回 <理由>" in chat.say("王经理", "/审批 A1 驳回")
    chat.at("2026-12-04 11:00")
    out = chat.say("王经理", "/审批 A1 同意")
    assert "✓ 已同意 A1：D1“私有化部署项目” 28万元（华为）" in out
    assert "用时 2 个工作小时" in out
    assert chat.pushes() == {
        person_id(chat, "小李"): "✓ @王经理 同意了 A1：D1“私有化部署项目” 28万元（华为），"
        "报价 28万元，折扣 10%（9折）。"
    }
    assert deal(chat).discount_percent == 10


@pytest.mark.parametrize(
    ("line", "discount", "amount"),
    [
        ("/审批 华为 八五折 老客户续约", "15", None),
        ("/审批 华为 88折", "12", None),
        ("/审批 华为 报价28万", None, "280000"),
        ("/审批 D1 折扣 12% 竞品压价", "12", None),
        ("/审批 D1 28万 九折", "10", "280000"),
    ],
)
def test_zh_forms_of_a_request(
    sessions, line: str, discount: str | None, amount: str | None
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=SH, locale="zh_CN", now="2026-12-04 09:00")
    team(chat, zh=True)
    assert "发起审批 A1" in chat.say("小李", line)
    row = approval(chat)
    assert row.discount_percent == (Decimal(discount) if discount else None)
    assert row.amount == (Decimal(amount) if amount else None)


def test_zh_unreadable_request_is_asked_back(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=SH, locale="zh_CN", now="2026-12-04 09:00")
    team(chat, zh=True)
    out = chat.say("小李", "/审批 D1 尽快批")
    assert "“尽快批”中没有找到要审批的报价或折扣，未发送" in out
    assert "/审批 D12 报价 28万 九折 <理由>" in out
    assert "“折扣 很多”：折扣看不懂" in chat.say("小李", "/审批 D1 折扣 很多")
    assert "不是审批 A1 能做的操作" in chat.say("小李", "/审批 A1 好的")


def to(sent: list[tuple[str, str]], name: str) -> list[str]:
    """What `name` was sent about approvals: not the morning digest, the Monday review nor
    their charts (a push with no words)."""
    others = ("Good morning", "早上好", "📋")
    return [t for n, t in sent if n == name and t and not t.startswith(others)]


def test_en_reminded_then_escalated_in_working_hours_across_a_weekend(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 15:00")  # Friday, 3 working hours left
    clock = Clockwork(chat)
    team(chat)
    chat.say("boss", "/team directors @dana @bob")  # bob's own manager: dana
    chat.say("alice", "/approval D1 quote 110k")
    clock.tick("2026-12-04 15:00")  # the request's own card goes out
    assert to(clock.tick("2026-12-04 18:00"), "bob") == []
    assert to(clock.tick("2026-12-05 12:00"), "bob") == []  # Saturday
    assert to(clock.tick("2026-12-07 09:59"), "bob") == []  # 3 h 59 min of working time
    [reminder] = to(clock.tick("2026-12-07 10:00"), "bob")
    assert reminder.startswith("A1 (Acme, quote $110,000) from @alice has waited 4 working hours")
    assert "[approval.approve:1]" in reminder
    assert to(clock.tick("2026-12-07 10:05"), "bob") == []  # reminded once
    assert to(clock.tick("2026-12-07 13:59"), "dana") == []
    sent = clock.tick("2026-12-07 14:00")
    [card] = to(sent, "dana")
    assert card.startswith("A1 (Acme, quote $110,000) from @alice waited 8 working hours on @bob")
    assert "Approver: @dana (escalated, level 2)" in card and "[approval.approve:1]" in card
    assert to(sent, "bob") == [
        "A1 (Acme) waited 8 working hours for your decision, so it went to @dana."
    ]
    row = approval(chat)
    assert (row.level, row.approver_id) == (2, person_id(chat, "dana"))
    assert clock.tick("2026-12-07 14:30") == []  # sent once
    assert "is @dana's to decide" in chat.say("bob", "/approval A1 approve")
    chat.say("dana", "/approval A1 approve")  # at 14:30: the clock counts from the request
    assert approval(chat).working_seconds == int(8.5 * 3600)


def test_with_nobody_above_it_stays_with_its_approver(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 09:00")
    clock = Clockwork(chat)
    chat.say("boss", "/team east @boss @alice")  # the admin leads: nobody above
    chat.say("alice", "/deal Acme new license 120k")
    chat.say("alice", "/approval D1 quote 100k")
    clock.tick("2026-12-07 09:00")
    assert [n for n, _ in clock.tick("2026-12-07 13:00")] == ["boss"]  # the reminder
    assert clock.tick("2026-12-07 17:00") == []  # 8 h: nobody to escalate to
    assert clock.tick("2026-12-08 17:00") == []
    row = approval(chat)
    assert (row.level, row.approver_id, row.status) == (1, person_id(chat, "boss"), "pending")


def test_no_reminder_once_the_deal_is_closed(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 09:00")
    clock = Clockwork(chat)
    team(chat)
    chat.say("alice", "/approval D1 discount 5% small")
    clock.tick("2026-12-07 09:00")
    chat.say("alice", "/deal Acme lost went elsewhere")
    assert to(clock.tick("2026-12-07 18:00"), "bob") == []
    assert "D1 “40-seat license” (Acme) was already lost on Mon Dec 7 09:00" in chat.say(
        "alice", "/approval D1 discount 5% again"
    )


def test_zh_reminder_waits_out_the_national_day_holiday(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=SH, locale="zh_CN", now="2026-09-30 15:00")
    clock = Clockwork(chat)
    team(chat, zh=True)
    chat.say("小李", "/审批 D1 九折 老客户")
    clock.tick("2026-09-30 15:00")
    assert to(clock.tick("2026-10-02 10:00"), "王经理") == []  # 国庆: not working time
    assert to(clock.tick("2026-10-08 09:59"), "王经理") == []
    [reminder] = to(clock.tick("2026-10-08 10:00"), "王经理")
    assert reminder.startswith("@小李 提交的 A1（华为，折扣 10%（9折））已等待你审批 4 个工作小时")
    sent = clock.tick("2026-10-08 14:00")
    # nobody above the manager but the admin (老板): the card goes there
    [card] = to(sent, "老板")
    assert "在 @王经理 处等待了 8 个工作小时，现已升级由你审批" in card
    assert to(sent, "王经理") == ["A1（华为）等待你审批已 8 个工作小时，已升级给 @老板。"]


def test_approvals_lists_whats_pending_within_reach_oldest_first_with_ages(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 09:00")
    team(chat)
    chat.say("boss", "/team west @wendy @dave")
    chat.say("dave", "/deal Initech new renewal 45k")
    chat.say("alice", "/approval D1 discount 12% pilot")
    chat.at("2026-12-04 11:00")
    chat.say("dave", "/approval D2 quote 40k renewal")
    chat.at("2026-12-07 10:00")  # Monday
    listing = chat.say("boss", "/approvals")
    assert listing.index("A1 Acme D1") < listing.index("A2 Initech D2")
    assert "A1 Acme D1: discount 12% — from @alice, waiting on @bob, 10.0 working hours" in listing
    assert "A2 Initech D2: quote $40,000 — from @dave, waiting on @wendy, 8.0 working hours" in (
        listing
    )
    assert "A2" not in chat.say("bob", "/approvals") and "A1" in chat.say("bob", "/approvals")
    assert "A1" not in chat.say("wendy", "/approvals")
    assert "A1" in chat.say("alice", "/approvals") and "A2" not in chat.say("alice", "/approvals")
    chat.say("bob", "/approval A1 approve")
    assert "No approvals are pending within your reach" in chat.say("bob", "/approvals")
    assert "你范围内没有待处理的审批" in chat.say("bob", "/审批列表")


def test_decision_times_median_and_slowest(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 09:00")  # Monday
    team(chat)
    for n in range(3):
        chat.say("alice", f"/approval D1 discount {n + 5}% try {n}")
    chat.at("2026-12-07 10:00")
    chat.say("bob", "/approval A1 approve")  # 1 h
    chat.at("2026-12-07 12:00")
    chat.say("bob", "/approval A2 reject no")  # 3 h
    chat.at("2026-12-08 10:00")
    chat.say("bob", "/approval A3 approve")  # 9 h + 1 h
    alice, bob = person_id(chat, "alice"), person_id(chat, "bob")
    week = datetime(2026, 12, 7, tzinfo=UTC), datetime(2026, 12, 14, tzinfo=UTC)
    with sessions() as s:
        tenant = s.get_one(Person, alice).tenant_id
        times = decision_times(s, tenant, [alice], *week)
        assert times is not None
        assert (times.count, times.median_hours, times.slowest_hours, times.slowest_id) == (
            3,
            Decimal("3.0"),
            Decimal("10.0"),
            3,
        )
        assert decision_times(s, tenant, [bob], *week) is None  # bob asked for none
        monday = datetime(2026, 12, 7, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC)
        assert decision_times(s, tenant, [alice], *monday).count == 2  # type: ignore[union-attr]


def test_config_reads_approvals_with_documented_defaults(tmp_path: Path) -> None:
    assert load_config(None, env={}).settings().approvals == ApprovalRules()
    example = Path(__file__).resolve().parent.parent / "config.example.toml"
    assert load_config(example, env={}).settings().approvals == ApprovalRules()
    path = tmp_path / "c.toml"
    path.write_text(
        "[approvals]\nremind_after_hours = 2\nescalate_after_hours = 6\n"
        'bands = [{ amount_over = 500000, approver = "@carl" }]\n',
        encoding="utf-8",
    )
    rules = load_config(path, env={}).settings().approvals
    assert rules == ApprovalRules(
        remind_after_hours=2,
        escalate_after_hours=6,
        bands=(Band(approver="carl", amount_over=Decimal(500000)),),
    )
    path.write_text("[approvals]\nescalate_after_hours = 4\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(path, env={})
    assert "approvals.escalate_after_hours: must be greater than remind_after_hours (4)" in str(
        e.value
    )
    path.write_text("[approvals]\nbands = [{ approver = 'admin' }]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(path, env={})
    assert "approvals.bands[0]: a band needs discount_over or amount_over" in str(e.value)
