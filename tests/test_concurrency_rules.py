"""Rules that must hold when events arrive at the same moment (issue 8, items 2 and 5).

Each event is handled by the real Bot (its own `Bot.handle`, its own transaction) on a shared
session factory, from its own thread; a Barrier releases the threads together so that they
really collide. What was decided is read back from the tables — people, confirmations and
the outbox rows that the delivery workers would send — not from our functions.

Both stores run every test (the `sessions` fixture): PostgreSQL is where rows are locked and
where the races were seen; SQLite serialises writers (BEGIN IMMEDIATE) and must give the same.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import mentions
from bot.events import CardAction, Event
from bot.handler import Bot
from bot.i18n import Words
from bot.settings import Settings
from storage.models import Confirmation, Person, Requirement, Task, Tenant, Workspace
from storage.transit import OutboxItem
from tests.chat import Chat

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
ROUNDS = 5  # fresh workspaces per test: one round without the locks already fails mostly
FIRST_USERS = 10


def together(calls: list[Callable[[], object]]) -> None:
    """Run the calls in threads released at the same moment; re-raise the first failure."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            call()
        except BaseException as e:  # noqa: BLE001 - handed to the test's thread
            errors.append(e)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a handler never finished"
    if errors:
        raise errors[0]


def make_bot(sessions: sessionmaker[Session]) -> Bot:
    return Bot(sessions=sessions, settings=Settings(timezone="UTC", locale="en"), words=Words())


def said(workspace: str, who: str, text: str, *, addressed: bool = True) -> Event:
    return Event(
        platform="test",
        workspace_id=workspace,
        user_id=who,
        user_name=who,
        channel_id="sales",
        text=text,
        occurred_at=NOW,
        addressed=addressed,
    )


def people_of(sessions: sessionmaker[Session], workspace: str) -> tuple[int, list[Person]]:
    """How many tenants the workspace has, and the people of its tenant."""
    with sessions() as s:
        tenants = list(
            s.scalars(select(Workspace.tenant_id).where(Workspace.external_id == workspace))
        )
        people = list(s.scalars(select(Person).where(Person.tenant_id.in_(tenants))))
    return len(tenants), people


# -- one admin per new tenant ------------------------------------------------------------------


def test_first_users_of_a_brand_new_workspace_make_one_tenant_and_one_admin(sessions) -> None:  # type: ignore[no-untyped-def]
    bot = make_bot(sessions)
    for n in range(ROUNDS):
        ws = f"new{n}"
        together(
            [
                lambda ws=ws, who=f"u{k}": bot.handle(said(ws, who, "/help"))
                for k in range(FIRST_USERS)
            ]
        )
        tenants, people = people_of(sessions, ws)
        assert tenants == 1
        assert len(people) == FIRST_USERS
        assert [p.role for p in people].count("admin") == 1, f"round {n}"
    with sessions() as s:  # the losers' tenants were rolled back with their transactions
        assert s.scalar(select(func.count(Tenant.id))) == ROUNDS


def test_first_users_of_a_known_tenant_without_people_make_one_admin(sessions) -> None:  # type: ignore[no-untyped-def]
    """The bot heard the channel before anyone spoke to it (the tenant exists, nobody in it);
    then ten people write their first command at once. This is the race of the issue."""
    bot = make_bot(sessions)
    for n in range(ROUNDS):
        ws = f"known{n}"
        bot.handle(said(ws, "someone", "hello all", addressed=False))
        assert people_of(sessions, ws) == (1, [])
        together(
            [
                lambda ws=ws, who=f"u{k}": bot.handle(said(ws, who, "/help"))
                for k in range(FIRST_USERS)
            ]
        )
        tenants, people = people_of(sessions, ws)
        assert tenants == 1
        assert len(people) == FIRST_USERS
        assert [p.role for p in people].count("admin") == 1, f"round {n}"


def test_one_user_first_seen_twice_at_once_is_one_person(sessions) -> None:  # type: ignore[no-untyped-def]
    bot = make_bot(sessions)
    bot.handle(said("w", "someone", "hello all", addressed=False))
    together([lambda: bot.handle(said("w", "alice", "/help")) for _ in range(3)])
    _, people = people_of(sessions, "w")
    assert [(p.display_name, p.role) for p in people] == [("alice", "admin")]


# -- a press that changes nothing sends nothing ------------------------------------------------


def mark(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return s.scalar(select(func.max(OutboxItem.id))) or 0


def sent_since(sessions: sessionmaker[Session], since: int) -> list[tuple[str, str, str]]:
    """(kind, to whom, text as read) of every outbox row written after `since`."""
    with sessions() as s:
        rows = s.scalars(select(OutboxItem).where(OutboxItem.id > since).order_by(OutboxItem.id))
        out = []
        for r in rows:
            card = r.payload.get("card") or {}
            text = r.payload.get("text") or card.get("fallback") or ""
            out.append((r.target_kind, r.target_name or "", mentions.names(s, text)))
        return out


def kinds(rows: list[tuple[str, str, str]]) -> Counter[str]:
    return Counter(kind for kind, _, _ in rows)


def requirement(chat: Chat) -> None:
    """boss is the admin; alice asks bob to confirm R1 v1."""
    chat.say("boss", "/help")
    chat.say("alice", "/req Acme Single sign-on before go-live confirm @bob")


def press(chat: Chat, who: str, button: str) -> Event:
    return Event(
        platform="test",
        workspace_id="w1",
        user_id=who,
        user_name=who,
        channel_id="sales",
        action=CardAction(button_id=button),
        occurred_at=chat.now,
    )


def confirmations(chat: Chat) -> list[tuple[int, str]]:
    with chat.bot.sessions() as s:
        return [(c.version, c.decision) for c in s.scalars(select(Confirmation))]


def test_three_concurrent_confirms_by_one_confirmer_announce_once(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    requirement(chat)
    since = mark(sessions)
    together([lambda: chat.bot.handle(press(chat, "bob", "req.confirm:1:1")) for _ in range(3)])
    assert confirmations(chat) == [(1, "confirm")]
    rows = sent_since(sessions, since)
    assert kinds(rows) == {"channel": 1, "update": 1, "person": 1, "ephemeral": 2}, rows
    [(_, _, channel)] = [r for r in rows if r[0] == "channel"]
    assert "@bob confirmed R1 v1" in channel and "Everyone has confirmed" in channel
    [(_, to, dm)] = [r for r in rows if r[0] == "person"]
    assert to == "alice" and "R1 (Acme) is confirmed by every confirmer" in dm
    [(_, _, card)] = [r for r in rows if r[0] == "update"]
    assert "@bob ✓" in card
    private = [(to, text) for kind, to, text in rows if kind == "ephemeral"]
    assert private == [("bob", "You already confirmed R1 v1 (Acme).")] * 2


def test_two_confirmers_at_once_see_each_other_and_agree_once(sessions) -> None:  # type: ignore[no-untyped-def]
    """Each press counts the other's decision (the requirement's row is taken in turn):
    the requirement ends confirmed, and the author hears it once."""
    chat = Chat(sessions)
    chat.say("boss", "/help")
    chat.say("alice", "/req Acme Single sign-on before go-live confirm @bob @carl")
    since = mark(sessions)
    together(
        [
            lambda who=who: chat.bot.handle(press(chat, who, "req.confirm:1:1"))
            for who in ("bob", "carl")
        ]
    )
    rows = sent_since(sessions, since)
    assert kinds(rows) == {"channel": 2, "update": 2, "person": 1}, rows
    assert sum("Everyone has confirmed" in text for _, _, text in rows) == 1
    [(_, to, _)] = [r for r in rows if r[0] == "person"]
    assert to == "alice"
    with sessions() as s:
        assert s.scalar(select(Requirement.status)) == "confirmed"


def test_pressing_the_same_decision_again_only_answers_the_presser(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    requirement(chat)
    chat.click("bob", "req.confirm:1:1")
    since = mark(sessions)
    assert chat.click("bob", "req.confirm:1:1") == "You already confirmed R1 v1 (Acme)."
    assert not chat.last.updates and not chat.last.pushes
    assert [r.private for r in chat.last.replies] == [True]
    assert sent_since(sessions, since) == [
        ("ephemeral", "bob", "You already confirmed R1 v1 (Acme).")
    ]
    # changing one's mind is a change: announced as before
    since = mark(sessions)
    assert "@bob requested a change to R1" in chat.click("bob", "req.change:1:1")
    assert kinds(sent_since(sessions, since)) == {"channel": 1, "update": 1, "person": 1}
    since = mark(sessions)
    again = chat.click("bob", "req.change:1:1")
    assert again.startswith("You already asked for changes to R1 v1 (Acme).")
    assert kinds(sent_since(sessions, since)) == {"ephemeral": 1}
    assert confirmations(chat) == [(1, "change")]


def test_already_decided_reads_natively_in_chinese(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, locale="zh_CN")
    chat.say("boss", "/帮助")
    chat.say("alice", "/需求 Acme 上线前支持单点登录 确认人 @bob")
    chat.click("bob", "req.confirm:1:1")
    assert chat.click("bob", "req.confirm:1:1") == "你已确认过 R1 第 1 版（Acme）。"
    chat.click("bob", "req.change:1:1")
    assert chat.click("bob", "req.change:1:1").startswith("你已就 R1 第 1 版（Acme）要求过修改。")


def test_a_task_done_three_times_at_once_is_done_once(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    chat.say("alice", "/task Acme send quote tomorrow")
    since = mark(sessions)
    together([lambda: chat.bot.handle(press(chat, "alice", "task.done:1")) for _ in range(3)])
    rows = sent_since(sessions, since)
    assert kinds(rows) == {"channel": 1, "ephemeral": 2}, rows
    assert [t for k, _, t in rows if k == "channel"] == ["✓ T1 done: send quote (@alice)"]
    assert [t for k, _, t in rows if k == "ephemeral"] == ["T1 was already done."] * 2
    with sessions() as s:
        [task] = s.scalars(select(Task))
        assert task.status == "done" and task.done_at == chat.now


def test_a_repeated_done_or_snooze_on_a_done_task_only_answers_the_presser(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    chat.say("alice", "/task Acme send quote tomorrow")
    chat.click("alice", "task.done:1")
    for button in ("task.done:1", "task.snooze:1"):
        since = mark(sessions)
        assert chat.click("alice", button) == "T1 was already done."
        assert sent_since(sessions, since) == [("ephemeral", "alice", "T1 was already done.")]
    with sessions() as s:
        [task] = s.scalars(select(Task))
        assert task.snoozed_until is None
