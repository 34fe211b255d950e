"""/import's rules on a real store, without a platform (tests/chat.py): a file with no command
is an import, a file under another command is that command's; who may decide an import's
card; a kept file that is gone; /export's words."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import delete, func, select

from bot.events import Upload
from storage.files import StoredFile
from storage.models import Customer
from tests.chat import Chat

CSV = b"Customer,Deal,Stage,Amount\nAcme,40 seats,proposal,120000\nGlobex,,,\n"


@pytest.fixture
def chat(sessions: Any) -> Chat:
    """root the admin; east: boss (lead, a manager) with alice; west: wendy (lead) with dave."""
    chat = Chat(sessions, now="2026-12-07 10:00")
    chat.say("root", "/team east @boss @alice")
    chat.say("root", "/team west @wendy @dave")
    return chat


def send(chat: Chat, who: str, text: str | None, name: str = "customers.csv") -> str:
    event = dataclasses.replace(
        chat.event(who, text), upload=Upload(name=name, size=len(CSV), data=CSV)
    )
    return chat.text(chat.send(event))


def buttons(chat: Chat) -> list[str]:
    cards = [r.message.card for r in chat.last.replies if r.message.card is not None]
    return [b.id for card in cards for b in card.buttons]


def customers(chat: Chat) -> int:
    with chat.bot.sessions() as s:
        return s.scalar(select(func.count(Customer.id))) or 0


@pytest.mark.parametrize("caption", [None, "", "here is the list", "import", "/import", "导入"])
def test_a_file_with_no_other_command_is_an_import(chat: Chat, caption: str | None) -> None:
    said = send(chat, "boss", caption)
    assert "What importing it would do" in said or "导入将会" in said
    assert buttons(chat)[0].startswith("import.go:")


def test_a_file_under_another_command_is_that_commands(chat: Chat) -> None:
    said = send(chat, "boss", "/log Acme call sent them our price list")
    assert "logged a call with Acme" in said and buttons(chat) == []
    with chat.bot.sessions() as s:
        assert s.scalar(select(func.count(StoredFile.id))) == 0


def test_only_the_sender_or_an_admin_decides(chat: Chat) -> None:
    send(chat, "boss", "/import")
    go = buttons(chat)[0]
    assert "Only whoever sent customers.csv (or an admin)" in chat.click("wendy", go)
    assert "Only whoever sent" in chat.click("alice", go)
    assert customers(chat) == 0
    assert "customers.csv imported by @root" in chat.click("root", go)
    assert customers(chat) == 2
    assert "already imported" in chat.click("boss", go)


def test_cancel_is_final_and_a_file_gone_is_said(chat: Chat) -> None:
    send(chat, "boss", "/import")
    go, cancel = buttons(chat)
    assert "import cancelled by @boss" in chat.click("boss", cancel)
    assert "was already cancelled" in chat.click("boss", go)
    assert customers(chat) == 0
    send(chat, "boss", "/import")
    go = buttons(chat)[0]
    with chat.bot.sessions.begin() as s:  # retention pruned it
        s.execute(delete(StoredFile))
    assert "no longer kept here: send it again" in chat.click("boss", go)
    assert "no longer kept here" in chat.click("boss", "import.go:99999")


def test_export_words_in_both_languages(chat: Chat) -> None:
    chat.say("alice", "/deal Acme new 40 seats 120k")
    said = chat.say("alice", "/export deals, customers")
    assert "Sent to you in a direct message: customers 1, deals 1" in said
    [push] = chat.last.pushes
    assert push.person_id is not None and push.message.attachment is not None
    assert push.message.attachment.name.endswith(".xlsx") and push.message.attachment.file_id
    assert "已私信发给你：客户 1 条" in chat.say("alice", "/导出 客户 csv")
    assert chat.last.pushes[0].message.attachment.name.endswith(".csv")  # type: ignore[union-attr]
    refused = chat.say("alice", "/导出 客人")
    assert "无法导出“客人”，未导出任何内容" in refused and chat.last.pushes == []


def test_export_from_chat_keeps_the_teams_clock_whatever_the_askers_zone(sessions: Any) -> None:
    """The file is the team's record: its times are in the tenant's zone, as the command line
    writes them, not in the zone of whoever asked (who may be travelling)."""
    import io

    import openpyxl

    from storage import files

    chat = Chat(sessions, now="2026-12-07 10:00", tz="Asia/Shanghai")
    chat.say("root", "/deal Acme new 40 seats 120k")
    travelling = dataclasses.replace(
        chat.event("root", "/export customers"), user_timezone="America/New_York"
    )
    chat.send(travelling)
    [push] = chat.last.pushes
    assert push.message.attachment is not None and push.message.attachment.file_id
    with chat.bot.sessions() as s:
        data = files.read(s, push.message.attachment.file_id)
    assert data is not None
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert "Created (Asia/Shanghai)" in headers
    created = sheet.cell(row=2, column=headers.index("Created (Asia/Shanghai)") + 1).value
    assert created.strftime("%Y-%m-%d %H:%M") == "2026-12-07 10:00"
