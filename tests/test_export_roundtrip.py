"""Export → import changes nothing (issue 21): a file dealbot wrote (bot/sheets/export.py), read
back by the import (bot/sheets/importing.py), plans no creation, no update and no problem, and
applying it leaves the customers, deals and contacts as they were — in English and Chinese,
from a workbook and from a CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.pipeline import Pipeline
from bot.sheets.export import build_export
from bot.sheets.importing import apply, plan
from bot.sheets.read import read_table
from storage.models import Contact, Customer, CustomerAlias, Deal, Person, Tenant
from tests.chat import Chat

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


@pytest.fixture
def chat(sessions):  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-01 10:00", tz="Asia/Shanghai", locale="zh_CN")
    chat.say("root", "/team east @boss @alice @carl")
    chat.say("alice", "/deal Acme new 40 seats 120k")
    chat.say("alice", "/deal Acme close 2027-01-15")
    chat.say("alice", "/deal Acme stage qualify")
    chat.say("alice", "/customer Acme alias Acme Corp")
    chat.say("alice", "/customer Acme alias 艾克米")
    chat.say("alice", "/contact Acme Hank CFO 555 0100 hank@acme.com")
    chat.say("carl", "/商机 华为 新建 私有化部署项目 50万")
    chat.say("carl", "/联系人 华为 刘总 CIO")
    chat.say("carl", "/deal Globex new pilot 50k")
    chat.say("carl", "/deal Globex won")
    with chat.bot.sessions.begin() as s:  # an id another CRM gave it (migration 0023)
        s.scalars(select(Customer).where(Customer.name == "Globex")).one().external_id = "GX-1"
    return chat


def snapshot(chat: Chat) -> dict[str, Any]:
    """Every customer, alias, deal and contact, as stored."""
    with chat.bot.sessions() as s:

        def rows(model: Any, *columns: str) -> list[tuple[Any, ...]]:
            found = s.scalars(select(model).order_by(model.id))
            return [tuple(getattr(r, c) for c in columns) for r in found]

        return {
            "customers": rows(Customer, "id", "name", "owner_id", "external_id", "tags"),
            "aliases": rows(CustomerAlias, "customer_id", "alias"),
            "deals": rows(
                Deal, "id", "customer_id", "title", "stage", "amount", "currency", "owner_id"
            )
            + rows(Deal, "expected_close", "status", "last_touch_at"),
            "contacts": rows(Contact, "customer_id", "name", "title", "email", "phone"),
        }


def round_trip(chat: Chat, *, fmt: str, locale: str, what: list[str] | None) -> None:
    """Export everything `what` names, import it back: nothing to create or update, no
    problem, and the store as it was."""
    before = snapshot(chat)
    with chat.bot.sessions() as s:
        tenant = s.scalars(select(Tenant)).one()
        root = s.scalar(select(Person.id).where(Person.display_name == "root"))
        made = build_export(
            s,
            tenant_id=tenant.id,
            viewer_id=None,
            what=what,
            fmt=fmt,
            locale=locale,
            tz=tenant.timezone,
            now=NOW,
        )
    with chat.bot.sessions.begin() as s:
        planned = plan(
            s,
            tenant_id=tenant.id,
            table=read_table(made.data, made.name),
            pipeline=Pipeline(),
            now=NOW,
            actor_id=root,
        )
        assert planned.problems == [] and planned.unknown_owners == {}
        for kind, tally in planned.tallies.items():
            assert (kind, tally.create, tally.update) == (kind, 0, 0)
        assert sum(t.unchanged + t.skip for t in planned.tallies.values()) > 0
        apply(s, tenant_id=tenant.id, plan=planned, actor_id=root, now=NOW)
    assert snapshot(chat) == before


@pytest.mark.parametrize(
    ("fmt", "locale", "what"),
    [
        ("xlsx", "en", None),
        ("xlsx", "zh_CN", None),
        ("csv", "en", ["customers"]),
        ("csv", "zh_CN", ["deals"]),
        ("csv", "en", ["contacts"]),
    ],
)
def test_a_file_dealbot_wrote_imports_back_as_no_change(
    chat: Chat, fmt: str, locale: str, what: list[str] | None
) -> None:
    round_trip(chat, fmt=fmt, locale=locale, what=what)


def test_a_phone_starting_with_plus_imports_back_as_no_change(chat: Chat) -> None:
    """The export writes +1 555 0199 as '+1 555 0199 (a spreadsheet would run it as a
    formula); the import reads the text after that quote."""
    chat.say("alice", "/contact Acme Ivy CTO +1 555 0199")
    round_trip(chat, fmt="xlsx", locale="en", what=["contacts"])
