"""A claimed batch is handled in one transaction, each command in a savepoint of its own."""

from __future__ import annotations

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import handler, inbox
from bot.commands.log import LogTouch
from bot.inbox import Arrival, InboxPolicy
from storage.models import Activity, Customer
from storage.transit import InboxItem, OutboxItem
from tests.chat import Chat


def commits(sessions: sessionmaker[Session]) -> list[int]:
    """A counter of the commits on the store's engine, from now on."""
    seen = [0]
    engine = sessions.kw["bind"]

    def counted(*_: object) -> None:
        seen[0] += 1

    event.listen(engine, "commit", counted)
    return seen


def test_one_commit_for_a_batch_not_one_per_command(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    for n in range(5):
        chat.store("alice", f"/log Acme call note {n}", key=f"k{n}")
    intake = chat.intake()
    intake.lease.beat()  # its lease, renewed for a while: no renewal in the count
    counted = commits(sessions)
    assert intake.drain() == 5
    # the claim, the batch, and the claim that finds nothing more: three, whatever the batch
    assert counted[0] == 3
    with sessions() as s:
        assert s.scalar(select(func.count(Activity.id))) == 5
        assert set(s.scalars(select(InboxItem.status))) == {"done"}


def test_a_failing_command_rolls_back_alone(sessions, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    log = handler.HANDLERS[LogTouch]

    def sometimes(ctx, intent):  # type: ignore[no-untyped-def]
        if "boom" not in intent.text:
            return log(ctx, intent)
        # what it wrote before it failed must go with it
        ctx.session.add(
            Customer(
                tenant_id=ctx.tenant.id, name="Half", name_key="half", owner_id=ctx.me.id, tags=[]
            )
        )
        ctx.session.flush()
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(handler.HANDLERS, LogTouch, sometimes)
    chat.store("alice", "/log Acme call first", key="k1")
    chat.store("bob", "/log Globex call boom", key="k2")
    chat.store("carl", "/log Initech call third", key="k3")
    intake = chat.intake()
    intake.policy = InboxPolicy(max_attempts=2, backoff=0)
    assert intake.drain() == 2  # the failed row comes back at once (no backoff), fails again
    with sessions() as s:
        notes = sorted(s.scalars(select(Activity.text)))
        assert notes == ["first", "third"]
        assert s.scalar(select(Customer).where(Customer.name == "Half")) is None
        statuses = {r.delivery_key: (r.status, r.last_error) for r in s.scalars(select(InboxItem))}
    assert statuses["k1"] == ("done", None) and statuses["k3"] == ("done", None)
    assert statuses["k2"] == ("dead", "RuntimeError")  # out of attempts, and bob is told
    with sessions() as s:  # bob is told, with his words
        told = [
            o.payload["text"] for o in s.scalars(select(OutboxItem)) if "boom" in str(o.payload)
        ]
    assert len(told) == 1 and "/log Globex call boom" in told[0]


def test_after_a_failure_the_rest_of_its_conversation_waits(sessions, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions)
    log = handler.HANDLERS[LogTouch]
    fail = {"now": True}

    def sometimes(ctx, intent):  # type: ignore[no-untyped-def]
        if "boom" in intent.text and fail["now"]:
            raise RuntimeError("disk on fire")
        return log(ctx, intent)

    monkeypatch.setitem(handler.HANDLERS, LogTouch, sometimes)
    for n, text in enumerate(["first", "boom", "third"]):  # one channel: a run of three
        arrival = Arrival(
            platform="test",
            workspace="w1",
            key=f"k{n}",
            received_at=chat.now,
            payload={"who": "alice", "text": f"/log Acme call {text}"},
            conversation="c:sales",
        )
        with sessions.begin() as s:
            inbox.accept(s, [arrival])
    intake = chat.intake()
    intake.policy = InboxPolicy(max_attempts=3, backoff=600)
    assert intake.drain() == 1  # the first; the second failed; the third waits behind it
    with sessions() as s:
        assert list(s.scalars(select(Activity.text))) == ["first"]
        rows = {r.delivery_key: r for r in s.scalars(select(InboxItem))}
    assert (rows["k1"].status, rows["k1"].attempts) == ("pending", 1)
    assert (rows["k2"].status, rows["k2"].attempts) == ("pending", 0)  # given back, not tried
    fail["now"] = False
    chat.at("2026-11-30 10:30")  # past the backoff
    assert intake.drain() == 2
    with sessions() as s:
        assert list(s.scalars(select(Activity.text).order_by(Activity.id))) == [
            "first",
            "boom",
            "third",
        ]
