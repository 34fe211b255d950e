"""Payment collection (回款): /payment plans, /paid money in, in English and Chinese, through
the real Bot on a real store (bot/payments.py, bot/commands/payment.py, paid.py)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from storage.models import AuditEntry
from storage.process import Payment, PaymentStep
from tests.chat import Chat


@pytest.fixture
def chat(sessions):  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 10:00")  # a Monday
    chat.say("boss", "/team east @boss @alice @carl")
    chat.say("alice", "/deal Acme new 40 seats 120k")
    chat.say("alice", "/deal Acme won")
    return chat


@pytest.fixture
def zh(sessions):  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 10:00", tz="Asia/Shanghai", locale="zh_CN")
    chat.say("王经理", "/团队 华东 @王经理 @小李")
    chat.say("小李", "/商机 华为 新建 私有化部署项目 28万")
    chat.say("小李", "/商机 华为 赢单")
    return chat


def steps(chat: Chat, *statuses: str) -> list[tuple[int, Decimal, date | None, Decimal, str]]:
    with chat.bot.sessions() as s:
        rows = s.scalars(select(PaymentStep).order_by(PaymentStep.id))
        return [
            (r.sequence, r.amount, r.due_on, r.paid, r.status)
            for r in rows
            if not statuses or r.status in statuses
        ]


def test_en_plan_in_percentages_of_the_deal(chat: Chat) -> None:
    text = chat.say("alice", "/payment D1 30% 2027-01-10, 70% 2027-03-01")
    assert "✓ Payment plan for D1 “40 seats” $120,000 — Acme" in text
    assert "#1 $36,000 (30%) — due Sun Jan 10, 2027" in text
    assert "#2 $84,000 (70%) — due Mon Mar 1, 2027" in text
    assert "⚠" not in text and "not won" not in text
    text = chat.say("alice", "/payment D1 30% 2026-12-01, 70% 2027-03-01")
    assert "⚠ Already past its due day: #1 (Tue Dec 1) — overdue from now on." in text
    assert steps(chat, "replaced") == [
        (1, Decimal("36000.00"), date(2027, 1, 10), 0, "replaced"),
        (2, Decimal("84000.00"), date(2027, 3, 1), 0, "replaced"),
    ]


def test_en_plan_in_sums_by_customer_name_and_the_gap_is_told_not_blocked(chat: Chat) -> None:
    text = chat.say("alice", "/payment Acme 36k Jan 10, 60k Mar 1")
    assert "#1 $36,000 — due Sun Jan 10, 2027" in text
    assert "⚠ The steps add up to $96,000, not the deal's $120,000: $24,000 is in no step" in text
    assert len(steps(chat, "open")) == 2
    text = chat.say("alice", "/payment D1 30% Jan 10, 60% Mar 1")
    assert "(90%, not 100%)" in text and "$12,000 is in no step" in text
    assert "replaces the earlier plan" in text
    assert [s[4] for s in steps(chat)] == ["replaced", "replaced", "open", "open"]


def test_en_a_plan_before_the_win_is_kept_with_a_note(chat: Chat) -> None:
    chat.say("alice", "/deal Globex new pilot 50k")
    text = chat.say("alice", "/payment Globex 100% 2027-02-01")
    assert "Note: D2 is not won yet (open, stage lead)" in text
    text = chat.say("alice", "/payment Globex 30% by Jan 10, 70% end of March")
    assert "#1 $15,000 (30%) — due Sun Jan 10, 2027" in text
    assert "#2 $35,000 (70%) — due Wed Mar 31, 2027" in text
    assert steps(chat, "replaced") == [(1, Decimal("50000.00"), date(2027, 2, 1), 0, "replaced")]


def test_en_partial_payments_are_kept_and_an_overpayment_carries_to_the_next_step(
    chat: Chat,
) -> None:
    chat.say("alice", "/payment D1 30% 2027-01-10, 70% 2027-03-01")
    text = chat.say("alice", "/paid D1 20k")
    assert "✓ $20,000 received on D1" in text
    assert "step #1: $20,000 — part payment, $16,000 of it still open" in text
    assert "Still open: $100,000; next: step #1 $16,000 due Sun Jan 10, 2027." in text
    text = chat.say("alice", "/paid Acme 30k 2026-12-05")
    assert "on Sat Dec 5" in text
    assert "step #1: $16,000 — ✓ paid in full" in text
    assert "step #2: $14,000 — part payment, $70,000 of it still open" in text
    assert steps(chat) == [
        (1, Decimal("36000.00"), date(2027, 1, 10), Decimal("36000.00"), "paid"),
        (2, Decimal("84000.00"), date(2027, 3, 1), Decimal("14000.00"), "open"),
    ]
    text = chat.say("alice", "/paid D1 100k")
    assert "$100,000 is more than everything still open on D1's plan ($70,000)" in text
    assert "/paid D1 $70,000" in text
    assert "✓ The plan is paid in full." in chat.say("alice", "/paid D1 $70,000")
    with chat.bot.sessions() as s:
        assert [p.amount for p in s.scalars(select(Payment).order_by(Payment.id))] == [
            Decimal("20000.00"),
            Decimal("30000.00"),
            Decimal("70000.00"),
        ]
        audit = [(a.action, a.subject) for a in s.scalars(select(AuditEntry))]
    history = chat.say("alice", "/customer Acme history")
    assert "alice recorded $70,000 received on D1" in history
    assert "alice wrote the payment plan of D1" in history
    assert ("payment.plan", "deal:1") in audit
    assert [a for a in audit if a[0] == "payment.received"] == [
        ("payment.received", "payment:1"),
        ("payment.received", "payment:2"),
        ("payment.received", "payment:3"),
    ]


def test_en_a_plan_with_money_against_it_is_not_rewritten(chat: Chat) -> None:
    chat.say("alice", "/payment D1 30% 2027-01-10, 70% 2027-03-01")
    chat.say("alice", "/paid D1 10k")
    text = chat.say("alice", "/payment D1 50% 2027-01-10, 50% 2027-03-01")
    assert "D1 already has $10,000 paid against its plan, so the plan is not rewritten" in text
    assert [s[1] for s in steps(chat)] == [Decimal("36000.00"), Decimal("84000.00")]
    shown = chat.say("alice", "/payment D1")
    assert "$10,000 paid, $26,000 open" in shown and "collected $10,000 of $120,000" in shown


def test_en_unreadable_amounts_and_dates_are_asked_back(chat: Chat) -> None:
    text = chat.say("alice", "/payment D1 30% 2027-01-10, 70% when they feel like it")
    assert "I can't read when “70% when they feel like it” is due" in text
    assert "Write it like this: /payment D12 30% 2027-01-10" in text
    assert "does not start with an amount" in chat.say("alice", "/payment D1 lots 2027-01-10")
    assert "has no due day" in chat.say("alice", "/payment D1 30%")
    text = chat.say("alice", "/payment D1 30% 2027-01-10, 70% after M9 30 days")
    assert "D1 has no milestone M9, so nothing was saved" in text
    assert "/milestone D1 <what> <when> @who" in text
    assert "“2027-02-30” is not a date" in chat.say("alice", "/payment D1 100% 2027-02-30")
    assert "I can't read an amount" in chat.say("alice", "/paid D1 tomorrow")
    assert "has not come yet" in chat.say("alice", "/paid D1 5k tomorrow")
    assert steps(chat) == []


def test_en_percentages_need_the_deals_amount_and_currencies_must_match(chat: Chat) -> None:
    chat.say("alice", "/deal Initech new renewal")
    text = chat.say("alice", "/payment Initech 50% 2027-01-10, 50% 2027-02-10")
    assert "has no amount, so a percentage of it is nothing yet" in text
    chat.say("alice", "/deal Hooli new trial 10k")
    chat.say("alice", "/deal Hooli lost budget cut")
    assert "was lost, so there is nothing to collect" in chat.say("alice", "/paid D3 5k")
    assert "was lost, so there is nothing to collect" in chat.say("alice", "/payment D3 5k Jan 9")
    text = chat.say("alice", "/payment D1 €36k 2027-01-10")
    assert "D1 is in USD, and “€36k 2027-01-10” is in EUR" in text
    assert steps(chat) == []


def test_en_a_deal_out_of_reach_is_as_one_that_does_not_exist(chat: Chat) -> None:
    chat.say("alice", "/payment D1 30% 2027-01-10, 70% 2027-03-01")
    assert "There is no deal D1 that you can see" in chat.say("dave", "/paid D1 10k")
    assert "There is no deal D99" in chat.say("alice", "/payment D99")
    assert "Nothing open" in chat.say("dave", "/receivables")
    assert "D1 Acme #1 $36,000" in chat.say("boss", "/receivables")  # alice's manager


def test_zh_plan_paid_in_two_parts(zh: Chat) -> None:
    text = zh.say("小李", "/回款计划 D1 30% 1月10日，70% 3月1日")
    assert "第1期 8.4万元（30%） — 2027年1月10日 周日到期" in text
    assert "第2期 19.6万元（70%） — 2027年3月1日 周一到期" in text
    text = zh.say("小李", "/已回款 D1 5万")
    assert "第1期：5万元 — 部分回款，本期还差 3.4万元" in text
    text = zh.say("小李", "/已回款 华为 3.4万 12月5日")  # a day gone by, not next year's
    assert "回款日 12月5日 周六" in text and "第1期：3.4万元 — ✓ 已结清" in text
    assert "未回款合计 19.6万元" in text
    assert "超过了 D1 回款计划中全部未回款项（19.6万元）" in zh.say("小李", "/已回款 D1 20万")
    text = zh.say("小李", "/应收")
    assert "D1 华为 第2期 19.6万元 — 2027年3月1日 周一到期" in text
    history = zh.say("小李", "/客户 华为 历史")
    assert "登记了 D1 的回款 5万元" in history and "制定了 D1 的回款计划" in history


def test_zh_sums_and_the_asks(zh: Chat) -> None:
    text = zh.say("小李", "/回款计划 华为 8.4万 1月10日前、19.6万 3月底")
    assert "2027年1月10日 周日到期" in text and "2027年3月31日 周三到期" in text
    assert "合计 28万元" in text and "⚠" not in text
    text = zh.say("小李", "/回款计划 D1 30% 1月10日, 70% 等客户心情")
    assert "我看不懂“70% 等客户心情”何时到期" in text and "正确写法：/回款计划" in text
    assert "没有我能识别的金额" in zh.say("小李", "/已回款 D1 一些")


def test_en_collected_target_and_progress_against_the_plan(chat: Chat) -> None:
    chat.at("2027-01-05 10:00")
    chat.say("alice", "/payment D1 30% 2027-01-10, 70% 2027-03-01")
    assert "✓ Target for @alice, 2027-01: collected $50,000." in chat.say(
        "boss", "/target @alice 2027-01 collected=50k"
    )
    chat.say("alice", "/paid D1 20k")
    chat.say("alice", "/paid D1 1k 2026-12-30")  # last month: not this month's
    text = chat.say("alice", "/progress month")
    assert "collected $20,000 / $50,000 · planned to fall due $36,000" in text
    assert "is not an amount I can read" in chat.say("boss", "/target @alice 2027-01 collected=x")


def test_zh_collected_target_and_progress(zh: Chat) -> None:
    zh.at("2027-01-05 10:00")
    zh.say("小李", "/回款计划 D1 30% 1月10日, 70% 3月1日")
    assert "回款 10万元" in zh.say("王经理", "/目标 @小李 2027-01 回款=10万")
    zh.say("小李", "/已回款 D1 8.4万")
    assert "回款 8.4万元 / 10万元 · 本期计划到期 8.4万元" in zh.say("小李", "/进度 本月")


def test_en_the_rest_of_a_plan_with_money_against_it_is_planned_anew(chat: Chat) -> None:
    chat.say("alice", "/payment D1 30% 2027-01-10, 70% 2027-03-01")
    chat.say("alice", "/paid D1 50k")  # step 1 paid, 14k on step 2
    text = chat.say("alice", "/payment D1 10k 2027-02-01")
    assert "write it after “rest”" in text and "/payment D1 rest $70,000 2027-04-01" in text
    text = chat.say("alice", "/payment D1 rest $70,000 2027-04-01")
    assert "(the steps paid on are kept):" in text
    assert "#1 $36,000 (30%) — due Sun Jan 10, 2027 · ✓ paid" in text
    assert "#2 $14,000 (70%) — due Mon Mar 1, 2027 · ✓ paid" in text  # closed at what was paid
    assert "#3 $70,000 — due Thu Apr 1, 2027" in text
    assert "total $70,000 still to come in" in text and "⚠" not in text
    assert [s[4] for s in steps(chat)] == ["paid", "paid", "open"]
    text = chat.say("alice", "/payment D1 rest 40% 2027-04-01")  # 48k of the deal: 22k short
    assert "⚠ The steps add up to $98,000, not the deal's $120,000: $22,000 is in no step" in text
    assert "(the steps paid on are kept, the open ones replaced)" in text
    assert [s[4] for s in steps(chat)] == ["paid", "paid", "replaced", "open"]


def test_zh_rest_of_a_plan(zh: Chat) -> None:
    zh.say("小李", "/回款计划 D1 30% 1月10日, 70% 3月1日")
    zh.say("小李", "/已回款 D1 8.4万")
    assert "/回款计划 D1 剩余 19.6万元 4月1日" in zh.say("小李", "/回款计划 D1 50% 4月1日")
    text = zh.say("小李", "/回款计划 D1 剩余 10万 4月1日, 9.6万 验收后30天")
    assert "D1 没有与“验收”对应的交付节点" in text  # nothing written: asked which milestone
    text = zh.say("小李", "/回款计划 D1 剩余 10万 4月1日, 9.6万 5月1日")
    assert "第2期 10万元 — 2027年4月1日 周四到期" in text and "剩余合计 19.6万元" in text
    assert "第3期 9.6万元 — 2027年5月1日 周六到期" in text and "未回款的各期已替换" in text


def test_payments_at_the_same_moment_are_each_applied_once(chat: Chat) -> None:
    chat.say("alice", "/payment D1 30% 2027-01-10, 70% 2027-03-01")

    def pay(_: int) -> str:
        return chat.text(chat.bot.handle(chat.event("alice", "/paid D1 20k")))

    with ThreadPoolExecutor(max_workers=4) as pool:
        replies = list(pool.map(pay, range(4)))
    assert all("✓ $20,000 received" in r for r in replies), replies
    assert steps(chat) == [
        (1, Decimal("36000.00"), date(2027, 1, 10), Decimal("36000.00"), "paid"),
        (2, Decimal("84000.00"), date(2027, 3, 1), Decimal("44000.00"), "open"),
    ]
