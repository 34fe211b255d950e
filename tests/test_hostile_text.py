"""Text the store would refuse, and names made to look like others (issue 8, items 6 and 7),
on a real store (SQLite file and PostgreSQL): what is kept, what is answered, what is logged."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from bot.customers import name_key
from bot.events import ID_MAX, Event, bound_id, clean
from bot.inbox import InboxPolicy
from storage.limits import TooLong
from storage.models import Activity, Customer, CustomerAlias, Deal, Identity, Person, Team
from storage.transit import InboxItem, OutboxItem
from tests.chat import Chat

FAMILY = "👨\u200d👩\u200d👧"
RAINBOW = "🏳️\u200d🌈"
RLO = "\u202e"


@pytest.fixture
def chat(sessions):  # type: ignore[no-untyped-def]
    return Chat(sessions)


def rows(chat: Chat, model):  # type: ignore[no-untyped-def]
    with chat.bot.sessions() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def count(chat: Chat, model) -> int:  # type: ignore[no-untyped-def]
    with chat.bot.sessions() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def outbox_texts(chat: Chat) -> list[str]:
    return [o.payload.get("text") or "" for o in rows(chat, OutboxItem)]


# -- the edge: what an Event keeps -------------------------------------------------------------


def test_clean_drops_controls_invisibles_and_bidi_but_keeps_lines_tabs_and_emoji() -> None:
    assert clean("a\x00b\x07c\x1bd\x7fe\x85f\ud800g") == "abcdefg"
    assert clean("one\r\ntwo\tthree\n") == "one\ntwo\tthree\n"
    for hidden in "\u200b\u200c\u2060\ufeff\u180e\u00ad\u200e\u200f\u061c\u2066\u2069":
        assert clean(f"Ac{hidden}me") == "Acme"
    assert clean(f"Acme{RLO}evil\u202a\u202c") == "Acmeevil"
    assert clean("Ac\u200dme") == "Acme"  # a joiner between letters only disguises
    assert clean(f"{FAMILY} {RAINBOW} 👩🏽\u200d💻") == f"{FAMILY} {RAINBOW} 👩🏽\u200d💻"
    assert clean("\u200d👨\u200d") == "👨"
    assert clean("华为 客户关注交付周期") == "华为 客户关注交付周期"


def test_long_ids_are_bounded_the_same_way_every_time() -> None:
    long = "U" + "x" * 299
    bounded = bound_id(long)
    assert len(bounded) == ID_MAX and bounded == bound_id(long)
    assert bounded.startswith("Uxxx") and "~" in bounded
    assert bound_id(long[:-1] + "y") != bounded  # same start, another id
    assert bound_id("U123") == "U123" and bound_id("x" * ID_MAX) == "x" * ID_MAX
    assert bound_id("U1\x002") == "U12"
    assert bound_id(bounded) == bounded  # bounding twice changes nothing


def test_an_event_bounds_its_ids_and_keeps_the_real_address_for_the_answer() -> None:
    from datetime import UTC, datetime

    from bot.events import Mention

    uid, channel = "U" * 150, "C" * 120
    event = Event(
        platform="test",
        workspace_id="W" * 101,
        user_id=uid,
        user_name="n" * 300,
        channel_id=channel,
        thread_id="T" * 130,
        message_id="M" * 250,
        mentions=(Mention(token="@" + "V" * 140, user_id="V" * 140, name="Bob\u200b"),),
        text="/log Acme call hi",
        occurred_at=datetime(2026, 11, 30, tzinfo=UTC),
    )
    for value in (
        event.workspace_id,
        event.user_id,
        event.channel_id,
        event.thread_id,
        event.message_id,
        event.mentions[0].user_id,
    ):
        assert value is not None and len(value) == ID_MAX
    assert len(event.user_name) == 200 and event.mentions[0].name == "Bob"
    handle = event.reply_handle()  # the platform is answered at its own ids
    assert (handle.conversation, handle.user_id, handle.thread) == (channel, uid, "T" * 130)


def test_name_key_folds_look_alikes() -> None:
    assert name_key("Acme") == name_key("Acme\u200b") == name_key("Ａｃｍｅ") == "acme"
    assert name_key("  ACME \u3000 Corp ") == "acme corp"
    assert name_key("Acme\ufe0f") == name_key("Ac\u2063me") == "acme"
    assert name_key("ﬁrm") == "firm"  # a ligature is the two letters
    assert name_key("华为") == "华为"


# -- the whole path, on both stores ------------------------------------------------------------


def test_nul_and_control_characters_are_dropped_and_the_touch_is_logged(chat: Chat) -> None:
    reply = chat.say("alice", "/log Acme call price\x00 talk\x01\x1b ok\x7f\x85 done\tnow")
    assert "New customer “Acme” created" in reply
    [activity] = rows(chat, Activity)
    assert activity.text == "price talk ok done\tnow"


def test_a_zero_width_space_does_not_make_a_second_customer(chat: Chat) -> None:
    chat.say("alice", "/log Acme call y")
    reply = chat.say("alice", "/log Acme\u200b call x")
    assert "New customer" not in reply
    [customer] = rows(chat, Customer)
    assert customer.name == "Acme"
    assert count(chat, Activity) == 2


def test_full_width_name_matches_the_customer(chat: Chat) -> None:
    chat.say("alice", "/log Acme call y")
    reply = chat.say("alice", "/log Ａｃｍｅ call z")
    assert "New customer" not in reply
    assert [c.name for c in rows(chat, Customer)] == ["Acme"]
    assert {a.customer_id for a in rows(chat, Activity)} == {rows(chat, Customer)[0].id}


def test_a_right_to_left_override_is_neither_stored_nor_echoed(chat: Chat) -> None:
    reply = chat.say("alice", f"/log Acme{RLO}gnp.exe call hello")
    assert RLO not in reply
    [customer] = rows(chat, Customer)
    assert customer.name == "Acmegnp.exe" and RLO not in customer.name_key
    assert all(RLO not in t for t in outbox_texts(chat))
    assert all(RLO not in a.text for a in rows(chat, Activity))


def test_an_alias_with_invisible_characters_is_the_same_alias(chat: Chat) -> None:
    chat.say("alice", "/log Acme call y")
    chat.say("alice", '/customer Acme alias "Acme Corp"')
    reply = chat.say("alice", '/customer Acme alias "Acme\u200b Corp\u2060"')
    assert "already names a customer" in reply
    assert [a.alias for a in rows(chat, CustomerAlias)] == ["Acme Corp"]


def test_emoji_joined_with_zwj_survive(chat: Chat) -> None:
    chat.say("alice", f"/log Acme call the whole family came {FAMILY} {RAINBOW}")
    [activity] = rows(chat, Activity)
    assert activity.text == f"the whole family came {FAMILY} {RAINBOW}"


def test_a_300_character_user_id_is_one_person(chat: Chat) -> None:
    uid = "U" + "7" * 299
    chat.say(uid, "/log Acme call first")
    chat.say(uid, "/log Acme call second")
    [person] = rows(chat, Person)
    [ident] = rows(chat, Identity)
    assert ident.external_id == bound_id(uid) and len(ident.external_id) == ID_MAX
    assert len(person.display_name) == 200
    assert {a.author_id for a in rows(chat, Activity)} == {person.id}
    # the answers still go to the platform's own (long) id
    assert {o.payload["reply"]["user_id"] for o in rows(chat, OutboxItem)} == {uid}
    other = uid[:-1] + "8"  # the same first 299 characters: another person
    chat.say(other, "/log Acme call third")
    assert count(chat, Person) == 2


def test_a_250_character_customer_name_is_refused_with_the_limit(chat: Chat) -> None:
    name = "Z" * 250
    line = f"/log {name} call talked about pricing"
    reply = chat.say("alice", line)
    [answer] = chat.last.replies
    assert answer.private
    assert "customer name is 250 characters long" in reply
    assert "at most 200" in reply and "nothing was saved" in reply
    assert line in reply  # quoted back: nothing typed is lost
    assert count(chat, Customer) == 0 and count(chat, Activity) == 0
    # the transaction is whole: the next command works
    assert "New customer “Acme” created" in chat.say("alice", "/log Acme call fine")


def test_a_250_character_customer_name_is_refused_in_chinese(chat: Chat) -> None:
    name = "华" * 250
    line = f"/记录 {name} 电话 聊了价格"
    reply = chat.say("xiaoli", line)
    assert chat.last.replies[0].private
    assert "客户名称有250个字符，超过了200个字符的上限，本次未保存任何内容" in reply
    assert "/记录 华为 电话" in reply
    assert reply.rstrip().endswith(line)
    assert count(chat, Customer) == 0 and count(chat, Activity) == 0


def test_a_long_deal_title_alias_and_team_name_are_named(chat: Chat) -> None:
    chat.say("boss", "/log Acme call y")
    reply = chat.say("boss", "/deal Acme new " + "t" * 310)
    assert "deal title is 310 characters long" in reply and "at most 300" in reply
    assert count(chat, Deal) == 0
    reply = chat.say("boss", "/customer Acme alias " + "a" * 220)
    assert "That alias is 220 characters long" in reply
    assert count(chat, CustomerAlias) == 0
    reply = chat.say("boss", "/team " + "e" * 120 + " @bob @alice")
    assert "team name is 120 characters long" in reply and "at most 100" in reply
    assert count(chat, Team) == 0


# -- the safety net itself ---------------------------------------------------------------------


def test_the_store_refuses_too_long_values_before_the_database_sees_them(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    chat.say("alice", "/log Acme call y")
    with sessions() as s:
        customer = s.scalars(select(Customer)).one()
        customer.name = "n" * 201
        with pytest.raises(TooLong) as caught:
            s.flush()
        assert (caught.value.table, caught.value.column) == ("customers", "name")
        assert (caught.value.limit, caught.value.size) == (200, 201)
        assert "n" * 20 not in str(caught.value)  # the error never carries the value
        s.rollback()
    assert [c.name for c in rows(chat, Customer)] == ["Acme"]


# -- what the logs keep ------------------------------------------------------------------------

SECRET = "confidential merger with Globex at 9.5M"


def test_a_database_error_logs_no_user_text(chat: Chat, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    from bot import handler
    from bot.commands.log import LogTouch

    def broken(ctx, intent):  # type: ignore[no-untyped-def]
        # a statement the database refuses, with what the person wrote as its parameter
        ctx.session.execute(text("SELECT 1 FROM no_such_table WHERE x = :t"), {"t": ctx.event.text})

    monkeypatch.setitem(handler.HANDLERS, LogTouch, broken)
    caplog.set_level(logging.DEBUG)
    chat.store("alice", f"/log Acme call {SECRET}", key="k1")
    intake = chat.intake()
    intake.policy = InboxPolicy(max_attempts=2, backoff=0)
    assert intake.drain() == 0 and intake.drain() == 0  # tried twice, then given up
    failures = [r for r in caplog.records if r.name == "bot.intake" and r.levelno >= logging.ERROR]
    assert failures and all(r.exc_info is None for r in failures)
    assert "inbox row" in caplog.text
    assert any(
        cls in caplog.text for cls in ("OperationalError", "ProgrammingError")
    )  # the kind of failure is named
    assert SECRET not in caplog.text and "Globex" not in caplog.text
    with chat.bot.sessions() as s:
        row = s.scalar(select(InboxItem))
        assert row is not None and row.status == "dead"
        assert "Globex" not in (row.last_error or "")
    # the person is still told, with their words
    assert any(SECRET in t for t in outbox_texts(chat))


def test_database_errors_carry_no_parameters(sessions) -> None:  # type: ignore[no-untyped-def]
    with sessions() as s, pytest.raises(DBAPIError) as caught:
        s.execute(text("SELECT 1 FROM no_such_table WHERE x = :t"), {"t": SECRET})
    assert "Globex" not in str(caught.value)
