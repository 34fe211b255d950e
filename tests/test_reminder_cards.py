"""Done and Snooze on a reminder card, or on the morning's summary, show what they did on that
card (a card update, no new message); buttons on no such card answer with a message as before."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.buttons import Act, decode, encode, read
from bot.followup_cards import MAX_ID, Shown, TaskButton
from bot.outcome import Card
from tests.chat import Chat, Clockwork
from tests.test_reminders_digests import SH, whole_day


def _pressed(chat: Chat, who: str, button: str) -> Card:
    """The card a press updated, checking that nothing else was said."""
    chat.click(who, button)
    out = chat.last
    assert out.replies == [] and out.pushes == [], chat.text(out)
    [update] = out.updates
    return update.card


def _ids(card: Card) -> list[str]:
    return [b.id for b in card.buttons]


@pytest.mark.parametrize(
    ("tz", "locale", "who", "line", "done_title", "done_line", "snoozed_title", "snoozed_line"),
    [
        (
            "UTC",
            "en",
            "alice",
            "/task Acme send quote today 3pm",
            "✓ Done: T1 send quote",
            "✓ Done by @alice, Mon Dec 7 09:30.",
            "💤 Snoozed: T1 send quote",
            "💤 Snoozed by @alice until Mon Dec 7 15:05.",
        ),
        (
            SH,
            "zh_CN",
            "小李",
            "/待办 华为 发报价 今天下午3点",
            "✓ 已完成：T1 发报价",
            "✓ @小李 于 12月7日 周一 09:30 已完成。",
            "💤 已推迟：T1 发报价",
            "💤 @小李 已推迟到 12月7日 周一 15:05。",
        ),
    ],
)
def test_done_and_snooze_update_the_reminder_card(
    sessions, tz, locale, who, line, done_title, done_line, snoozed_title, snoozed_line
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=tz, locale=locale, now="2026-12-04 10:00")  # a Friday
    chat.say(who, line)
    clock = Clockwork(chat)
    [(_, sent)] = clock.tick("2026-12-04 15:00")
    assert "[task.done:1:1] [task.snooze:1:1] [task.log:1:1]" in sent
    chat.at("2026-12-04 15:05")
    card = _pressed(chat, who, "task.snooze:1:1")
    assert card.key == "task:1" and card.title == snoozed_title
    assert snoozed_line in chat.plain(card.body)
    assert _ids(card) == ["task.done:1:1", "task.log:1:1"]  # Snooze gone, Done and Log kept
    chat.at("2026-12-07 09:30")
    card = _pressed(chat, who, "task.done:1:1")
    assert card.title == done_title and done_line in chat.plain(card.body)
    assert _ids(card) == ["task.log:1:1"]  # nothing left to do but log it
    assert card.fallback == card.body
    # a second press (the card not yet redrawn somewhere): answered privately, as always
    assert chat.click(who, "task.done:1:1") in ("T1 was already done.", "T1 已经完成了。")
    [reply] = chat.last.replies
    assert reply.private and chat.last.updates == []
    # Log, the one button the done card keeps, no longer says to press Done afterwards
    hint = chat.click(who, "task.log:1:1")
    assert "/log Acme call" in hint or "/记录 华为 电话" in hint, hint
    assert "Done" not in hint and "完成" not in hint, hint


@pytest.mark.parametrize(
    ("tz", "locale", "rep", "task", "title", "done", "snoozed", "footer"),
    [
        (
            "UTC",
            "en",
            "alice",
            "/task Acme chore {n} today",
            "⏰ 3 follow-ups for today (2 overdue, 1 done)",
            "• ✓ T2 [Acme] chore 2 — done by @alice Mon Dec 7 09:10",
            "• 💤 T3 [Acme] chore 3 — snoozed until Tue Dec 8 09:20",
            "All done here; /tasks shows anything still open.",
        ),
        (
            SH,
            "zh_CN",
            "小李",
            "/待办 华为 事项{n} 今天",
            "⏰ 今天有 3 项待办要跟进（其中 2 项已逾期，1 项已完成）",
            "• ✓ T2 【华为】事项2 — @小李 于 12月7日 周一 09:10 已完成",
            "• 💤 T3 【华为】事项3 — 已推迟到 12月8日 周二 09:20",
            "都已处理完毕；发送 /待办 查看其余未完成的。",
        ),
    ],
)
def test_a_press_on_the_summary_updates_that_task_and_leaves_the_others_live(
    sessions, tz, locale, rep, task, title, done, snoozed, footer
) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz=tz, locale=locale, now="2026-12-04 10:00")  # a Friday
    for n in range(1, 4):
        chat.say(rep, task.format(n=n))
        whole_day(chat, n)
    clock = Clockwork(chat)
    [(_, sent)] = clock.tick("2026-12-07 09:00")  # Monday: one summary of the three
    listed = ":2:1:2:3"
    assert f"[task.done:1{listed}] [task.snooze:1{listed}]" in sent
    chat.at("2026-12-07 09:10")
    card = _pressed(chat, rep, f"task.done:2{listed}")
    assert card.key.startswith("followups:") and card.title == title
    assert done in chat.plain(card.body)
    assert _ids(card) == [
        f"task.done:1{listed}",
        f"task.snooze:1{listed}",
        f"task.done:3{listed}",
        f"task.snooze:3{listed}",
    ]
    chat.at("2026-12-07 09:20")
    card = _pressed(chat, rep, f"task.snooze:3{listed}")
    assert snoozed in chat.plain(card.body) and done.split(" — ")[0] in card.body
    assert _ids(card) == [f"task.done:1{listed}", f"task.snooze:1{listed}", f"task.done:3{listed}"]
    card = _pressed(chat, rep, f"task.done:1{listed}")
    card = _pressed(chat, rep, f"task.done:3{listed}")
    assert card.title.startswith("✓") and footer in card.body  # all three done
    assert card.buttons == ()


def test_buttons_on_no_reminder_card_answer_as_before(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-04 10:00")
    chat.say("alice", "/task Acme call back today 3pm")
    chat.say("alice", "/task Acme send deck today 4pm")
    # ids already sitting in chats (and the /tasks list's): a new message, no update
    assert chat.click("alice", "task.snooze:1").startswith("💤 T1 snoozed until Mon Dec 7")
    assert chat.last.updates == [] and chat.last.replies[0].private
    assert chat.click("alice", "task.done:1") == "✓ T1 done: call back (@alice)"
    assert chat.last.updates == [] and not chat.last.replies[0].private
    chat.say("alice", "/tasks")
    assert chat.last.replies[0].message.card is not None
    assert [b.id for b in chat.last.replies[0].message.card.buttons] == ["task.done:2"]
    # a summary press naming a task not on its list: not that card, answered as before
    assert chat.click("alice", "task.done:2:2:7:8") == "✓ T2 done: send deck (@alice)"
    assert chat.last.updates == []


def test_the_button_id_encoder_and_decoder() -> None:
    press = TaskButton(task_id=5, shown=Shown.SUMMARY, listed=(5, 7, 9))
    assert encode(Act.TASK_DONE, press) == "task.done:5:2:5:7:9"
    assert read(decode("task.done:5:2:5:7:9"), Act.TASK_DONE, TaskButton) == press  # type: ignore[arg-type]
    assert encode(Act.TASK_DONE, TaskButton(task_id=5)) == "task.done:5"  # as it always was
    assert encode(Act.TASK_LOG, TaskButton(task_id=5, shown=Shown.REMINDER)) == "task.log:5:1"
    old = read(decode("task.done:5"), Act.TASK_DONE, TaskButton)  # type: ignore[arg-type]
    assert old == TaskButton(task_id=5) and old.shown is Shown.LIST
    # a marker only a later version makes: read as a plain press, not refused
    assert read(decode("task.done:5:9"), Act.TASK_DONE, TaskButton) == TaskButton(task_id=5)  # type: ignore[arg-type]
    assert read(decode("task.done:5"), Act.TASK_SNOOZE, TaskButton) is None  # type: ignore[arg-type]

    @dataclass(frozen=True, kw_only=True)
    class Two:
        a: int
        b: int

    assert read(decode("x.y:1"), "x.y", Two) is None  # type: ignore[arg-type]
    assert encode("x.y", Two(a=1, b=0)) == "x.y:1:0"  # no defaults: every field kept


def test_a_summary_too_long_to_list_in_its_ids_answers_as_before(sessions) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from bot.followup_cards import Row, summary
    from storage.models import Task

    now = datetime(2026, 12, 7, 9, tzinfo=UTC)
    rows = [
        Row(task=Task(id=10_000_000 + n, text=f"t{n}", due_at=now), customer=None, overdue=False)
        for n in range(60)
    ]
    card = summary(lambda key, **kw: key, 1, rows, now=now)
    assert card.buttons and all(len(b.id) <= MAX_ID for b in card.buttons)
    assert card.buttons[0].id == "task.done:10000000"  # no list: a press answers with a message
    short = summary(lambda key, **kw: key, 1, rows[:3], now=now)
    assert short.buttons[0].id == "task.done:10000000:2:10000000:10000001:10000002"


def reminder_card(task_id: int, text: str, *, locale: str = "en") -> Card:
    """A task's reminder card as the scheduler builds it (for the platform tests, which put
    one into a fake chat before pressing its Done)."""
    from datetime import UTC, datetime

    from bot.followup_cards import Row, reminder
    from bot.i18n import Words
    from storage.models import Task

    now = datetime.now(UTC)
    task = Task(id=task_id, text=text, due_at=now, due_all_day=False, status="open")
    words = Words()

    def say(key: str, **params: object) -> str:
        return words(locale, key, now=now, **params)

    return reminder(say, Row(task=task, customer=None, overdue=False), now=now)
