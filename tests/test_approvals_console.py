"""examples/approvals.txt through the real `dealbot console`: a quote and discount approval in
English and Chinese, asked back, questioned and answered, reminded and escalated in working
hours across a weekend, decided on the card, and the deal's history."""

from __future__ import annotations

from pathlib import Path

from tests.test_console import ROOT, run_console


def test_the_approvals_example_plays_through_the_console(tmp_path: Path) -> None:
    out = run_console((ROOT / "examples" / "approvals.txt").read_text(), tmp_path / "a.db")
    assert "Approval A1 requested for D1 “40-seat license” $120,000 (Acme)" in out
    assert "I found no quote or discount to approve in “maybe cheaper”" in out
    assert "A rejection needs its reason: send /approval A1 reject <reason>" in out
    assert "“Competitor offered 15%” — decide with /approval A1 approve" in out
    assert "A1 (Acme) is @bob's to decide (or an admin's); nothing changed." in out
    assert "A1 is not an approval you can see" in out  # carl: out of reach
    assert "has waited 4 working hours for your decision" in out
    assert "waited 8 working hours on @bob: it is now yours to decide." in out
    assert "A1 (Acme) waited 8 working hours for your decision, so it went to @dana." in out
    assert "waiting on @dana (escalated), 8.0 working hours" in out
    assert "✓ approved by @dana on Mon Dec 7 14:00, after 8 working hours" in out
    assert "• D1 “40-seat license” $118,000 — stage lead" in out
    assert "dana changed the amount of D1 from $120,000 to $118,000" in out
    assert "alice asked for approval A1 on D1: quote $118,000, discount 12%" in out
    assert "Sent to @boss" in out  # 30 %: past the band, an admin's
    assert "发起审批 A3：报价 28万元，折扣 10%（9折）。已发给 @王经理" in out
    assert "驳回需要写明理由：/审批 A3 驳回 <理由>" in out
    assert "@王经理 就 A3（华为，报价 28万元，折扣 10%（9折））提问：“为什么要九折？”" in out
    assert "✓ @王经理 同意了 A3：D2“私有化部署项目” 28万元（华为）" in out
    assert "王经理 将 D2 的折扣设为 10%" in out and "王经理 同意了 D2 的审批 A3" in out
    assert "小李 为 D2 发起审批 A3：报价 28万元，折扣 10%" in out
    assert "发起审批 A4：折扣 15%（8.5折）" in out
    assert "“很便宜”中没有找到要审批的报价或折扣，未发送" in out
    assert "✗ @王经理 驳回了 A4（华为，折扣 15%（8.5折））：“折扣太大”。" in out
