"""The outbox and the inbox against a fake Sender (no platform): rows no sender can deliver,
what a platform cannot show, pacing that `dealbot tick` waits out, tenant-scoped inbox keys."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot import inbox, outbox
from bot.delivery import Address, Capabilities, Delivery, Sender, TargetKind
from bot.events import ReplyHandle
from bot.inbox import Arrival
from bot.outcome import Message
from bot.sending import Worker
from storage.models import Tenant
from storage.transit import OutboxItem

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


class Fake(Sender):
    platform = "fake"
    capabilities = Capabilities()  # no private replies, no card updates
    min_interval = 0.0

    def __init__(self, min_interval: float = 0.0) -> None:
        self.min_interval = min_interval
        self.got: list[Delivery] = []

    def send(self, delivery: Delivery) -> str:
        self.got.append(delivery)
        return f"fake:{delivery.id}"


def tenant(sessions) -> int:  # type: ignore[no-untyped-def]
    with sessions.begin() as s:
        t = Tenant(name="t", created_at=NOW)
        s.add(t)
        s.flush()
        return t.id


def put(
    sessions,
    tid: int,
    key: str,
    *,
    platform: str = "fake",
    to: str = "U1",  # type: ignore[no-untyped-def]
    kind: TargetKind = TargetKind.PERSON,
    reply: ReplyHandle | None = None,
) -> None:
    with sessions.begin() as s:
        outbox.enqueue(
            s,
            tenant_id=tid,
            dedup_key=key,
            now=NOW,
            kind=kind,
            reply=reply,
            to=Address(person_id=None, platform=platform, user_id=to, name=to),
            message=Message(text=key),
        )


def test_a_row_for_a_platform_without_a_sender_is_dead_lettered_with_the_reason(sessions) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    put(sessions, tid, "for-nobody", platform="none")
    put(sessions, tid, "for-fake")
    told: list[str] = []
    worker = Worker(
        sessions=sessions,
        senders={"fake": Fake()},
        name="w",
        clock=lambda: NOW,
        on_dead=lambda d, reason: told.append(reason),
        orphans=True,
    )
    report = worker.drain()
    assert report.sent == 1 and len(report.dead or []) == 1
    with sessions() as s:
        dead = s.scalar(select(OutboxItem).where(OutboxItem.dedup_key == "for-nobody"))
    assert dead is not None and dead.status == "dead" and "'none'" in (dead.last_error or "")
    assert told and "not configured" in told[0]


def test_without_orphans_a_worker_leaves_other_platforms_rows_alone(sessions) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    put(sessions, tid, "for-slack", platform="slack")
    Worker(sessions=sessions, senders={"fake": Fake()}, name="w", clock=lambda: NOW).drain()
    with sessions() as s:
        assert s.scalar(select(OutboxItem.status)) == "pending"


def test_what_a_platform_cannot_show_is_sent_as_what_it_can(sessions) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    handle = ReplyHandle(conversation="C1", user_id="U7", card_message="C1:5")
    put(sessions, tid, "private", to="C1", kind=TargetKind.EPHEMERAL, reply=handle)
    put(sessions, tid, "update", to="C1", kind=TargetKind.UPDATE, reply=handle)
    fake = Fake()
    Worker(sessions=sessions, senders={"fake": fake}, name="w", clock=lambda: NOW).drain()
    got = {d.dedup_key: (d.kind, d.target_id) for d in fake.got}
    assert got == {"private": (TargetKind.PERSON, "U7"), "update": (TargetKind.CHANNEL, "C1")}


def test_tick_waits_out_pacing_until_everything_due_is_sent(sessions) -> None:  # type: ignore[no-untyped-def]
    tid = tenant(sessions)
    for owner in range(4):
        for n in range(10):
            put(sessions, tid, f"o{owner}:{n}", to=f"U{owner}")
    started = time.monotonic()
    fake = Fake(min_interval=0.05)

    def clock() -> datetime:  # as `dealbot tick` does: its moment, advancing while it waits
        return NOW + timedelta(seconds=time.monotonic() - started)

    worker = Worker(sessions=sessions, senders={"fake": fake}, name="tick", clock=clock)
    report = worker.drain_paced(max_wait=30, sleep=time.sleep)
    assert report.sent == 40 and report.deferred == 0
    assert len({d.dedup_key for d in fake.got}) == 40


def test_tick_with_a_frozen_clock_would_send_one_per_conversation(sessions) -> None:  # type: ignore[no-untyped-def]
    """Why tick's clock must advance: the bug the issue measured (8 of 400 sent)."""
    tid = tenant(sessions)
    for owner in range(2):
        for n in range(3):
            put(sessions, tid, f"o{owner}:{n}", to=f"U{owner}")
    fake = Fake(min_interval=60)
    worker = Worker(sessions=sessions, senders={"fake": fake}, name="tick", clock=lambda: NOW)
    report = worker.drain_paced(max_wait=0.3, sleep=time.sleep)
    assert report.sent == 2 and report.deferred > 0  # reported, not silently left


def test_inbox_keys_belong_to_the_platforms_tenant(sessions) -> None:  # type: ignore[no-untyped-def]
    """One shared channel, two workspaces: the same message id is two deliveries."""
    arrivals = [
        Arrival(platform="slack", workspace=w, key="msg:C-shared:1.5", payload={}, received_at=NOW)
        for w in ("T1", "T2", "T1")
    ]
    with sessions.begin() as s:
        ids = inbox.accept(s, arrivals)
    assert ids[0] is not None and ids[1] is not None and ids[2] is None


class Broken(Fake):
    """A sender with a bug whose exception quotes what it was sending."""

    def send(self, delivery: Delivery) -> str:
        raise KeyError(f"no block for {delivery.message.text!r}")


def test_an_unexpected_send_failure_keeps_the_words_out_of_log_and_row(sessions, caplog) -> None:  # type: ignore[no-untyped-def]
    import logging

    tid = tenant(sessions)
    put(sessions, tid, "客户说：数据不出机房")
    worker = Worker(sessions=sessions, senders={"fake": Broken()}, name="w", clock=lambda: NOW)
    with caplog.at_level(logging.DEBUG):
        worker.drain()
    with sessions() as s:
        row = s.scalar(select(OutboxItem).where(OutboxItem.dedup_key == "客户说：数据不出机房"))
    assert row is not None and row.last_error == "KeyError"
    assert "KeyError" in caplog.text and "数据不出机房" not in caplog.text
    assert "failed here" in caplog.text  # where it was raised, for whoever debugs
