"""examples/milestones.txt through the real `dealbot console`: milestones added in English and
Chinese, reminded with Done, finished late, in /customer and the lead's digest."""

from __future__ import annotations

from pathlib import Path

from tests.test_console import ROOT, run_console


def test_the_milestones_example_plays_through_the_console(tmp_path: Path) -> None:
    out = run_console((ROOT / "examples" / "milestones.txt").read_text(), tmp_path / "m.db")
    assert "✓ Milestone M1 on D1" in out and "(Dec 12 is a Saturday, not a working day)" in out
    assert "When? I found no date or time in “go-live sometime”" in out
    assert "│ [1] Done M1   :click milestone.done:1:1" in out
    assert "1 day late. Press Done when it is delivered" in out
    assert "Late delivery milestones (1):\n          ⚠ M1 [Acme] install at plant 1" in out
    assert "dealbot (card updated): ┌─ ✓ Delivered: M1 install at plant 1" in out
    assert "✓ M1 install at plant 1 — done Wed Dec 9, 1 day late (due Tue Dec 8)" in out
    assert "添加交付节点 M4：第二个厂上线 — 12月10日 周四" in out
    assert "/交付 华为 验收 周五前" in out  # 下旬前 is asked back with a deadline that reads
    assert "✓ M4 已完成：第二个厂上线（华为，D2）— 晚了1天" in out
    assert "✓ M5 验收 — 12月11日 周五完成，按时" in out
