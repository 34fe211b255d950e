"""Payment reminders and overdue receivables: the owner before and on each due day (working
days), steps hung on a milestone falling due once it is done, the manager's digest riskiest
first, and [payments] remind_days_before from the config."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import load_config
from storage.process import PaymentStep
from tests.chat import Chat, Clockwork


@pytest.fixture
def chat(sessions):  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 08:00")  # a Monday
    chat.say("boss", "/team east @boss @alice")
    chat.say("alice", "/deal Acme new 40 seats 120k")
    chat.say("alice", "/deal Acme won")
    return chat


@pytest.fixture
def clock(chat: Chat) -> Clockwork:
    return Clockwork(chat)


def to(sent: list[tuple[str, str]], name: str) -> list[str]:
    return [t for n, t in sent if n == name and "💰" in t]


def test_en_reminded_three_working_days_before_and_on_the_due_day(
    chat: Chat, clock: Clockwork
) -> None:
    chat.say("alice", "/payment D1 30% 2026-12-14, 70% 2027-03-01")  # Mon Dec 14
    assert to(clock.tick("2026-12-08 09:00"), "alice") == []  # 4 working days before
    assert to(clock.tick("2026-12-09 08:59"), "alice") == []  # before the working day starts
    [text] = to(clock.tick("2026-12-09 09:00"), "alice")  # Wed, Thu, Fri: 3 before Mon
    assert "💰 Payment coming up: Acme D1 step #1 $36,000, due Mon Dec 14." in text
    assert "/paid D1 $36,000" in text
    assert to(clock.tick("2026-12-10 09:00"), "alice") == []  # once
    assert to(clock.tick("2026-12-09 09:00"), "alice") == []  # the same tick again: nothing
    chat.say("alice", "/paid D1 10k")
    [text] = to(clock.tick("2026-12-14 09:00"), "alice")
    assert "💰 Payment due today: Acme D1 step #1 $26,000 (of $36,000), due Mon Dec 14." in text
    [text] = to(clock.tick("2026-12-15 09:00"), "alice")  # the working day after: once more
    assert "💰 Payment overdue: Acme D1 step #1 $26,000 (of $36,000), due Mon Dec 14." in text
    assert to(clock.tick("2026-12-16 09:00"), "alice") == []  # then the digest says it


def test_zh_a_due_day_on_a_weekend_is_reminded_on_the_next_working_day(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 08:00", tz="Asia/Shanghai", locale="zh_CN")
    chat.say("王经理", "/团队 华东 @王经理 @小李")
    chat.say("小李", "/商机 华为 新建 私有化部署项目 28万")
    chat.say("小李", "/商机 华为 赢单")
    chat.say("小李", "/回款计划 D1 8.4万 12月12日, 19.6万 2027-03-01")  # a Saturday
    clock = Clockwork(chat)
    [text] = [t for n, t in clock.tick("2026-12-09 09:00") if n == "小李"]
    assert "💰 即将到期的回款：华为 D1 第1期 8.4万元，12月12日 周六到期。" in text
    assert "/已回款 D1 8.4万元" in text
    assert [t for n, t in clock.tick("2026-12-12 09:00") if n == "小李"] == []
    [text] = [t for n, t in clock.tick("2026-12-14 09:00") if n == "小李"]
    assert "💰 回款到期：华为 D1 第1期 8.4万元，12月12日 周六到期。" in text
    [text] = [t for n, t in clock.tick("2026-12-15 09:00") if n == "小李"]
    assert "💰 回款已逾期：华为 D1 第1期 8.4万元" in text


def test_a_step_on_a_milestone_falls_due_once_the_milestone_is_done(
    chat: Chat, clock: Clockwork
) -> None:
    chat.say("alice", "/milestone D1 acceptance test 2026-12-09")
    text = chat.say("alice", "/payment D1 30% 2026-12-08, 70% 10 days after acceptance")
    assert "#2 $84,000 (70%) — due 10 days after M1 “acceptance test” is done" in text
    chat.say("alice", "/paid D1 36k")
    assert to(clock.tick("2026-12-10 09:00"), "alice") == []  # no due day yet
    chat.at("2026-12-11 15:00")
    chat.say("alice", "/milestone M1 done")  # done Fri Dec 11: due Mon Dec 21
    assert "due Mon Dec 21 (M1 “acceptance test” done + 10 days)" in chat.say(
        "alice", "/payment D1"
    )
    [text] = to(clock.tick("2026-12-14 09:00"), "alice")  # told once
    assert (
        "💰 M1 “acceptance test” is done, so Acme D1 step #2 $84,000 now falls due Mon Dec 21"
        in text
    )
    assert to(clock.tick("2026-12-15 09:00"), "alice") == []
    [text] = to(clock.tick("2026-12-16 09:00"), "alice")  # Wed, Thu, Fri before Mon
    assert "Payment coming up: Acme D1 step #2 $84,000, due Mon Dec 21" in text
    with chat.bot.sessions() as s:
        assert s.scalar(select(PaymentStep.due_on).where(PaymentStep.sequence == 2)) == date(
            2026, 12, 21
        )


def test_zh_milestone_by_its_title(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 10:00", tz="Asia/Shanghai", locale="zh_CN")
    chat.say("小李", "/商机 华为 新建 私有化部署项目 28万")
    chat.say("小李", "/商机 华为 赢单")
    text = chat.say("小李", "/回款计划 D1 30% 1月10日, 70% 验收后30天")
    assert "D1 没有与“验收”对应的交付节点，未保存" in text and "/交付 D1 验收" in text
    chat.say("小李", "/交付 D1 系统验收 2027-02-05")
    text = chat.say("小李", "/回款计划 D1 30% 1月10日, 70% 验收后30天")
    assert "第2期 19.6万元（70%） — M1“系统验收”完成后30天到期" in text
    text = chat.say("小李", "/回款计划 D1 30% 1月10日, 70% M1后15天")
    assert "M1“系统验收”完成后15天到期" in text


def test_overdue_receivables_in_the_managers_digest_riskiest_first(
    chat: Chat, clock: Clockwork
) -> None:
    chat.say("alice", "/deal Globex new pilot 50k")
    chat.say("alice", "/deal Globex won")
    chat.say("alice", "/payment D1 10k 2026-12-01, 110k 2027-03-01")
    chat.say("alice", "/payment D2 50k 2026-12-04")
    chat.say("alice", "/log Acme call fine")  # keep the touches line busy
    sent = clock.tick("2026-12-08 09:00")
    [digest] = [t for n, t in sent if n == "boss" and t.startswith("Good morning")]
    section = digest[digest.index("Overdue receivables") :]
    # D2: $50,000 × 4 days overdue = 200k risk; D1: $10,000 × 7 days = 70k
    assert section.index("D2 Globex #1 $50,000, 4 days overdue") < section.index(
        "D1 Acme #1 $10,000, 7 days overdue"
    )
    text = chat.say("boss", "/receivables")
    assert text.index("⚠ 4 days overdue: D2") < text.index("⚠ 7 days overdue: D1")
    assert text.index("7 days overdue: D1") < text.index("D1 Acme #2 $110,000")
    assert "Open: $170,000 · overdue $60,000 (2 steps)" in text
    assert "D1 Acme #2" not in chat.say("boss", "/receivables overdue")
    assert "Overdue receivables, riskiest first" in chat.say("boss", "/digest")


def test_remind_days_before_comes_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "dealbot.toml"
    path.write_text("[payments]\nremind_days_before = 5\n", encoding="utf-8")
    assert load_config(path, env={}).settings().payments.remind_days_before == 5
    path.write_text("[payments]\nremind_days_before = -1\n", encoding="utf-8")
    with pytest.raises(Exception, match="remind_days_before"):
        load_config(path, env={})
