"""The scheduler's rules fire at the right moment, once, and not before (SQLite + PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.delivery import RetryLater, Undeliverable
from bot.settings import Settings
from storage.transit import OutboxItem
from tests.chat import Chat, Clockwork
from tests.test_reminders_digests import whole_day


@pytest.fixture
def chat(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions, now="2026-12-04 10:00")  # a Friday


@pytest.fixture
def clock(chat: Chat) -> Clockwork:
    chat.say("boss", "/team east @bob @alice")
    return Clockwork(chat)


def who(sent: list[tuple[str, str]]) -> list[str]:
    return [name for name, _ in sent]


def to(sent: list[tuple[str, str]], name: str, *, digest: bool = False) -> list[str]:
    """What `name` received; the manager's daily digest left out unless asked for."""
    return [t for n, t in sent if n == name and (digest or not t.startswith("Good morning"))]


def test_followup_at_start_of_working_day_skipping_the_weekend(
    chat: Chat, clock: Clockwork
) -> None:
    chat.say("alice", "/task Acme send quote tomorrow")  # due Saturday, the whole day
    whole_day(chat, 1)
    assert clock.tick("2026-12-05 09:00") == []
    assert clock.tick("2026-12-06 12:00") == []
    assert clock.tick("2026-12-07 08:59") == []
    [text] = to(clock.tick("2026-12-07 09:00"), "alice")
    assert "Due now: T1 send quote" in text
    assert "[task.done:1:1] [task.snooze:1:1] [task.log:1:1]" in text  # on a reminder card
    assert clock.tick("2026-12-07 09:00") == []  # the same tick again: nothing twice
    assert clock.tick("2026-12-07 17:00") == []
    [text] = to(clock.tick("2026-12-08 09:00"), "alice")  # still open: again next working day
    assert "Overdue: T1" in text
    chat.click("alice", "task.done:1")
    assert to(clock.tick("2026-12-09 09:00"), "alice") == []


def test_followup_due_at_a_time_fires_then_and_not_before(chat: Chat, clock: Clockwork) -> None:
    chat.say("alice", "/task Acme call back today 3pm")
    assert clock.tick("2026-12-04 14:59") == []
    assert who(clock.tick("2026-12-04 15:00")) == ["alice"]


def test_snooze_moves_the_next_reminder_a_day(chat: Chat, clock: Clockwork) -> None:
    chat.say("alice", "/task Acme chase today 3pm")
    clock.tick("2026-12-04 15:00")
    chat.at("2026-12-04 15:05")
    assert "snoozed until Mon Dec 7 15:05" in chat.click("alice", "task.snooze:1")
    assert to(clock.tick("2026-12-07 09:00"), "alice") == []
    assert len(to(clock.tick("2026-12-07 15:05"), "alice")) == 1


def test_followup_skips_chinese_holidays_and_honours_makeup_workdays(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-09-30 10:00")
    chat.bot.settings = Settings(holidays="CN")
    clock = Clockwork(chat)
    clock.env.settings = chat.bot.settings
    chat.say("alice", "/task Acme renew contract 10-02")  # inside National Day (Oct 1-7)
    whole_day(chat, 1)
    for day in range(2, 8):
        assert clock.tick(f"2026-10-0{day} 09:00") == [], day
    assert who(clock.tick("2026-10-08 09:00")) == ["alice"]
    assert clock.tick("2026-10-09 08:00") == []
    assert who(clock.tick("2026-10-09 09:00")) == ["alice"]
    assert who(clock.tick("2026-10-10 09:00")) == ["alice"]  # Saturday, a make-up working day
    assert clock.tick("2026-10-11 09:00") == []  # an ordinary Sunday


def test_digest_at_nine_in_the_managers_zone_stale_not_fresh(chat: Chat, clock: Clockwork) -> None:
    shanghai = chat.event("bob", "/help")
    chat.send(type(shanghai)(**{**shanghai.__dict__, "user_timezone": "Asia/Shanghai"}))
    chat.at("2026-12-01 10:00")
    chat.say("alice", "/deal Stale new old deal 90k")
    chat.at("2026-12-10 10:00")
    chat.say("alice", "/deal Fresh new new deal 10k")
    # 09:00 in Shanghai on Friday Dec 11 is 01:00 UTC
    assert clock.tick("2026-12-11 00:59") == []
    # the digest, then the team's funnel (tests/test_charts.py reads the chart itself)
    [(name, text), (_, chart)] = clock.tick("2026-12-11 01:00")
    assert name == "bob" and "stale: D1 “old deal”" in text and "Fresh" not in text
    assert chart == ""  # the test recorder writes down a message's text; a chart has none
    assert clock.tick("2026-12-11 05:00") == []  # once a day


def test_no_digest_when_there_is_nothing_to_report(chat: Chat, clock: Clockwork) -> None:
    assert clock.tick("2026-12-07 09:00") == []


def test_minutes_prompt_then_manager(chat: Chat, clock: Clockwork) -> None:
    chat.say("alice", "/meeting Acme today 11:00 30m")
    assert clock.tick("2026-12-04 11:59") == []
    [(name, text)] = clock.tick("2026-12-04 12:00")
    assert name == "alice" and "Send the minutes" in text
    assert clock.tick("2026-12-04 17:00") == []
    # +24 h is Saturday 11:30: moved to the next working start
    assert to(clock.tick("2026-12-05 12:00"), "bob") == []
    [text] = to(clock.tick("2026-12-07 09:00"), "bob")
    assert "No minutes yet" in text


def test_minutes_in_time_means_no_prompt(chat: Chat, clock: Clockwork) -> None:
    chat.say("alice", "/meeting Acme today 11:00 30m")
    chat.at("2026-12-04 11:40")
    chat.say("alice", "/minutes Acme agreed on scope")
    assert to(clock.tick("2026-12-07 12:00"), "alice") == []
    assert to(clock.tick("2026-12-07 12:00"), "bob") == []


def test_question_alert_after_two_working_hours_then_escalation(
    chat: Chat, clock: Clockwork
) -> None:
    chat.at("2026-12-04 17:00")  # Friday, one working hour left
    chat.say("alice", "/question Acme Do you support SAML?")
    assert to(clock.tick("2026-12-04 19:00"), "alice") == []
    assert to(clock.tick("2026-12-07 09:59"), "alice") == []
    [text] = to(clock.tick("2026-12-07 10:00"), "alice")
    assert "waited 2 working hours" in text
    assert clock.tick("2026-12-07 11:59") == []
    [text] = to(clock.tick("2026-12-07 12:00"), "bob")
    assert "Escalated" in text


def test_answered_question_raises_nothing(chat: Chat, clock: Clockwork) -> None:
    chat.say("alice", "/question Acme Price list?")
    chat.say("alice", "/answered 1")
    sent = clock.tick("2026-12-08 12:00")
    assert to(sent, "alice") == [] and to(sent, "bob") == []


def test_confirmer_reminded_after_a_working_day_then_each_working_day(
    chat: Chat, clock: Clockwork
) -> None:
    # issue 9: a slow confirmer is reminded each working day, not once
    chat.say("alice", "/req Acme Data stays in the EU confirm @bob @carl")
    chat.click("carl", "req.confirm:1:1")
    clock.tick("2026-12-04 10:00")  # the requests to confirm, sent at once
    assert clock.tick("2026-12-04 18:00") == []
    assert clock.tick("2026-12-06 10:00") == []  # Sunday
    [text] = to(clock.tick("2026-12-07 10:00"), "bob")
    assert "[req.confirm:1:1]" in text
    assert to(clock.tick("2026-12-07 17:00"), "bob") == []  # once a day
    assert to(clock.tick("2026-12-08 08:59"), "bob") == []  # before the working day starts
    [text] = to(clock.tick("2026-12-08 09:00"), "bob")  # still waiting: again the next day
    assert "[req.confirm:1:1]" in text
    assert to(clock.tick("2026-12-08 10:00"), "carl") == []  # carl has answered
    chat.click("bob", "req.confirm:1:1")
    assert to(clock.tick("2026-12-09 09:00"), "bob") == []


def test_a_late_run_delivers_what_fell_due_once(chat: Chat, clock: Clockwork) -> None:
    chat.say("alice", "/task Acme a today 3pm")
    chat.say("alice", "/question Acme b?")
    chat.say("alice", "/meeting Acme today 11:00 30m")
    texts = to(clock.tick("2026-12-09 10:00"), "alice")  # the process was down for days
    assert sum("T1" in t for t in texts) == 1
    assert sum("Q1" in t for t in texts) == 1
    assert sum("Send the minutes" in t for t in texts) == 1
    assert to(clock.tick("2026-12-09 10:00"), "alice") == []


def test_daylight_saving_change_keeps_local_nine(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, tz="America/New_York", now="2026-10-30 10:00")
    clock = Clockwork(chat)
    chat.say("alice", "/task Acme call Monday")  # Nov 2, after clocks went back on Nov 1
    assert clock.tick("2026-11-02 08:59") == []
    assert who(clock.tick("2026-11-02 09:00")) == ["alice"]  # 14:00 UTC, not 13:00


def test_failed_sends_are_retried_then_dead_lettered_to_admins(
    chat: Chat, clock: Clockwork
) -> None:
    from bot.jobs.dead_letters import tell_admins

    chat.say("alice", "/task Acme a today 3pm")
    clock.worker.on_dead = lambda d, reason: tell_admins(clock.env, d, reason, chat.now)
    clock.recorder.fail_for = "alice"
    clock.recorder.fail_with = RetryLater("HTTP 503", after=60)
    assert to(clock.tick("2026-12-04 15:00"), "alice") == []
    with chat.bot.sessions() as s:
        row = s.scalar(select(OutboxItem).where(OutboxItem.dedup_key.like("followup:%")))
        assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 503")
    clock.tick("2026-12-04 15:00:59")
    with chat.bot.sessions() as s:  # not retried before its Retry-After of 60 s
        assert s.scalar(select(OutboxItem.attempts).where(OutboxItem.id == row.id)) == 1
    clock.recorder.fail_with = Undeliverable("slack: user_not_found")
    sent = clock.tick("2026-12-04 15:02")
    assert [n for n, _ in sent] == ["boss"] and "user_not_found" in sent[0][1]
    with chat.bot.sessions() as s:
        row = s.scalar(select(OutboxItem).where(OutboxItem.dedup_key.like("followup:%")))
        assert row.status == "dead"
