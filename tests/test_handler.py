"""The handler on a real store (SQLite file and PostgreSQL): outcomes and what was stored."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.inbox import InboxPolicy
from storage.models import (
    Activity,
    AuditEntry,
    Confirmation,
    Customer,
    Deal,
    Person,
    Question,
    Requirement,
    Task,
    Tenant,
)
from storage.transit import InboxItem, OutboxItem
from tests.chat import Chat, Clockwork


@pytest.fixture
def chat(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions)


def rows(chat: Chat, model):  # type: ignore[no-untyped-def]
    with chat.bot.sessions() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def team(chat: Chat) -> None:
    """boss (admin) sets up team east: bob leads alice and carl; dave is in team west."""
    chat.say("boss", "/help")
    chat.say("boss", "/team east @bob @alice @carl")
    chat.say("boss", "/team west @wendy @dave")


def test_log_keeps_words_verbatim_and_next_step_becomes_a_task(chat: Chat) -> None:
    line = (
        "/log Acme call Discussed pricing for 40 seats; they need SSO first. "
        "next: send quote by Tue #pricing"
    )
    reply = chat.say("alice", line)
    assert "New customer “Acme” created" in reply
    assert "Next step T1: send quote — due Tue Dec 1\n" in reply + "\n"  # a whole day
    [activity] = rows(chat, Activity)
    assert activity.type == "call"
    assert activity.text == line.split("call ", 1)[1]
    assert activity.tags == ["pricing"]
    [task] = rows(chat, Task)
    assert task.text == "send quote"
    assert (task.due_at, task.due_all_day) == (datetime(2026, 12, 1, tzinfo=UTC), True)
    assert task.source_activity_id == activity.id


def test_next_step_without_date_defaults_to_next_working_day(chat: Chat) -> None:
    chat.at("2026-12-04 16:00")  # a Friday
    reply = chat.say("alice", "/log Acme call talked. next: send deck")
    assert "due Mon Dec 7 (no date given: next working day)" in reply


def test_customer_matching_exact_alias_prefix_and_quoted(chat: Chat) -> None:
    chat.say("alice", '/log "Acme Corp" visit Met the CTO, demo went well')
    assert "Acme Corp" in chat.say("alice", "/log Acme Corp call follow-up on the demo")
    assert len(rows(chat, Customer)) == 1
    assert "logged a call with Acme Corp" in chat.say("alice", "/log acme call prefix works")
    chat.say("alice", '/customer "Acme Corp" alias ACM')
    assert "logged a note with Acme Corp" in chat.say("alice", "/log ACM note by alias")
    chat.say("alice", "/log Acmeville call another one")
    reply = chat.say("alice", "/log Acme call which one?")
    assert "could be “Acme Corp” or “Acmeville”" in reply
    assert '/log "Acmeville" call which one?' in reply  # the words come back, ready to send
    assert len(rows(chat, Activity)) == 5  # the ambiguous line stored nothing


def test_deal_lifecycle_with_stage_gate_and_audit(chat: Chat) -> None:
    assert "New deal D1 “40-seat license” $120,000" in chat.say(
        "alice", "/deal Acme new 40-seat license 120k"
    )
    assert "moved to stage proposal" in chat.say("alice", "/deal Acme stage proposal")
    chat.say("alice", "/deal Acme new pilot")
    reply = chat.say("alice", "/deal Acme D2 stage quote")
    assert "needs amount before it can enter quote" in reply
    assert "amount is now $150,000" in chat.say("alice", "/deal Acme D1 amount 150k")
    assert "won" in chat.say("alice", "/deal Acme D1 won")
    reply = chat.say("alice", "/deal Acme lost price too high")
    assert "lost: price too high" in reply
    deals = rows(chat, Deal)
    assert [(d.status, d.amount) for d in deals] == [
        ("won", Decimal("150000.00")),
        ("lost", None),
    ]
    assert deals[1].lost_reason == "price too high"
    assert len(rows(chat, AuditEntry)) >= 5


def test_several_open_deals_reply_says_which_and_how_to_pick(chat: Chat) -> None:
    chat.say("alice", "/deal Acme new first 10k")
    chat.say("alice", "/deal Acme new second 20k")
    reply = chat.say("alice", "/deal Acme stage qualify")
    assert "D2 “second”" in reply and "To pick one, put its id after the customer" in reply
    assert "/deal Acme D1" in reply


def test_rep_cannot_change_someone_elses_customer(chat: Chat) -> None:
    team(chat)
    chat.say("alice", "/log Acme call hello")
    reply = chat.say("dave", "/log Acme call sneaky")  # west: whose it is, nothing more
    assert "outside what you can see" in reply and "“Acme” is @alice's customer" in reply
    assert "/log Acme call sneaky" in reply  # handed back, nothing retyped
    assert len(rows(chat, Activity)) == 1
    assert "outside what you can see" in chat.say("carl", "/deal Acme new side deal 5k")
    # the manager of the team may
    assert "logged a call" in chat.say("bob", "/log Acme call manager checks in")


def test_pipeline_scopes_and_refusals_reveal_nothing(chat: Chat) -> None:
    team(chat)
    chat.say("alice", "/deal Acme new big 100k")
    chat.say("dave", "/deal Globex new other 50k")
    assert "Acme" in chat.say("bob", "/pipeline team")
    assert "Globex" not in chat.say("bob", "/pipeline team")
    refused = chat.say("alice", "/pipeline @dave")
    assert "outside what you can see" in refused
    assert refused == chat.say("alice", "/pipeline @nobody")  # unknown or hidden: same answer
    assert "outside what you can see" in chat.say("bob", "/pipeline @dave")
    assert "Globex" in chat.say("boss", "/pipeline all")
    assert "outside what you can see" in chat.say("alice", "/pipeline team")


def test_roles_are_set_by_admins_only(chat: Chat) -> None:
    chat.say("boss", "/help")
    assert "Only an admin" in chat.say("alice", "/role @alice admin")
    assert "@bob is now a manager" in chat.say("boss", "/role @bob manager")
    assert "last admin" in chat.say("boss", "/role @boss rep")
    roles = {p.display_name: p.role for p in rows(chat, Person)}
    assert roles == {"boss": "admin", "alice": "rep", "bob": "manager"}


def test_requirement_confirmed_by_every_confirmer_and_new_version_voids(chat: Chat) -> None:
    team(chat)
    text = "Single sign-on with our Azure AD tenant before go-live"
    reply = chat.say("alice", f"/req Acme {text} confirm @bob @carl")
    assert f"“{text}”" in reply and "@bob … pending" in reply
    assert {
        chat.pushes()[p.id] is not None
        for p in rows(chat, Person)
        if p.display_name in ("bob", "carl")
    } == {True}
    [req] = rows(chat, Requirement)
    assert "not one of the confirmers" in chat.click("dave", f"req.confirm:{req.id}:1")
    assert "@bob confirmed R1 v1" in chat.click("bob", f"req.confirm:{req.id}:1")
    assert chat.last.updates and chat.last.updates[0].card.key == f"req:{req.id}"
    reply = chat.click("carl", f"req.confirm:{req.id}:1")
    assert "Everyone has confirmed" in reply
    assert rows(chat, Requirement)[0].status == "confirmed"
    # a new version voids the earlier confirmations but keeps them as history
    reply = chat.say("alice", "/req R1 SSO with Azure AD, and SCIM provisioning")
    assert "v2" in reply and "v1" in reply and "@bob … pending" in reply
    assert rows(chat, Requirement)[0].status == "pending"
    assert "now at v2" in chat.click("bob", f"req.confirm:{req.id}:1")
    assert len(rows(chat, Confirmation)) == 2


def test_request_change_tells_the_author(chat: Chat) -> None:
    team(chat)
    chat.say("alice", "/req Acme data stays on premises confirm @bob")
    reply = chat.click("bob", "req.change:1:1")
    assert "requested a change to R1" in reply and "/req R1" in reply
    alice = next(p for p in rows(chat, Person) if p.display_name == "alice")
    assert "requested a change" in chat.pushes()[alice.id]


def test_handover_moves_customer_deals_tasks_and_sends_history(chat: Chat) -> None:
    team(chat)
    chat.say("alice", "/log Acme call first call. next: send deck by Fri")
    chat.say("alice", "/deal Acme new license 80k")
    reply = chat.say("bob", "/handover Acme @alice @carl")
    assert "with 1 open deal and 1 open task" in reply
    carl = next(p for p in rows(chat, Person) if p.display_name == "carl")
    summary = chat.pushes()[carl.id]
    assert "“first call. next: send deck by Fri”" in summary and "T1 send deck" in summary
    assert {c.owner_id for c in rows(chat, Customer)} == {carl.id}
    assert {d.owner_id for d in rows(chat, Deal)} == {carl.id}
    assert {t.owner_id for t in rows(chat, Task)} == {carl.id}
    # dave (west) cannot see east's Acme: for him it does not exist
    reply = chat.say("dave", "/handover Acme @carl @dave")
    assert "“Acme” is @carl's customer, outside what you can see" in reply


def test_meeting_and_minutes_action_items_become_tasks(chat: Chat) -> None:
    team(chat)
    reply = chat.say("alice", "/meeting Acme tomorrow 15:00 60m with @bob")
    assert "Meeting M1 with Acme on Tue Dec 1 15:00 (60 min) with @bob" in reply
    chat.at("2026-12-01 16:30")
    reply = chat.say(
        "alice",
        "/minutes Acme Agreed on SSO scope. - @alice send revised quote by Wed "
        "- @bob book the pilot by Fri",
    )
    assert "meeting M1" in reply
    assert "@alice: send revised quote — due Wed Dec 2\n" in reply
    assert "@bob: book the pilot — due Fri Dec 4" in reply
    tasks = rows(chat, Task)
    assert [(t.text, t.source_meeting_id) for t in tasks] == [
        ("send revised quote", 1),
        ("book the pilot", 1),
    ]


def test_question_and_answered(chat: Chat) -> None:
    reply = chat.say("alice", "/question Acme Do you support SAML single sign-on?")
    assert "Q1" in reply and "“Do you support SAML single sign-on?”" in reply
    assert "Q1 (Acme) answered" in chat.say("alice", "/answered 1")
    assert "already answered" in chat.say("alice", "/answered Q1")
    assert "no question Q7" in chat.say("alice", "/answered 7")
    assert rows(chat, Question)[0].status == "answered"


def test_a_retried_delivery_changes_nothing(chat: Chat) -> None:
    first = chat.store("alice", "/log Acme call once only", key="Ev1")
    assert first is not None
    assert chat.store("alice", "/log Acme call once only", key="Ev1") is None  # the retry
    assert chat.intake().drain() == 1
    assert chat.intake().drain() == 0
    assert len(rows(chat, Activity)) == 1


def test_oversized_message_is_refused_and_nothing_saved(chat: Chat) -> None:
    line = "/log Acme call " + "x" * 5000
    reply = chat.say("alice", line)
    assert "the limit is 4000" in reply and line[:3000] in reply  # at most 3,000 quoted back
    assert (
        line[:3001] not in reply and "2015 more characters, not shown here and not saved" in reply
    )
    assert rows(chat, Activity) == []


def test_customer_history_newest_first(chat: Chat) -> None:
    chat.say("alice", "/log Acme call first")
    chat.at("2026-11-30 11:00")
    chat.say("alice", "/log Acme visit second")
    reply = chat.say("alice", "/customer Acme")
    assert reply.index("“second”") < reply.index("“first”")


def test_targets_and_progress(chat: Chat) -> None:
    team(chat)
    chat.say("alice", "/log Acme call one")
    chat.say("alice", "/log Acme visit two")
    assert "Only an admin or the manager" in chat.say("alice", "/target @alice 2026-11 calls=5")
    assert "calls 60" in chat.say("bob", "/target @alice 2026-11 calls=60 visits=12 won=500k")
    reply = chat.say("alice", "/progress month")
    assert "calls 1 / 60" in reply and "visits 1 / 12" in reply
    assert "outside what you can see" in chat.say("alice", "/progress @carl")


def test_tenants_never_see_each_other(chat: Chat) -> None:
    chat.say("alice", "/log Acme call ours")
    other = chat.event("zed", "/customer Acme")
    other = type(other)(**{**other.__dict__, "workspace_id": "w2"})
    assert "I know no customer “Acme”" in chat.text(chat.send(other))
    assert len(rows(chat, Tenant)) == 2


def test_digest_lists_stale_deals_riskiest_first(chat: Chat) -> None:
    team(chat)
    chat.say("alice", "/deal Small new small 1k")
    chat.say("alice", "/deal Big new big 900k")
    chat.say("carl", "/deal Fresh new fresh 500k")
    chat.at("2026-12-10 10:00")  # Mon Nov 30 + 8 working days: 1 over what a lead may rest
    chat.say("carl", "/log Fresh call still warm")
    reply = chat.say("bob", "/digest")
    assert reply.index("Big") < reply.index("Small")
    assert "Fresh" not in reply


def test_unexpected_failure_answers_without_a_traceback(chat: Chat, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from bot import handler
    from bot.commands.log import LogTouch

    def boom(ctx, intent):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(handler.HANDLERS, LogTouch, boom)
    chat.store("alice", "/log Acme call words to keep", key="k1")
    intake = chat.intake()
    intake.policy = InboxPolicy(max_attempts=2, backoff=0)
    assert intake.drain() == 0 and intake.drain() == 0  # tried twice, then given up
    with chat.bot.sessions() as s:
        assert s.scalar(select(func.count(Activity.id))) == 0
        row = s.scalar(select(InboxItem))
        assert row is not None and (row.status, row.last_error) == ("dead", "RuntimeError")
        told = [o for o in s.scalars(select(OutboxItem)) if o.target_kind == "ephemeral"]
    assert len(told) == 1 and told[0].target_name == "alice"
    reply = told[0].payload["text"]
    assert "nothing was saved" in reply and "/log Acme call words to keep" in reply
    assert "Traceback" not in reply and "disk on fire" not in reply
    # stamped by the conversation's clock, like every other answer (not the machine's, which
    # may be days later): a worker on that clock sends it now
    clock = Clockwork(chat)
    clock.worker.drain()
    assert [(who, "nothing was saved" in text) for who, text in clock.recorder.replies] == [
        ("alice", True)
    ]


def test_replies_and_pushes_speak_the_language_people_write(chat: Chat) -> None:
    team(chat)
    assert "已为华为新建商机" in chat.say("carl", "/商机 华为 新建 试点 20万")
    assert "New deal" in chat.say("alice", "/deal 腾讯 new pilot 10k")  # English command word
    chat.say("alice", "/req Acme data in region confirm @carl")
    carl = next(p for p in rows(chat, Person) if p.display_name == "carl")
    assert "请你确认" in chat.pushes()[carl.id]  # carl last wrote Chinese
    # the card comes with the request, so a confirmer who shares no chat with the asker (a
    # 1:1 chat with an app) can press its buttons
    [asked] = [p for p in chat.last.pushes if p.person_id == carl.id]
    assert asked.message.card is not None and asked.message.card.key == "req:1"
    assert [b.id for b in asked.message.card.buttons] == ["req.confirm:1:1", "req.change:1:1"]
    assert "@carl 已确认 R1" in chat.click("carl", "req.confirm:1:1")  # a click has no words


def test_someone_from_another_organisation_cannot_run_commands(chat: Chat) -> None:
    chat.say("alice", "/log Acme call ours")
    outsider = chat.event("mallory", "/pipeline all")
    outsider = type(outsider)(**{**outsider.__dict__, "from_other_org": True})
    [reply] = chat.send(outsider).replies
    assert reply.private and "only takes commands from members" in (reply.message.text or "")
    assert [p.display_name for p in rows(chat, Person)] == ["alice"]


def test_typed_control_characters_never_name_anyone(chat: Chat) -> None:
    """The core marks people with control characters: typed ones are dropped, not obeyed."""
    chat.say("boss", "/help")  # person 1
    reply = chat.say("alice", "/log Acme call see \x021\x03 and \x00 nul\r\nnext line")
    assert "@boss" not in reply and "see 1 and  nul" in reply
    texts = [a.text for a in rows(chat, Activity)]
    assert texts == ["see 1 and  nul\nnext line"]


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_long_task_list_says_how_many_it_left_out(sessions, lang: str) -> None:  # type: ignore[no-untyped-def]
    from bot.commands.tasks import TASKS_SHOWN

    chat = Chat(sessions, locale=lang)
    for n in range(TASKS_SHOWN + 3):
        chat.say("alice", f"/task Acme step{n} 2026-12-{1 + n % 28:02d} 10:00")
    reply = chat.say("alice", "/tasks" if lang == "en" else "/待办")
    assert reply.count("• T") == TASKS_SHOWN
    assert ("…and 3 more" if lang == "en" else "……还有 3 条") in reply
    assert f"({TASKS_SHOWN + 3})" in reply or f"（{TASKS_SHOWN + 3}）" in reply


@pytest.mark.parametrize(
    ("lang", "req", "note"),
    [
        ("en", "/req Acme SSO first confirm @bob", "it is no longer agreed"),
        ("zh_CN", "/需求 华为 数据不出机房 确认人 @bob", "现在不再视为达成一致"),
    ],
)
def test_a_change_request_on_an_agreed_requirement_says_it_reopens_it(
    sessions,
    lang: str,
    req: str,
    note: str,  # type: ignore[no-untyped-def]
) -> None:
    from bot.buttons import Act, button_id

    chat = Chat(sessions, locale=lang)
    chat.say("alice", req)
    first = chat.click("bob", button_id(Act.REQ_CHANGE, 1, 1))
    assert note not in first  # pending, not yet agreed: nothing to reopen
    chat.click("bob", button_id(Act.REQ_CONFIRM, 1, 1))
    reopened = chat.click("bob", button_id(Act.REQ_CHANGE, 1, 1))
    assert note in reopened
    assert any(note in text for text in chat.pushes().values())  # the author hears it too
