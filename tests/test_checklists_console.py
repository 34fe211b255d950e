"""examples/checklists.txt through the real `dealbot console`: a deal's stage checklists in
English and Chinese — posted on entering a stage, the quote stage waiting on an approved quote,
the contract review ticked by number and on the card, unticked, a stage change refused on open
items, a rep's override refused, the digest naming the deal held up, a manager's override
audited in the customer's history."""

from __future__ import annotations

from pathlib import Path

from tests.test_console import ROOT, run_console


def test_the_checklists_example_plays_through_the_console(tmp_path: Path) -> None:
    out = run_console((ROOT / "examples" / "checklists.txt").read_text(), tmp_path / "c.db")
    assert "┌─ Checklist · D1 “40-seat license” (Acme) — lead" in out
    assert "1. Quote approved is not ticked by hand" in out
    assert "D1 (Acme) can't move on to negotiate yet: quote has 1 required item open" in out
    assert "│ 1. ☑ Quote approved — done: the quote is approved" in out
    assert "dealbot: ☑ @alice ticked 4. Liability and breach terms (D1, Acme)." in out  # :click
    assert "dealbot (card updated): ┌─ Checklist · D1" in out
    assert "☐ @alice unticked 3. Delivery scope and acceptance criteria (D1, Acme)." in out
    assert "D1 (Acme) can't move on to won yet: negotiate has 3 required items open" in out
    assert "Only a manager or an admin can move D1 (Acme) past open required items" in out
    assert "Held up by a required checklist item (longer than the stage allows):" in out
    assert "⏳ D1 “40-seat license” $118,000 — Acme, @alice, 4 working days at negotiate" in out
    assert "⚠ @bob moved D1 on to won with 3 required items of negotiate still open" in out
    assert (
        "bob moved D1 on from negotiate to won with required checklist items open (override) — "
        "reason: legal reviewed it by phone"
    ) in out
    assert "│ 1. ☐ 主体信息核对（必填）" in out and "│ 6. ☐ 法务审核（必填）" in out
    assert "☑ @小李 勾选了 5. 附件齐全（D2，华为）。" in out
    assert "D2 的清单只有第 1 到 6 项，没有第 9 项，未作勾选。" in out
    assert "D2（华为）还不能进入“赢单”：“签约前沟通”阶段还有 1 项必填未完成" in out
    assert "只有经理或管理员可以在必填项未完成时推进 D2（华为）" in out
    assert "必填项已全部完成：D2 可以进入下一阶段" in out
    assert "🎉 D2“私有化部署” 50万元（华为）赢单！" in out
