"""Delivery through the real slack_sdk client to a local fake Slack that fails 30% of calls."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from adapters.slack.sender import SlackSender
from bot import outbox
from bot.delivery import Address, Capabilities, Delivery, RetryLater, TargetKind
from bot.events import ReplyHandle
from bot.leases import WorkerLease
from bot.outbox import OutboxPolicy
from bot.outcome import Message
from bot.sending import Worker
from storage.models import Tenant
from storage.transit import OutboxItem
from tests.fakes.slack_api import FakeSlack

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)  # every row's stamp: a test never reads today's date


def seed(sessions, n: int, now: datetime = T0) -> None:  # type: ignore[no-untyped-def]
    """n pushes, due at `now` (so due for a worker at any later time), each to its own user."""
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


def pushes(
    sessions,
    items: list[tuple[str, str, str]],  # type: ignore[no-untyped-def]
    kind: TargetKind = TargetKind.CHANNEL,
) -> None:
    """(dedup key, target, text) pushes on Slack, due at T0, for one new tenant."""
    with sessions.begin() as s:
        tenant = Tenant(name="t", created_at=T0)
        s.add(tenant)
        s.flush()
        for key, target, text in items:
            outbox.enqueue(
                s,
                tenant_id=tenant.id,
                dedup_key=key,
                now=T0,
                kind=kind,
                to=Address(person_id=None, platform="slack", user_id=target, name=target),
                message=Message(text=text),
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
        clock = T0
        worker = Worker(
            sessions=sessions,
            senders={"slack": sender},
            name="w1",
            clock=lambda: clock,
            policy=OutboxPolicy(base_backoff=1),
        )
        worker.drain()
        assert slack.failures["429"] == 1  # it was sent, and refused
        with sessions() as s:
            row = s.scalar(select(OutboxItem))
            assert (row.status, row.attempts) == ("pending", 1)
            assert (row.next_attempt_at - clock).total_seconds() >= 30


def test_permanent_errors_are_dead_lettered_at_once(sessions) -> None:  # type: ignore[no-untyped-def]
    now = T0
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
    seed_again = T0
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
    now = T0
    claimed = outbox.claim(
        sessions, worker="w1", platforms=["slack"], now=now, policy=OutboxPolicy(batch_size=3)
    )
    assert len(claimed) == 3
    assert outbox.release(sessions, "w1") == 3
    with sessions() as s:
        assert s.scalar(select(func.count()).where(OutboxItem.status == "pending")) == 5
        assert s.scalar(select(func.max(OutboxItem.attempts))) == 0


def test_a_claim_is_its_workers_while_its_lease_lives_and_free_once_it_lapses(sessions) -> None:  # type: ignore[no-untyped-def]
    """However long a send takes, no other worker takes its row while the sender's lease is
    renewed; once the lease lapses (the worker died), its rows are taken over at once."""
    seed(sessions, 2)
    wall = [T0]
    lease = WorkerLease(sessions, "slow", ttl=15, wall=lambda: wall[0])
    lease.beat()
    assert (
        len(
            outbox.claim(
                sessions,
                worker="slow",
                platforms=["slack"],
                now=T0,
                policy=OutboxPolicy(),
                alive_at=wall[0],
            )
        )
        == 2
    )
    for minutes in (1, 30, 600):  # the old claim timeout (2 min) is long gone: still its own
        wall[0] = T0 + timedelta(minutes=minutes)
        lease.beat()
        taken = outbox.claim(
            sessions,
            worker="other",
            platforms=["slack"],
            now=wall[0],
            policy=OutboxPolicy(),
            alive_at=wall[0],
        )
        assert taken == []
    lapsed = wall[0] + timedelta(seconds=15)  # no beat since: the lease ends now
    taken = outbox.claim(
        sessions,
        worker="other",
        platforms=["slack"],
        now=lapsed,
        policy=OutboxPolicy(),
        alive_at=lapsed,
    )
    assert len(taken) == 2
    # the slow worker's late "sent" no longer counts: the row is not its own any more
    outbox.mark_sent(sessions, "slow", taken[0].id, "x", lapsed)
    with sessions() as s:
        assert s.get(OutboxItem, taken[0].id).claimed_by == "other"
        assert s.get(OutboxItem, taken[0].id).status == "claimed"


def test_a_claim_of_a_worker_that_never_announced_itself_is_free(sessions) -> None:  # type: ignore[no-untyped-def]
    seed(sessions, 1)
    assert (
        len(
            outbox.claim(
                sessions, worker="ghost", platforms=["slack"], now=T0, policy=OutboxPolicy()
            )
        )
        == 1
    )
    assert (
        len(outbox.claim(sessions, worker="w", platforms=["slack"], now=T0, policy=OutboxPolicy()))
        == 1
    )


class Unpaced:
    """A Slack-named sender for these tests: no pacing, no capabilities beyond text."""

    platform = "slack"
    capabilities = Capabilities()
    min_interval = 0.0

    def pace_key(self, delivery):  # type: ignore[no-untyped-def]
        return None


class Clocked(Unpaced):
    """A sender whose every send takes `seconds` of a fake monotonic clock."""

    def __init__(self, clock: list[float], seconds: float) -> None:
        self.clock, self.seconds, self.sent = clock, seconds, []  # type: ignore[var-annotated]

    def send(self, delivery):  # type: ignore[no-untyped-def]
        self.sent.append(delivery.message.text)
        self.clock[0] += self.seconds
        return "ok"


def test_a_worker_whose_lease_may_have_lapsed_sends_nothing_more_and_gives_back(sessions) -> None:  # type: ignore[no-untyped-def]
    """The store went away and the lease could not be renewed: the rows may be another's by
    now, so the worker stops sending and gives them back instead of sending them twice."""
    # one conversation: sent in order, one after another
    pushes(sessions, [(f"k{n}", "U1", f"m{n}") for n in range(4)], kind=TargetKind.PERSON)
    clock = [0.0]
    lease = WorkerLease(sessions, "w1", ttl=15, monotonic=lambda: clock[0])
    sender = Clocked(clock, seconds=4)
    worker = Worker(
        sessions=sessions, senders={"slack": sender}, name="w1", clock=lambda: T0, lease=lease
    )
    lease.beat()
    real_beat = lease.beat
    lease.beat = lambda: False  # type: ignore[method-assign]  # renewals no longer get through
    worker.drain()
    # 15 s of lease, 4 s a send, 5 s kept spare: sends start at 0, 4 and 8, not at 12
    assert sender.sent == ["m0", "m1", "m2"]
    with sessions() as s:
        left = s.scalars(select(OutboxItem).where(OutboxItem.status != "sent")).all()
        assert [(r.dedup_key, r.status, r.attempts, r.claimed_by) for r in left] == [
            ("k3", "pending", 0, None)
        ]
    lease.beat = real_beat  # type: ignore[method-assign]
    worker.drain()
    assert sender.sent == ["m0", "m1", "m2", "m3"]


class Overlapping(Unpaced):
    """A sender that notes how many sends are in flight at once, and each conversation's order."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = self.most = 0
        self.sent: list[str] = []
        self.barrier = threading.Barrier(3, timeout=30)

    def send(self, delivery):  # type: ignore[no-untyped-def]
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        if delivery.message.text.endswith(":0"):
            self.barrier.wait()  # the first of each conversation waits for the other two
        with self.lock:
            self.in_flight -= 1
            self.sent.append(delivery.message.text)
        return "ok"


def test_conversations_are_sent_side_by_side_each_in_its_order(sessions) -> None:  # type: ignore[no-untyped-def]
    pushes(
        sessions,
        [(f"{chat}{n}", chat, f"{chat}:{n}") for n in range(4) for chat in "ABC"],
        kind=TargetKind.PERSON,
    )
    sender = Overlapping()
    worker = Worker(
        sessions=sessions,
        senders={"slack": sender},
        name="w1",
        clock=lambda: T0,
        policy=OutboxPolicy(concurrency=3),
    )
    report = worker.drain()
    worker.stop()
    assert report.sent == 12
    assert sender.most == 3  # the three conversations' first sends were in flight together
    for chat in "ABC":
        assert [t for t in sender.sent if t[0] == chat] == [f"{chat}:{n}" for n in range(4)]


def test_pacing_is_shared_by_two_workers(sessions) -> None:  # type: ignore[no-untyped-def]
    """Two instances keep the pace one would: the second waits for the conversation's turn."""
    pushes(sessions, [(f"k{n}", "C1", f"m{n}") for n in range(2)])
    with FakeSlack() as slack:
        workers = [
            Worker(
                sessions=sessions,
                name=name,
                clock=lambda: T0,
                policy=OutboxPolicy(batch_size=1),
                senders={
                    "slack": SlackSender(
                        token="xoxb-test", base_url=slack.url, timeout=1, min_interval=60
                    )
                },
            )
            for name in ("a", "b")
        ]
        first, second = workers[0].drain(max_batches=1), workers[1].drain(max_batches=1)
        assert (first.sent, second.sent, second.deferred) == (1, 0, 1)
        assert [m["text"] for m in slack.posted] == ["m0"]


def test_a_busy_channel_waits_its_turn_without_holding_up_others(sessions) -> None:  # type: ignore[no-untyped-def]
    now = T0
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


def dead_address() -> str:
    """A reply address on this machine that nobody answers (a closed port)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/commands/T1/123/dead"


def reply_to_command(attempts: int, *, queued: datetime, url: str) -> Delivery:
    return Delivery(
        id=1,
        tenant_id=1,
        dedup_key="reply:1",
        platform="slack",
        kind=TargetKind.EPHEMERAL,
        target_id="C1",
        target_name="sales",
        message=Message(text="Logged."),
        attempts=attempts,
        queued_at=queued,
        reply=ReplyHandle(conversation="C1", user_id="U1", token=url),
    )


def test_a_slack_reply_whose_response_url_is_dead_goes_by_the_web_api_after_two_tries() -> None:
    now, url = datetime.now(UTC), dead_address()
    with FakeSlack() as slack:
        sender = SlackSender(token="xoxb-test", base_url=slack.url, timeout=1, min_interval=0)
        for attempt in (1, 2):  # the address may be back in a moment: tried twice
            with pytest.raises(RetryLater):
                sender.send(reply_to_command(attempt, queued=now, url=url))
        assert not [c for c in slack.calls if c[0].startswith("chat.")]
        sender.send(reply_to_command(3, queued=now, url=url))
        assert [
            (c[0], c[1]["user"], c[1]["text"]) for c in slack.calls if c[0].startswith("chat.")
        ] == [("chat.postEphemeral", "U1", "Logged.")]


def test_a_slack_reply_older_than_its_response_url_goes_by_the_web_api_at_once() -> None:
    with FakeSlack() as slack:
        sender = SlackSender(token="xoxb-test", base_url=slack.url, timeout=1, min_interval=0)
        live = f"{slack.base}/response/late"
        sender.send(reply_to_command(1, queued=datetime.now(UTC) - timedelta(minutes=31), url=live))
        assert slack.responses == {}  # Slack would refuse it by now
        assert [c[0] for c in slack.calls if c[0].startswith("chat.")] == ["chat.postEphemeral"]
        sender.send(reply_to_command(1, queued=datetime.now(UTC), url=live))
        assert list(slack.responses) == ["late"]  # a fresh one still uses its response_url


def test_turns_that_passed_long_ago_are_forgotten(sessions) -> None:  # type: ignore[no-untyped-def]
    from bot.retention import forget_turns
    from storage import paces
    from storage.transit import Pace

    assert paces.take_turn(sessions, "slack:C1", interval=1, now=T0) == 0.0
    assert paces.take_turn(sessions, "slack:C1", interval=1, now=T0) == 1.0  # its turn is taken
    assert paces.take_turn(sessions, "slack:C2", interval=1, now=T0 + timedelta(hours=2)) == 0.0
    assert forget_turns(sessions, T0 + timedelta(hours=2)) == 1
    with sessions() as s:
        assert [p.key for p in s.scalars(select(Pace))] == ["slack:C2"]


def test_one_conversations_pushes_go_out_in_order_across_workers(sessions) -> None:  # type: ignore[no-untyped-def]
    """Two instances never send one conversation's pushes side by side: a push waits while an
    earlier one to its conversation is due or in another worker's hands. One that failed and
    waits its backoff holds nothing up."""
    pushes(
        sessions,
        [(key, chat, key) for key, chat in [("a1", "A"), ("a2", "A"), ("a3", "A"), ("b1", "B")]],
    )
    for name in ("one", "two"):
        WorkerLease(sessions, name).beat()

    def claim(worker: str, batch: int = 1) -> list[str]:
        return claimed_keys(sessions, worker, batch)

    assert claim("one", batch=2) == ["a1", "b1"]  # the oldest of each conversation first
    outbox.mark_sent(sessions, "one", _id(sessions, "b1"), "x", T0)
    assert claim("two") == []  # a2 waits behind a1, which "one" holds
    # a1 fails: it waits its backoff, and a2 may go
    assert (
        outbox.mark_failed(
            sessions,
            "one",
            _id(sessions, "a1"),
            "500",
            now=T0,
            policy=OutboxPolicy(),
            after=60,
            final=False,
        )
        is False
    )
    assert claim("two") == ["a2"]
    assert claim("one") == []  # a3 waits behind a2, which "two" holds
    outbox.mark_sent(sessions, "two", _id(sessions, "a2"), "x", T0)
    assert claim("one") == ["a3"]


def test_a_conversations_due_pushes_are_claimed_together_in_order(sessions) -> None:  # type: ignore[no-untyped-def]
    """A backlog to one conversation goes out a batch at a time (one worker, in order), not a
    push per claim; another worker waits for all of them."""
    pushes(sessions, [(f"a{n}", "A", f"a{n}") for n in range(5)] + [("b1", "B", "b1")])
    for name in ("one", "two"):
        WorkerLease(sessions, name).beat()

    def claim(worker: str, batch: int) -> list[str]:
        return claimed_keys(sessions, worker, batch)

    assert claim("one", 5) == ["a0", "a1", "a2", "a3", "b1"]  # the heads, then a0's run
    assert claim("two", 5) == []  # a4 waits behind a3, which "one" holds


def claimed_keys(sessions, worker: str, batch: int) -> list[str]:  # type: ignore[no-untyped-def]
    """What `worker` claims now, a batch of up to `batch` pushes, by dedup key."""
    got = outbox.claim(
        sessions,
        worker=worker,
        platforms=["slack"],
        now=T0,
        policy=OutboxPolicy(batch_size=batch),
        alive_at=datetime.now(UTC),
    )
    return [d.dedup_key for d in got]


def _id(sessions, key: str) -> int:  # type: ignore[no-untyped-def]
    with sessions() as s:
        return s.scalar(select(OutboxItem.id).where(OutboxItem.dedup_key == key))
