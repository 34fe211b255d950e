"""Colleagues on one customer (issue 18, item 5): collaborators added and removed by the owner,
their manager or an admin, who then read and write the customer as its owner does; and the
contacts at a customer (/contact), whose phone and email only those who can read it see.
On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.commands import parse
from bot.commands.contact import ContactAdd
from bot.grammar.line import ParseContext
from bot.intents import ParseError
from bot.pipeline import Pipeline
from storage.models import Activity, AuditEntry, Collaborator, Contact, Customer, Person, Task
from tests.chat import Chat


@pytest.fixture
def chat(sessions) -> Chat:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-28 10:00")
    chat.say("root", "/help")  # the first person is the admin
    chat.say("root", "/team east @lead_a @alice @amy")
    chat.say("root", "/team west @lead_b @bob")
    chat.say("alice", "/log Acme call kickoff-secret next: send deck by tomorrow")
    chat.say("alice", "/deal Acme new seats 50k")
    return chat


def _person(chat: Chat, name: str) -> Person:
    with chat.bot.sessions() as s:
        person = s.scalar(select(Person).where(Person.display_name == name))
        assert person is not None
        return person


def _collaborators(chat: Chat) -> set[str]:
    with chat.bot.sessions() as s:
        return set(
            s.scalars(
                select(Person.display_name)
                .join(Collaborator, Collaborator.person_id == Person.id)
                .join(Customer, Customer.id == Collaborator.customer_id)
                .where(Customer.name == "Acme")
            )
        )


def _audit(chat: Chat) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    with chat.bot.sessions() as s:
        rows = s.execute(
            select(AuditEntry.action, Person.display_name, AuditEntry.detail)
            .join(Person, Person.id == AuditEntry.actor_id)
            .where(AuditEntry.action.like("customer.collaborator%"))
            .order_by(AuditEntry.id)
        ).all()
        return [(a, who, d) for a, who, d in rows]


@pytest.mark.parametrize("adder", ["alice", "lead_a", "root"])
def test_owner_manager_or_admin_add_and_remove_a_collaborator(chat: Chat, adder: str) -> None:
    bob = _person(chat, "bob")
    reply = chat.say(adder, "/customer Acme add @bob")
    assert "@bob now collaborates on Acme" in reply
    assert _collaborators(chat) == {"bob"}
    assert "added you as a collaborator on Acme" in chat.pushes()[bob.id]  # bob is told
    assert "now collaborate" not in chat.say(adder, "/customer Acme add @bob")  # already
    reply = chat.say(adder, "/customer Acme remove @bob")
    assert "@bob no longer collaborates on Acme" in reply
    assert "removed you from the collaborators on Acme" in chat.pushes()[bob.id]
    assert _collaborators(chat) == set()
    entries = _audit(chat)
    assert [(a, who) for a, who, _ in entries] == [
        ("customer.collaborator_add", adder),
        ("customer.collaborator_remove", adder),
    ]
    assert entries[0][2]["after"] == {"person_id": bob.id}
    assert entries[1][2]["before"] == {"person_id": bob.id}
    history = chat.say("alice", "/customer Acme history")
    assert f"{adder} added @bob as a collaborator" in history
    assert f"{adder} removed @bob from the collaborators" in history


def test_a_rep_out_of_reach_cannot_add_themselves(chat: Chat) -> None:
    reply = chat.say("bob", "/customer Acme add @bob")
    assert "now collaborate" not in reply and "kickoff-secret" not in reply
    assert _collaborators(chat) == set() and _audit(chat) == []


@pytest.mark.parametrize("asker", ["bob", "lead_b", "amy"])
def test_others_are_refused_and_told_who_can(chat: Chat, asker: str) -> None:
    # bob collaborates, lead_b reaches Acme through him, amy is alice's teammate: none of them
    # is the owner, the owner's manager or an admin
    chat.say("alice", "/customer Acme add @bob")
    if asker == "amy":
        chat.say("lead_a", "/customer Acme add @amy")
    reply = chat.say(asker, "/customer Acme add @lead_b")
    assert "Only the owner of Acme (@alice), their manager or an admin can add or remove" in reply
    assert "Nothing changed" in reply
    reply = chat.say(asker, "/customer Acme remove @bob")
    assert "Only the owner of Acme (@alice)" in reply
    assert _collaborators(chat) == ({"bob", "amy"} if asker == "amy" else {"bob"})


def test_a_collaborator_reads_and_writes_as_the_owner_until_removed(chat: Chat) -> None:
    assert "kickoff-secret" not in chat.say("bob", "/customer Acme")
    chat.say("alice", "/customer Acme add @bob")
    shown = chat.say("bob", "/customer Acme")
    assert "kickoff-secret" in shown and "Collaborators: @bob" in shown
    assert "logged a call with Acme" in chat.say("bob", "/log Acme call covered-by-bob")
    assert "seats" not in chat.say("bob", "/pipeline")  # /pipeline mine: bob's own deals only
    assert "seats" in chat.say("bob", "/deal Acme")
    chat.say("bob", "/deal Acme stage qualify")
    chat.say("bob", "/task Acme call Hank back tomorrow 3pm")
    alice = _person(chat, "alice")
    with chat.bot.sessions() as s:
        acme = s.scalar(select(Customer).where(Customer.name == "Acme"))
        assert acme is not None and acme.owner_id == alice.id  # still alice's
        assert s.scalar(select(Activity.id).where(Activity.text == "covered-by-bob"))
    # the manager reaching bob reaches what bob collaborates on; alice's other customers stay out
    chat.say("alice", "/log Other call hidden-other")
    assert "kickoff-secret" in chat.say("lead_b", "/customer Acme")
    assert "hidden-other" not in chat.say("bob", "/customer Other")
    assert "seats" not in chat.say("bob", "/pipeline @alice")
    assert "Acme" in chat.say("bob", "/customer Ac")  # prefix search finds it
    chat.say("alice", "/customer Acme remove @bob")
    assert "kickoff-secret" not in chat.say("bob", "/customer Acme")
    before = _count_activities(chat)
    chat.say("bob", "/deal Acme stage proposal")
    assert "proposal" not in chat.say("alice", "/deal Acme")
    assert _count_activities(chat) == before


def _count_activities(chat: Chat) -> int:
    with chat.bot.sessions() as s:
        return len(list(s.scalars(select(Activity.id))))


def test_each_task_keeps_its_own_owner(chat: Chat) -> None:
    chat.say("alice", "/customer Acme add @bob")
    chat.say("bob", "/task Acme bob-task tomorrow 3pm")
    bob, alice = _person(chat, "bob").id, _person(chat, "alice").id
    with chat.bot.sessions() as s:  # bob's task is bob's to be reminded of; alice's stay hers
        owners = {text: owner for text, owner in s.execute(select(Task.text, Task.owner_id))}
    assert owners == {"bob-task": bob, "send deck": alice}


def test_contact_saved_and_shown_in_customer(chat: Chat) -> None:
    reply = chat.say("alice", "/contact Acme Hank CFO +1 555 0100 hank@acme.com")
    assert "Contact saved at Acme: Hank, CFO · +1 555 0100 · hank@acme.com" in reply
    shown = chat.say("alice", "/customer Acme")
    assert "Contacts:" in shown and "Hank, CFO · +1 555 0100 · hank@acme.com" in shown
    reply = chat.say("alice", "/contact Acme Hank hank@acme.example")  # the same name: updated
    assert "Contact updated" in reply
    with chat.bot.sessions() as s:
        rows = list(s.scalars(select(Contact)))
        assert [(c.name, c.title, c.phone, c.email) for c in rows] == [
            ("Hank", "CFO", "+1 555 0100", "hank@acme.example")
        ]


def test_contact_in_chinese(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-28 10:00", locale="zh_CN")
    chat.say("小李", "/记录 华为 电话 初次沟通")
    reply = chat.say("小李", "/联系人 华为 刘总 CIO 13800138000")
    assert "已保存华为的联系人：刘总，CIO · 13800138000" in reply
    assert "刘总，CIO · 13800138000" in chat.say("小李", "/客户 华为")
    reply = chat.say("小李", "/联系人 华为 13800138000")
    assert "联系人要先写姓名" in reply and "/联系人 华为 <姓名> 13800138000" in reply


def test_contact_phone_hidden_from_whoever_cannot_read_the_customer(chat: Chat) -> None:
    chat.say("alice", "/contact Acme Hank CFO +1 555 0100 hank@acme.com")
    for outsider in ("bob", "amy", "lead_b"):
        reply = chat.say(outsider, "/customer Acme")
        assert "555" not in reply and "hank@" not in reply, (outsider, reply)
        # writing one takes reach too
        chat.say(outsider, f"/contact Acme By{outsider} +1 555 0199")
    with chat.bot.sessions() as s:
        assert list(s.scalars(select(Contact.name))) == ["Hank"]
    chat.say("lead_a", "/customer Acme add @bob")
    assert "+1 555 0100" in chat.say("bob", "/customer Acme")
    assert "Contact saved" in chat.say("bob", "/contact Acme Lin CTO lin@acme.com")


def test_contacts_shown_hides_phone_and_email_out_of_reach(chat: Chat) -> None:
    from bot.contacts import shown
    from bot.reach import Reach

    chat.say("alice", "/contact Acme Hank CFO +1 555 0100 hank@acme.com")

    class Ctx:  # just what `shown` reads
        def __init__(self, session, reach) -> None:  # type: ignore[no-untyped-def]
            self.session, self.reach = session, reach

    with chat.bot.sessions() as s:
        acme = s.scalar(select(Customer).where(Customer.name == "Acme"))
        assert acme is not None
        inside = shown(Ctx(s, Reach(acme.owner_id, frozenset({acme.owner_id}))), acme)  # type: ignore[arg-type]
        outside = shown(Ctx(s, Reach(0, frozenset({0}))), acme)  # type: ignore[arg-type]
    assert (inside[0].phone, inside[0].email) == ("+1 555 0100", "hank@acme.com")
    assert (outside[0].name, outside[0].title, outside[0].phone, outside[0].email) == (
        "Hank",
        "CFO",
        None,
        None,
    )


def test_contact_bad_input_gets_a_corrected_line(chat: Chat) -> None:
    reply = chat.say("alice", "/contact Acme +1 555 0100")
    assert "A contact needs a name first" in reply
    assert "/contact Acme <name> +1 555 0100" in reply
    reply = chat.say("alice", "/contact Acmee Hank CFO")
    assert "no contact was saved" in reply and '/contact "Acme" Hank CFO' in reply
    reply = chat.say("alice", "/contact Acme Hank 12")
    assert "“12” is not a phone number" in reply
    with chat.bot.sessions() as s:
        assert list(s.scalars(select(Contact))) == []


def _parse(text: str):  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    ctx = ParseContext(
        now=datetime(2026, 12, 28, tzinfo=UTC),
        tz=ZoneInfo("UTC"),
        is_customer=lambda name: False,
        pipeline=Pipeline(),
    )
    return parse(text, ctx)


@pytest.mark.parametrize(
    ("text", "name", "title", "phone", "email"),
    [
        (
            "/contact Acme Hank CFO +1 555 0100 hank@acme.com",
            "Hank",
            "CFO",
            "+1 555 0100",
            "hank@acme.com",
        ),
        ("/contact Acme Hank hank@acme.com", "Hank", None, None, "hank@acme.com"),
        (
            '/contact Acme "Hank Smith" VP Sales (555) 010-0100',
            "Hank Smith",
            "VP Sales",
            "(555) 010-0100",
            None,
        ),
        ("/联系人 华为 刘总 CIO 13800138000", "刘总", "CIO", "13800138000", None),
        ("/联系人 华为 王工 138-0013-8000", "王工", None, "138-0013-8000", None),
    ],
)
def test_contact_line_is_read(text: str, name: str, title, phone, email) -> None:  # type: ignore[no-untyped-def]
    intent = _parse(text)
    assert isinstance(intent, ContactAdd), intent
    assert (intent.name, intent.title, intent.phone, intent.email) == (name, title, phone, email)


def test_collaborator_lines_are_read() -> None:
    from bot.collaborators import CollaboratorChange

    for text, remove in (
        ("/customer Acme add @bob", False),
        ("/customer Acme remove @bob", True),
        ("/客户 华为 协作人 @小张", False),
        ("/客户 华为 移除协作人 @小张", True),
    ):
        intent = _parse(text)
        assert isinstance(intent, CollaboratorChange), (text, intent)
        assert intent.remove is remove and len(intent.people) == 1
    error = _parse("/客户 华为 协作人 小张")
    assert (
        isinstance(error, ParseError) and dict(error.params)["fixed"] == "/客户 华为 协作人 @小张"
    )
