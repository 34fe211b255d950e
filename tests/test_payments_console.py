"""examples/payments.txt through the real `dealbot console`: a plan in English and Chinese,
reminded before, on and after its days, paid in parts, a step released by its milestone."""

from __future__ import annotations

from pathlib import Path

from tests.test_console import ROOT, run_console


def test_the_payments_example_plays_through_the_console(tmp_path: Path) -> None:
    out = run_console((ROOT / "examples" / "payments.txt").read_text(), tmp_path / "p.db")
    assert "I can't read when “70% sometime after go-live” is due" in out
    assert "#2 $84,000 (70%) — due 10 days after M1 “acceptance test” is done" in out
    assert "💰 Payment coming up: Acme D1 step #1 $36,000, due Mon Dec 14." in out
    assert "💰 Payment due today: Acme D1 step #1 $16,000 (of $36,000), due Mon Dec 14." in out
    assert "$200,000 is more than everything still open on D1's plan ($100,000)" in out
    assert "step #2: $14,000 — part payment, $70,000 of it still open" in out
    assert "due Thu Dec 24 (M1 “acceptance test” done + 10 days)" in out
    assert (
        "💰 M1 “acceptance test” is done, so Acme D1 step #2 $70,000 now falls due Thu Dec 24"
        in out
    )
    assert "💰 Payment coming up: Acme D1 step #2 $70,000 (of $84,000), due Thu Dec 24." in out
    assert "collected $50,000 / $100,000 · planned to fall due $120,000" in out
    assert "💰 Payment overdue: Acme D1 step #2 $70,000" in out
    assert "Overdue receivables, riskiest first:\n" in out
    assert "💰 D1 Acme #2 $70,000, 4 days overdue (due Thu Dec 24) · @alice" in out
    assert "D1's plan is already paid in full, so $1,000 was not recorded." in out
    assert "第2期 19.6万元（70%） — M2“系统验收”完成后30天到期" in out
    assert "第1期：5万元 — 部分回款，本期还差 3.4万元" in out
    assert "💰 即将到期的回款：华为 D2 第1期 3.4万元（共 8.4万元），1月8日 周五到期。" in out
    assert "第2期 19.6万元（70%） — 2月4日 周四到期（M2“系统验收”完成后30天）" in out
    assert "回款 3.4万元 / 10万元 · 本期计划到期 8.4万元" in out
