"""Delivery through the real slack_sdk client to a local fake Slack that fails 30% of calls."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from adapters.slack.client import SlackSender
from bot import outbox
from bot.delivery import TargetKind
from bot.outbox import OutboxPolicy, Worker
from bot.outcome import Message
from bot.people import Address
from storage.models import OutboxItem, Tenant
from tests.fakes.slack_api import FakeSlack


def seed(sessions, n: int) -> None:  # type: ignore[no-untyped-def]
    """n pushes, due now, each to its own Slack user."""
    now = datetime.now(UTC)
    with sessions.begin() as s:
        tenant = Tenant(name="t", created_at=now)
        s.add(tenant)
        s.flush()
        for i in range(n):
            to = Address(person_id=None, platform="slack", user_id=f"U{i:05d}", name=f"u{i}")
            outbox.enqueue(
                s,
                tenant_id=tenant.id,
                dedup_key=f"item:{i}",
                to=to,
                message=Message(text=f"item {i}"),
                now=now,
            )


def test_flaky_platform_still_gets_everything_exactly_once(sessions) -> None:  # type: ignore[no-untyped-def]
    seed(sessions, 150)
    with FakeSlack(fail_rate=0.3, retry_after=1, hang_seconds=0.6) as slack:
        sender = SlackSender(token="xoxb-test", base_url=slack.url, timeout=0.3, min_interval=0)
        worker = Worker(
            sessions=sessions,
            senders={"slack": sender},
            name="w1",
            clock=lambda: datetime.now(UTC),
            policy=OutboxPolicy(max_attempts=30, base_backoff=0.05, max_backoff=0.5),
        )
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            worker.drain()
            with sessions() as s:
                left = s.scalar(select(func.count()).where(OutboxItem.status != "sent"))
            if not left:
                break
            time.sleep(0.1)
        delivered = Counter(m["text"] for m in slack.posted)
        assert len(delivered) == 150
        assert max(delivered.values()) == 1
        assert all(slack.failures[k] > 0 for k in ("500", "429", "timeout")), slack.failures
    with sessions() as s:
        rows = s.scalars(select(OutboxItem)).all()
        assert {r.status for r in rows} == {"sent"}
        assert all(r.platform_message_id and r.platform_message_id.startswith("U") for r in rows)


def test_retry_after_is_honoured(sessions) -> None:  # type: ignore[no-untyped-def]
    seed(sessions, 1)
    with FakeSlack(fail_rate=1.0, retry_after=30, seed=3) as slack:
        slack.random.choice = lambda options: "429"  # type: ignore[method-assign]
        sender = SlackSender(token="xoxb-test", base_url=slack.url, timeout=1, min_interval=0)
        clock = datetime(2026, 12, 1, 9, tzinfo=UTC)
        worker = Worker(
            sessions=sessions,
            senders={"slack": sender},
            name="w1",
            clock=lambda: clock,
            policy=OutboxPolicy(base_backoff=1),
        )
        worker.drain()
        with sessions() as s:
            row = s.scalar(select(OutboxItem))
            assert row.status == "pending"
            assert (row.next_attempt_at - clock).total_seconds() >= 30


def test_permanent_errors_are_dead_lettered_at_once(sessions) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    with sessions.begin() as s:
        tenant = Tenant(name="t", created_at=now)
        s.add(tenant)
        s.flush()
        outbox.enqueue(
            s,
            tenant_id=tenant.id,
            dedup_key="gone",
            to=Address(person_id=None, platform="slack", user_id="UGONE", name="gone"),
            message=Message(text="hello"),
            now=now,
        )
    with FakeSlack() as slack:
        sender = SlackSender(token="xoxb-test", base_url=slack.url, timeout=1, min_interval=0)
        dead = []
        worker = Worker(
            sessions=sessions,
            senders={"slack": sender},
            name="w1",
            clock=lambda: now,
            on_dead=lambda d, reason: dead.append(reason),
        )
        worker.drain()
    assert dead == ["slack: user_not_found"]


def test_enqueue_twice_with_one_key_keeps_one_row(sessions) -> None:  # type: ignore[no-untyped-def]
    seed(sessions, 3)
    seed_again = datetime.now(UTC)
    with sessions.begin() as s:
        to = Address(person_id=None, platform="slack", user_id="U0000", name="u0")
        tenant_id = s.scalar(select(Tenant.id))
        assert not outbox.enqueue(
            s,
            tenant_id=tenant_id,
            dedup_key="item:0",
            to=to,
            message=Message(text="again"),
            now=seed_again,
        )
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(OutboxItem)) == 3


def test_release_gives_back_claims_on_shutdown(sessions) -> None:  # type: ignore[no-untyped-def]
    seed(sessions, 5)
    now = datetime.now(UTC)
    claimed = outbox.claim(
        sessions, worker="w1", platforms=["slack"], now=now, policy=OutboxPolicy(batch_size=3)
    )
    assert len(claimed) == 3
    assert outbox.release(sessions, "w1") == 3
    with sessions() as s:
        assert s.scalar(select(func.count()).where(OutboxItem.status == "pending")) == 5
        assert s.scalar(select(func.max(OutboxItem.attempts))) == 0


def test_an_abandoned_claim_is_taken_over_after_the_timeout(sessions) -> None:  # type: ignore[no-untyped-def]
    seed(sessions, 2)
    t0 = datetime(2026, 12, 1, 9, tzinfo=UTC)
    policy = OutboxPolicy(claim_timeout=60)
    assert (
        len(outbox.claim(sessions, worker="dead", platforms=["slack"], now=t0, policy=policy)) == 2
    )
    later = t0.replace(second=59)
    assert (
        outbox.claim(sessions, worker="alive", platforms=["slack"], now=later, policy=policy) == []
    )
    taken = outbox.claim(
        sessions,
        worker="alive",
        platforms=["slack"],
        now=t0.replace(minute=1, second=1),
        policy=policy,
    )
    assert len(taken) == 2
    # the dead worker's late "sent" no longer counts: the row is not its own any more
    outbox.mark_sent(sessions, "dead", taken[0].id, "x", t0)
    with sessions() as s:
        assert s.get(OutboxItem, taken[0].id).status == "claimed"


def test_a_busy_channel_waits_its_turn_without_holding_up_others(sessions) -> None:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    with sessions.begin() as s:
        tenant = Tenant(name="t", created_at=now)
        s.add(tenant)
        s.flush()
        for n, channel in enumerate(["CBUSY", "CBUSY", "CBUSY", "CQUIET"]):
            outbox.enqueue(
                s,
                tenant_id=tenant.id,
                dedup_key=f"k{n}",
                to=Address(person_id=None, platform="slack", user_id=channel, name=channel),
                message=Message(text=f"m{n}"),
                now=now,
                kind=TargetKind.CHANNEL,
            )
    with FakeSlack() as slack:
        sender = SlackSender(token="xoxb-test", base_url=slack.url, timeout=1)  # 1 msg/s/channel
        worker = Worker(
            sessions=sessions, senders={"slack": sender}, name="w1", clock=lambda: datetime.now(UTC)
        )
        report = worker.drain()
        assert [m["text"] for m in slack.posted] == ["m0", "m3"]
        assert (report.sent, report.deferred) == (2, 2)
        with sessions() as s:
            waiting = s.scalars(select(OutboxItem).where(OutboxItem.status == "pending")).all()
            assert sorted(r.dedup_key for r in waiting) == ["k1", "k2"]
            assert all(r.attempts == 0 for r in waiting)  # waiting its turn is not a failure
        deadline = time.monotonic() + 10
        while len(slack.posted) < 4 and time.monotonic() < deadline:
            worker.drain()
            time.sleep(0.1)
        assert [m["text"] for m in slack.posted] == ["m0", "m3", "m1", "m2"]
