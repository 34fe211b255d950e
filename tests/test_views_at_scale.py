"""Issue 19, views in SQL: /pipeline counts, sums and ranks in the database and still says
exactly what it said when it loaded every deal; /customer and the deal a command touches load
a page, not everything; none of them loads more deal rows than it shows.

The real Bot on a real store (SQLite file and PostgreSQL). Rows are counted as the ORM loads
them (an SQLAlchemy event), never timed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from bot.money import sums
from bot.parse.amounts import format_amount
from bot.pipeline import DEFAULT_STAGES
from storage.models import Customer, Deal, Person, Task
from tests.chat import Chat

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
OPEN = [s.key for s in DEFAULT_STAGES if not s.closed]


@pytest.fixture
def chat(sessions):  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    chat.say("boss", "/help")  # the first one seen: admin
    chat.say("boss", "/team east @bob @alice @carl")
    chat.say("boss", "/team west @wendy @dave")
    for who, name in (("alice", "Acme"), ("carl", "Initech"), ("dave", "Globex")):
        chat.say(who, f"/log {name} call hello")
    return chat


@contextmanager
def loaded(chat: Chat, model: type) -> Iterator[list[object]]:
    """The `model` rows the ORM builds while inside."""
    seen: list[object] = []

    def on_load(target: object, _context: object) -> None:
        seen.append(target)

    event.listen(model, "load", on_load)
    try:
        yield seen
    finally:
        event.remove(model, "load", on_load)


def _person(s, name: str) -> Person:  # type: ignore[no-untyped-def]
    return s.scalars(select(Person).where(Person.display_name == name)).one()


def seed_deals(chat: Chat) -> None:
    """More than ten open deals per stage for each rep, in three currencies, some without an
    amount and some of equal amounts (the id breaks the tie), some closed, one in a stage no
    longer configured (counted in the total, listed nowhere)."""
    amounts = [None, Decimal(500), Decimal(500), Decimal("1234.56"), Decimal(90000), Decimal(7)]
    with chat.bot.sessions.begin() as s:
        customers = {c.name: c for c in s.scalars(select(Customer))}
        i = 0
        for name in ("Acme", "Initech", "Globex"):
            c = customers[name]
            for stage in OPEN[:3]:
                for n in range(13):
                    i += 1
                    amount = amounts[(i * 7 + n) % len(amounts)]
                    closed = n == 12
                    s.add(
                        Deal(
                            tenant_id=c.tenant_id,
                            customer_id=c.id,
                            title=f"{name} {stage} {n}",
                            amount=amount,
                            currency=("USD", "EUR", "CNY")[(i + n) % 3],
                            stage="won" if closed else stage,
                            status="won" if closed else "open",
                            owner_id=c.owner_id,
                            stage_entered_at=NOW,
                            last_touch_at=NOW - timedelta(hours=i),
                            created_at=NOW,
                        )
                    )
        c = customers["Acme"]
        s.add(
            Deal(
                tenant_id=c.tenant_id,
                customer_id=c.id,
                title="retired stage",
                amount=Decimal(3),
                currency="GBP",
                stage="pilot",
                status="open",
                owner_id=c.owner_id,
                stage_entered_at=NOW,
                last_touch_at=NOW,
                created_at=NOW,
            )
        )


def expected(chat: Chat, owners: set[str], only: str | None = None) -> dict[str, object]:
    """What /pipeline said when it loaded every open deal and sorted them in Python: the rule
    written out again, independently of bot/stage_board.py."""
    with chat.bot.sessions() as s:
        ids = {_person(s, n).id for n in owners}
        deals = [
            d
            for d in s.scalars(select(Deal).where(Deal.status == "open"))
            if s.get_one(Customer, d.customer_id).owner_id in ids
            and (only is None or d.owner_id == _person(s, only).id)
        ]
    deals.sort(key=lambda d: (d.amount is None, -(d.amount or 0), d.id))
    stages = {}
    for key in OPEN:
        mine = [d for d in deals if d.stage == key]
        totals = sums(((d.currency, d.amount) for d in mine), "USD")
        money = " · ".join(format_amount(v, c, "en") for c, v in totals.items())
        stages[key] = {
            "header": f"{key} ({len(mine)})" + (f" {money}" if money else ""),
            "ids": [d.id for d in mine[:10]],
            "more": max(len(mine) - 10, 0),
        }
    everything = sums(((d.currency, d.amount) for d in deals if d.amount is not None), "USD")
    return {"total": len(deals), "stages": stages, "everything": everything}


def check(reply: str, want: dict[str, object]) -> None:
    total = want["total"]
    assert f": {total} open deal{'s' if total != 1 else ''}\n" in reply, reply
    sections = re.split(r"\n(?=(?:" + "|".join(OPEN) + r") \(\d+\))", reply)
    by_stage = {s.split(" ", 1)[0]: s for s in sections[1:]}
    for key, stage in want["stages"].items():  # type: ignore[attr-defined]
        text = by_stage[key]
        assert text.splitlines()[0] == stage["header"], (text, stage)
        assert [int(n) for n in re.findall(r"  • D(\d+)", text)] == stage["ids"], (key, text)
        more = f"…and {stage['more']} more in {key}"
        assert (more in text) == bool(stage["more"]), (key, text)
    everything = want["everything"]
    money = " · ".join(format_amount(v, c, "en") for c, v in everything.items())  # type: ignore[attr-defined]
    assert f"In all, in {len(everything)} currencies summed apart: {money}" in reply, reply  # type: ignore[arg-type]


def test_pipeline_says_what_it_always_said_in_every_scope(chat: Chat) -> None:
    seed_deals(chat)
    team = {"bob", "alice", "carl"}
    everyone = team | {"dave", "wendy", "boss"}
    check(chat.say("alice", "/pipeline"), expected(chat, {"alice"}, only="alice"))
    check(chat.say("bob", "/pipeline team"), expected(chat, team))
    check(chat.say("bob", "/pipeline @carl"), expected(chat, team, only="carl"))
    check(chat.say("boss", "/pipeline all"), expected(chat, everyone))
    check(chat.say("boss", "/pipeline @dave"), expected(chat, everyone, only="dave"))
    # reach is still the database's rule: dave's deals stay out of east's view
    assert "Globex" not in chat.say("bob", "/pipeline team")


def test_pipeline_loads_only_the_deals_it_lists(chat: Chat) -> None:
    seed_deals(chat)
    with loaded(chat, Deal) as deals:
        reply = chat.say("boss", "/pipeline all")
    listed = len(re.findall(r"  • D\d+", reply))
    assert listed == 30 and "…and 26 more in lead" in reply
    assert len(deals) == listed  # 109 open deals in the tenant; only the 30 shown are built


def test_customer_pages_deals_and_tasks_saying_how_many_more(chat: Chat) -> None:
    zh = Chat(chat.bot.sessions, tz="Asia/Shanghai", locale="zh_CN")
    seed_deals(chat)
    for n in range(12):
        chat.say("alice", f"/task Acme call back {n} tomorrow 3pm")
    with loaded(chat, Deal) as deals, loaded(chat, Task) as tasks:
        reply = chat.say("alice", "/customer Acme")
    assert len(deals) <= 10 and len(tasks) <= 10  # 40 deals and 12 tasks: a page each
    # 40 deals (36 open): the ten newest open ones, listed in id order as always
    with chat.bot.sessions() as s:
        acme = s.scalars(select(Customer).where(Customer.name == "Acme")).one()
        open_ids = sorted(
            s.scalars(select(Deal.id).where(Deal.customer_id == acme.id, Deal.status == "open"))
        )
    listed = [int(n) for n in re.findall(r"  • D(\d+)", reply.split("Open tasks")[0])]
    assert listed == open_ids[-10:], reply
    assert "…and 30 more deals not shown; the open ones: /deal Acme" in reply
    assert "…and 2 more open tasks not shown" in reply
    said = zh.say("alice", "/客户 Acme")
    assert "还有 30 个商机未列出；查看进行中的商机：/商机 Acme" in said
    assert "还有 2 条未完成待办未列出" in said
    # a customer with few deals reads as before: all of them, nothing said about more
    chat.say("alice", "/deal Hooli new pilot 5k")
    reply = chat.say("alice", "/customer Hooli")
    assert "“pilot” $5,000 — stage lead" in reply and "more deals" not in reply


def test_the_deal_a_command_touches_is_one_row_and_the_others_a_few(chat: Chat) -> None:
    seed_deals(chat)
    with chat.bot.sessions() as s:
        acme = s.scalars(select(Customer).where(Customer.name == "Acme")).one()
        latest = s.scalars(
            select(Deal)
            .where(Deal.customer_id == acme.id, Deal.status == "open")
            .order_by(Deal.last_touch_at.desc(), Deal.id.desc())
        ).all()
    with loaded(chat, Deal) as deals:
        reply = chat.say("alice", "/log Acme call checked in")
    assert len(deals) <= 6  # the one touched and the five named, of 37 open
    assert f"“{latest[0].title}”" in reply
    assert "Acme has 36 other open deals: " in reply
    assert "and 31 more (all of them: /deal Acme). To pick one" in reply
    named = [int(n) for n in re.findall(r"D(\d+) “", reply.split("other open deals")[1])]
    assert named == [d.id for d in latest[1:6]]
    zh = Chat(chat.bot.sessions, tz="Asia/Shanghai", locale="zh_CN")
    said = zh.say("alice", "/商机 Acme 阶段 proposal")
    assert (
        "Acme还有36个进行中的商机" in said
        and "等（另有 31 个未列出，全部列表：/商机 Acme）" in said
    )
