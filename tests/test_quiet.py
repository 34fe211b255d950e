"""Customers going quiet and renewals coming (bot/quiet.py, bot/jobs/quiet.py): the owner's
Monday list past [quiet] days without a touch, renewals within renewal_within_days, its Log a
call and Snooze 30 days buttons, the customers of an owner who left going to the lead, the
week's first working day when Monday is a holiday, en and zh, and the scan's query plan."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, select

from bot.quiet import quiet_customers
from storage.models import AuditEntry, Customer
from tests.chat import Chat, Clockwork
from tests.test_console import ROOT, run_console

MONDAY = "2026-12-07 09:00"


@pytest.fixture
def chat(sessions):  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-09-01 10:00")
    chat.say("admin", "/team east @boss @alice")
    chat.at("2026-09-07 10:00")  # 91 days before Monday Dec 7
    chat.say("alice", "/log Acme call talked about the pilot")
    chat.at("2026-09-09 10:00")  # 89 days before
    chat.say("alice", "/log Beta call talked about pricing")
    return chat


def lists(sent: list[tuple[str, str]], name: str) -> list[str]:
    return [t for n, t in sent if n == name and "📞" in t]


def test_untouched_91_days_is_listed_89_is_not_and_once_a_week(chat: Chat) -> None:
    clock = Clockwork(chat)
    assert lists(clock.tick("2026-12-07 08:59"), "alice") == []  # before the digest time
    [card] = lists(clock.tick(MONDAY), "alice")
    assert "📞 1 customer to call this week" in card
    assert "• Acme — no touch for 91 days (since Mon Sep 7)" in card
    assert "Beta" not in card
    assert "[quiet.log:1] [quiet.snooze:1]" in card
    assert lists(clock.tick("2026-12-07 10:00"), "alice") == []  # once that week
    assert lists(clock.tick("2026-12-08 09:00"), "alice") == []
    assert lists(clock.tick("2026-12-14 09:00"), "alice") != []  # the next week again


def test_snooze_hides_it_for_30_days_and_is_audited(chat: Chat, sessions) -> None:  # type: ignore[no-untyped-def]
    clock = Clockwork(chat)
    lists(clock.tick(MONDAY), "alice")
    reply = chat.click("alice", "quiet.snooze:1")
    assert "✓ Acme is off the quiet list until Wed Jan 6" in reply
    assert "/log Acme call" in chat.click("alice", "quiet.log:1")
    assert "bob" not in chat.click("boss", "quiet.snooze:1")  # the lead reaches it too
    with sessions() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "customer.quiet_snooze"))
        assert entry is not None and entry.subject == "customer:1"
        assert s.get_one(Customer, 1).quiet_snoozed_until is not None
    [card] = lists(clock.tick("2026-12-14 09:00"), "alice")  # Beta's turn; Acme snoozed
    assert "Beta" in card and "Acme" not in card
    chat.at("2026-12-07 09:30")
    assert "I know no customer" in chat.click("admin", "quiet.snooze:99")


def test_a_renewal_within_30_days_is_listed(chat: Chat) -> None:
    chat.at("2026-12-01 10:00")
    chat.say("alice", "/deal Gamma new support 10k")
    assert "only a won deal has a renewal" in chat.say("alice", "/deal D1 renewal 2026-12-30")
    chat.say("alice", "/deal Gamma won")
    assert "renews Wed Dec 30" in chat.say("alice", "/deal D1 renewal 2026-12-30")
    assert "Renewal: D1 “support” renews Wed Dec 30" in chat.say("alice", "/customer Gamma")
    [card] = lists(Clockwork(chat).tick(MONDAY), "alice")
    assert "(1 renewal coming)" in card
    assert card.index("• Gamma — renews Wed Dec 30 (D1)") < card.index("• Acme")


def test_a_renewal_further_than_30_days_is_not(chat: Chat) -> None:
    chat.at("2026-12-01 10:00")
    chat.say("alice", "/deal Gamma new support 10k")
    chat.say("alice", "/deal Gamma won")
    chat.say("alice", "/deal Gamma renewal 2027-01-20")
    [card] = lists(Clockwork(chat).tick(MONDAY), "alice")
    assert "Gamma" not in card


def test_an_owner_who_left_the_team_sends_the_customer_to_the_lead(chat: Chat) -> None:
    chat.say("admin", "/team east @boss @carl")  # alice left
    sent = Clockwork(chat).tick(MONDAY)
    assert lists(sent, "alice") == []
    [card] = lists(sent, "boss")
    assert "• Acme — no touch for 91 days" in card
    assert "its owner has left: reassign it, /handover Acme @from @to" in card


def test_zh_a_holiday_monday_waits_for_the_first_working_day(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-06-01 10:00", tz="Asia/Shanghai", locale="zh_CN")
    chat.say("管理员", "/团队 华东 @王经理 @小李")
    chat.say("小李", "/记录 华为 电话 聊了交付周期")
    clock = Clockwork(chat)
    assert lists(clock.tick("2026-10-05 09:00"), "小李") == []  # 国庆假期
    [card] = lists(clock.tick("2026-10-08 09:00"), "小李")  # the week's first working day
    assert "📞 本周需联系的客户 1 个" in card
    assert "• 华为 —— 已 129 天没有跟进（自6月1日 周一）" in card
    assert "复制、补全后发送：/记录 华为 电话" in chat.click("小李", "quiet.log:1")
    assert "暂缓" in card


def test_the_scan_reads_customers_by_owner_and_touches_by_index(sessions) -> None:  # type: ignore[no-untyped-def]
    """The query plan on SQLite: customers by ix_customers_owner, each one's newest touch by
    ix_activities_customer, no table scanned whole."""
    now = datetime(2026, 12, 7, 9, tzinfo=UTC)
    engine = sessions.kw["bind"]
    if engine.dialect.name != "sqlite":
        pytest.skip("the plan is read on SQLite")
    captured: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, params, context, many):  # type: ignore[no-untyped-def]
        if "FROM customers" in statement and "max(activities.occurred_at)" in statement:
            captured.append((statement, params))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with sessions() as s:
            found = quiet_customers(
                s,
                tenant_id=1,
                owner_ids={1},
                now=now,
                tz="UTC",
                quiet_days=90,
                renewal_within_days=30,
            )
            assert found == []
            [(statement, params)] = captured
            raw = s.connection().connection.driver_connection
            plan = " | ".join(
                str(r[-1]) for r in raw.execute(f"EXPLAIN QUERY PLAN {statement}", params)
            )
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    assert "SCAN customers" not in plan and "SCAN activities" not in plan, plan
    assert "ix_customers_owner" in plan and "ix_activities_customer" in plan, plan


def test_the_console_script_lists_and_snoozes(tmp_path: Path) -> None:
    out = run_console((ROOT / "examples" / "quiet.txt").read_text(), tmp_path / "q.db")
    assert "📞 1 customer to call this week" in out
    assert "✓ Acme is off the quiet list until Wed Jan 6" in out
    assert "Copy, complete and send: /log Acme call" in out
