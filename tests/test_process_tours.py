"""examples/process.txt and examples/process_zh.txt through the real `dealbot console`: a month
of one deal from quote to cash, in English and in Chinese — an approval requested, reminded,
escalated and decided with its working-hours clock; won refused on an open contract-review item,
then ticked; a milestone finished late that releases the payment step hung on it; a payment
plan reminded before, on and after its days and its first step paid in two parts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_console import ROOT, run_console


def play(name: str, tmp_path: Path) -> str:
    return run_console((ROOT / "examples" / name).read_text(), tmp_path / "process.db")


def after(out: str, marker: str) -> str:
    """What the console printed from `marker` on (a `:tick` line, a typed line)."""
    assert marker in out, marker
    return out[out.index(marker) :]


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> str:
    return play("process.txt", tmp_path_factory.mktemp("process"))


@pytest.fixture(scope="module")
def tour_zh(tmp_path_factory: pytest.TempPathFactory) -> str:
    return play("process_zh.txt", tmp_path_factory.mktemp("process_zh"))


def test_an_approval_is_reminded_escalated_and_decided_on_its_clock(tour: str) -> None:
    assert "Approval A1 requested for D1 “40-seat license” $120,000 (Acme)" in tour
    monday_10 = after(tour, ":tick 2026-12-07 10:00")
    assert (
        "→ @bob: A1 (Acme, quote $118,000, discount 12%) from @alice has waited 4 working hours"
        in monday_10
    )
    monday_14 = after(tour, ":tick 2026-12-07 14:00")
    assert "waited 8 working hours on @bob: it is now yours to decide" in monday_14
    assert (
        "→ @bob: A1 (Acme) waited 8 working hours for your decision, so it went to @dana."
        in monday_14
    )
    assert "waiting on @dana (escalated), 8.0 working hours" in monday_14
    assert "✓ approved by @dana on Mon Dec 7 14:00, after 8 working hours" in monday_14
    assert "→ @alice: ✓ @dana approved A1" in monday_14


def test_the_quote_gate_waits_for_the_approval_and_the_contract_review_holds_the_win(
    tour: str,
) -> None:
    refused = "can't move on to negotiate yet: quote has 1 required item open"
    assert tour.index(refused) < tour.index(":tick 2026-12-07 10:00")  # before the approval
    assert "1. ☑ Quote approved — done: the quote is approved" in tour
    assert "moved to stage negotiate" in tour
    held = after(tour, "[alice] /deal D1 won")
    assert "can't move on to won yet: negotiate has 2 required items open" in held
    assert "5. All attachments included — /check D1 5" in held
    assert "6. Legal review — /check D1 6" in held
    won = after(held, "[alice] /check D1 5 6")
    assert "🎉 D1 “40-seat license” $118,000 (Acme) won!" in won


def test_the_payment_plan_is_reminded_before_on_and_after_and_paid_in_two_parts(tour: str) -> None:
    assert "#2 $82,600 (70%) — due 30 days after M1 “go-live at HQ” is done" in tour
    assert "💰 Payment coming up: Acme D1 step #1 $35,400, due Mon Dec 21." in after(
        tour, ":tick 2026-12-16 09:00"
    )
    assert "💰 Payment due today: Acme D1 step #1 $35,400" in after(tour, ":tick 2026-12-21 09:00")
    overdue = after(tour, ":tick 2026-12-22 09:00")
    assert "💰 Payment overdue: Acme D1 step #1 $35,400" in overdue
    assert "💰 D1 Acme #1 $35,400, 1 day overdue (due Mon Dec 21) · @alice" in overdue  # digest
    paid = after(tour, "[alice] /paid D1 20k")
    assert "step #1: $20,000 — part payment, $15,400 of it still open" in paid
    assert "step #1: $15,400 — ✓ paid in full" in paid
    assert "collected $35,400 of $118,000" in paid
    january = after(tour, ":tick 2027-01-18 09:00")
    assert "💰 Payment coming up: Acme D1 step #2 $82,600, due Thu Jan 21." in january
    assert "✓ The plan is paid in full." in january
    assert "Nothing open on the customers you reach." in january


def test_a_late_milestone_releases_its_payment_step(tour: str) -> None:
    assert "⚠ M1 [Acme] go-live at HQ — due Fri Dec 18, 3 days late · @alice" in tour  # digest
    done = after(tour, "[alice] /milestone M1 done")
    assert "✓ M1 done: go-live at HQ (Acme, D1) — 4 days late (due Fri Dec 18)" in done
    assert "#2 $82,600 (70%) — due Thu Jan 21, 2027 (M1 “go-live at HQ” done + 30 days)" in done
    assert "alice finished milestone M1 “go-live at HQ”, 4 days late" in done  # history


def test_the_chinese_month_covers_the_same_ground(tour_zh: str) -> None:
    assert "发起审批 A1：报价 28万元，折扣 10%（9折）。已发给 @王经理" in tour_zh
    assert "已等待你审批 4 个工作小时" in after(tour_zh, ":tick 2026-12-07 10:00")
    escalated = after(tour_zh, ":tick 2026-12-07 14:00")
    assert "在 @王经理 处等待了 8 个工作小时，现已升级由你审批" in escalated
    assert "✓ 已同意：@赵总，12月7日 周一 14:00，用时 8 个工作小时" in escalated
    held = after(tour_zh, "[小李] /商机 D1 赢单")
    assert "还不能进入“赢单”：“签约前沟通”阶段还有 2 项必填未完成" in held
    assert "🎉 D1“私有化部署项目” 28万元（华为）赢单！" in after(held, "[小李] /勾选 D1 5 6")
    assert "第2期 19.6万元（70%） — M1“总部上线”完成后30天到期" in tour_zh
    assert "💰 即将到期的回款：华为 D1 第1期 8.4万元" in after(tour_zh, ":tick 2026-12-16 09:00")
    assert "💰 今天到期的回款" in after(tour_zh, ":tick 2026-12-21 09:00")
    assert "💰 回款已逾期" in after(tour_zh, ":tick 2026-12-22 09:00")
    assert "晚了4天" in after(tour_zh, "[小李] /交付 M1 完成")
    paid = after(tour_zh, "[小李] /已回款 D1 5万")
    assert "第1期：5万元 — 部分回款，本期还差 3.4万元" in paid
    assert "第1期：3.4万元 — ✓ 已结清" in paid
    assert "第2期 19.6万元（70%） — 2027年1月21日 周四到期（M1“总部上线”完成后30天）" in paid
    assert "✓ 回款计划已全部结清。" in paid
    assert "你可见的客户没有未回款项。" in paid
    assert "完成交付节点 M1“总部上线”，晚了4天" in paid
