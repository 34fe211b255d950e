"""The inbox's lanes (issue 19): each row carries its conversation and lane, workers claim from
their share of the lanes, lanes move when a worker joins, leaves or dies, and one
conversation's rows are handled in order, one at a time, whatever the workers. On SQLite and
PostgreSQL."""

from __future__ import annotations

import random
import threading
import time
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from adapters.feishu import edge as feishu_edge
from adapters.slack import edge as slack_edge
from adapters.wecom import edge as wecom_edge
from bot import inbox
from bot.inbox import LANES, Arrival, Claimed, InboxPolicy
from bot.intake import Intake
from bot.lanes import Lanes, share
from bot.leases import WorkerLease
from storage import leases, queue
from storage.models import Customer, Deal
from storage.transit import InboxItem
from tests.chat import Chat

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
POLICY = InboxPolicy(batch_size=20, backoff=2.0)
ONE = InboxPolicy(batch_size=1, backoff=2.0)  # a batch of one row: no run after it


def store(
    sessions: sessionmaker[Session], key: str, where: str, *, payload: dict | None = None
) -> int:
    arrival = Arrival(
        platform="test",
        workspace="w1",
        key=key,
        payload=payload or {},
        received_at=NOW,
        conversation=where,
    )
    with sessions.begin() as s:
        row = inbox.accept(s, [arrival])[0]
    assert row is not None
    return row


def claim(sessions: sessionmaker[Session], worker: str, **kw) -> list[int]:  # type: ignore[no-untyped-def]
    kw.setdefault("now", NOW)
    kw.setdefault("policy", POLICY)
    return [c.id for c in inbox.claim(sessions, worker=worker, platforms=["test", "slack"], **kw)]


def done(sessions: sessionmaker[Session], worker: str, row: int) -> None:
    with sessions.begin() as s:
        assert inbox.mark_done(s, worker, row, NOW)


def alive(sessions: sessionmaker[Session], *workers: str) -> None:
    for w in workers:
        leases.hold(sessions, f"worker:{w}", w, ttl=3600, now=NOW)


# --- where a row goes ------------------------------------------------------------------------


def test_a_row_gets_its_conversation_and_a_stable_lane_at_insert(sessions) -> None:  # type: ignore[no-untyped-def]
    a = store(sessions, "k1", inbox.conversation(channel="C1"))
    b = store(sessions, "k2", inbox.conversation(channel="C1"))
    c = store(sessions, "k3", "")  # not known: no order, a lane from its own key
    with sessions() as s:
        rows = {r.id: r for r in s.scalars(select(InboxItem))}
    assert rows[a].conversation == rows[b].conversation == "test:w1:c:C1"
    assert rows[a].lane == rows[b].lane == zlib.crc32(b"test:w1:c:C1") % LANES
    assert rows[c].conversation is None
    assert rows[c].lane == zlib.crc32(b"test:w1:#k3") % LANES
    assert inbox.conversation(user="U1") == "u:U1" != inbox.conversation(channel="U1")
    long = inbox.conversation_key("slack", "T" * 200, "c:" + "x" * 200)
    assert long is not None and long.startswith("sha256:") and len(long) < 300


def test_each_edge_says_which_conversation_a_delivery_belongs_to() -> None:
    command = slack_edge.classify(
        "command",
        {
            "command": "/deal",
            "text": "Acme new",
            "team_id": "T1",
            "user_id": "U1",
            "channel_id": "C9",
            "trigger_id": "t1",
        },
    )
    assert command.conversation == "c:C9"
    message = slack_edge.classify(
        "event",
        {
            "type": "event_callback",
            "team_id": "T1",
            "event": {"type": "message", "user": "U1", "channel": "D5", "ts": "1.2", "text": "x"},
        },
    )
    assert message.conversation == "c:D5"  # a DM's channel is the 1:1 chat
    click = slack_edge.classify(
        "action",
        {
            "type": "block_actions",
            "user": {"id": "U1", "team_id": "T1"},
            "team": {"id": "T1"},
            "actions": [{"action_id": "done", "value": "v", "action_ts": "3.4"}],
            "container": {"channel_id": "C9", "message_ts": "1.1"},
        },
    )
    assert click.conversation == "u:U1"

    feishu_message = feishu_edge.classify(
        {
            "schema": "2.0",
            "header": {"event_type": feishu_edge.MESSAGE, "tenant_key": "tk"},
            "event": {
                "sender": {"sender_type": "user", "sender_id": {"open_id": "ou_1"}},
                "message": {
                    "message_id": "om_1",
                    "chat_id": "oc_7",
                    "chat_type": "group",
                    "message_type": "text",
                    "content": '{"text": "hi"}',
                },
            },
        }
    )
    assert feishu_message.conversation == "c:oc_7"
    feishu_click = feishu_edge.classify(
        {
            "schema": "2.0",
            "header": {"event_type": feishu_edge.ACTION, "tenant_key": "tk", "event_id": "e1"},
            "event": {
                "operator": {"open_id": "ou_1"},
                "action": {"value": {"b": "done"}},
                "token": "c-1",
            },
        }
    )
    assert feishu_click.conversation == "u:ou_1"

    app_text = wecom_edge.app(
        {
            "ToUserName": "corp",
            "FromUserName": "zhang",
            "CreateTime": "1",
            "MsgType": "text",
            "MsgId": "m1",
            "Content": "hi",
        }
    )
    assert app_text.conversation == "u:zhang"
    group = {
        "msgid": "b1",
        "msgtype": "text",
        "from": {"userid": "zhang"},
        "text": {"content": "x"},
    }
    assert wecom_edge.bot(group | {"chattype": "group", "chatid": "wr1"}).conversation == "c:wr1"
    assert wecom_edge.bot(group | {"chattype": "single"}).conversation == "u:zhang"


# --- the claim rule --------------------------------------------------------------------------


def test_a_row_waits_while_an_earlier_one_of_its_conversation_is_claimed_by_another(  # type: ignore[no-untyped-def]
    sessions,
) -> None:
    alive(sessions, "a", "b")
    first = store(sessions, "k1", "c:C1")
    second = store(sessions, "k2", "c:C1")
    other = store(sessions, "k3", "c:C2")
    assert claim(sessions, "a", policy=ONE) == [first]
    assert claim(sessions, "b") == [other]  # the second waits while the first is a's
    assert claim(sessions, "b") == [other]  # b's own, still not done: still not the second
    done(sessions, "a", first)
    assert claim(sessions, "b") == [second, other]


def test_a_conversations_run_is_claimed_in_one_batch_in_order(sessions) -> None:  # type: ignore[no-untyped-def]
    alive(sessions, "a", "b")
    rows = [store(sessions, f"k{n}", "c:C1") for n in range(5)]
    other = store(sessions, "k9", "c:C2")
    assert claim(sessions, "a", policy=InboxPolicy(batch_size=4)) == [*rows[:3], other]
    assert claim(sessions, "b") == []  # the rest of C1 waits behind a's run
    for row in rows[:3]:
        done(sessions, "a", row)
    assert claim(sessions, "b") == rows[3:]


def test_a_run_stops_at_a_row_waiting_out_its_backoff(sessions) -> None:  # type: ignore[no-untyped-def]
    alive(sessions, "a")
    rows = [store(sessions, f"k{n}", "c:C1") for n in range(3)]
    assert claim(sessions, "a", policy=ONE) == rows[:1]
    done(sessions, "a", rows[0])
    assert claim(sessions, "a", policy=ONE) == rows[1:2]
    with sessions.begin() as s:  # the second fails: back to pending after its backoff
        assert inbox.mark_failed(s, "a", rows[1], "boom", now=NOW, policy=POLICY) is False
    assert claim(sessions, "a") == []  # the third never overtakes it
    later = NOW + timedelta(seconds=10)
    assert claim(sessions, "a", now=later) == rows[1:]


def test_a_row_waits_behind_an_earlier_one_that_failed_until_it_is_done_or_dead(  # type: ignore[no-untyped-def]
    sessions,
) -> None:
    alive(sessions, "a", "b")
    first = store(sessions, "k1", "c:C1")
    second = store(sessions, "k2", "c:C1")
    assert claim(sessions, "a", policy=ONE) == [first]
    with sessions.begin() as s:
        dead = inbox.mark_failed(s, "a", first, "boom", now=NOW, policy=POLICY)
    assert dead is False  # back to pending, after a backoff
    assert claim(sessions, "b") == []  # the second never overtakes it
    later = NOW + timedelta(seconds=10)
    assert claim(sessions, "b", now=later, policy=ONE) == [first]
    with sessions.begin() as s:
        assert inbox.mark_failed(s, "b", first, "boom", now=later, policy=POLICY, final=True)
    assert claim(sessions, "a", now=later) == [second]  # a dead one holds nothing up


def test_rows_with_no_known_conversation_keep_no_order(sessions) -> None:  # type: ignore[no-untyped-def]
    alive(sessions, "a")
    rows = [store(sessions, f"k{n}", "") for n in range(3)]
    assert claim(sessions, "a") == rows


# --- lanes -----------------------------------------------------------------------------------


def test_live_workers_split_the_lanes_evenly_and_each_lane_has_one_owner() -> None:
    for n in range(1, 6):
        names = [f"w{i}" for i in range(n)]
        shares = [share(name, names) for name in names]
        assert sorted(lane for s in shares for lane in s) == list(range(LANES))
        assert max(map(len, shares)) - min(map(len, shares)) <= 1
    assert share("new", ["a", "b"]) == share("new", ["a", "b", "new"])  # counts itself in


def test_lanes_move_when_a_worker_joins_leaves_or_dies(sessions) -> None:  # type: ignore[no-untyped-def]
    wall = {"now": NOW}
    a = Lanes(sessions, "a", ttl=10, wall=lambda: wall["now"])
    b = Lanes(sessions, "b", ttl=10, wall=lambda: wall["now"])

    def lanes(who: Lanes) -> list[int]:
        with sessions() as s:
            return who.mine(s, wall["now"])

    a.beat()
    assert lanes(a) == list(range(LANES))  # alone: every lane
    b.beat()  # b joins
    assert set(lanes(a)).isdisjoint(lanes(b))
    assert sorted(lanes(a) + lanes(b)) == list(range(LANES))
    assert len(lanes(a)) == len(lanes(b)) == LANES // 2
    b.leave()  # a clean stop: at once
    assert lanes(a) == list(range(LANES))
    b.beat()
    assert len(lanes(a)) == LANES // 2
    wall["now"] += timedelta(seconds=8)
    a.beat()  # a renews; b died and does not
    assert len(lanes(a)) == LANES // 2  # b's lease still runs
    wall["now"] += timedelta(seconds=3)
    assert lanes(a) == list(range(LANES))  # within its ttl, b's lanes are a's


def _lane_owned_by(sessions: sessionmaker[Session], worker: Lanes, at: datetime) -> str:
    """A conversation whose lane `worker` holds now."""
    with sessions() as s:
        mine = set(worker.mine(s, at))
    return next(f"c:C{n}" for n in range(1000) if inbox.lane_of("test", "w1", f"c:C{n}") in mine)


def test_a_worker_claims_only_from_its_lanes_and_a_dead_ones_claims_move(sessions) -> None:  # type: ignore[no-untyped-def]
    wall = {"now": NOW}
    clock = lambda: wall["now"]
    leases_ = {w: WorkerLease(sessions, w, ttl=10, wall=clock) for w in ("a", "b")}
    lanes = {w: Lanes(sessions, w, ttl=10, wall=clock) for w in ("a", "b")}
    for w in ("a", "b"):
        leases_[w].beat()
        lanes[w].beat()
    in_b = _lane_owned_by(sessions, lanes["b"], NOW)
    of_b = store(sessions, "k1", in_b)
    after = store(sessions, "k2", in_b)  # the same conversation
    of_a = store(sessions, "k3", _lane_owned_by(sessions, lanes["a"], NOW))
    assert claim(sessions, "a", lanes=lanes["a"].mine) == [of_a]
    assert claim(sessions, "b", lanes=lanes["b"].mine, policy=ONE) == [of_b]
    # b dies holding of_b; a renews; once b's leases lapse, its lanes and claims are a's
    wall["now"] = NOW + timedelta(seconds=8)
    leases_["a"].beat()
    lanes["a"].beat()
    assert claim(sessions, "a", lanes=lanes["a"].mine, alive_at=wall["now"]) == [of_a]
    wall["now"] = NOW + timedelta(seconds=11)
    taken = claim(sessions, "a", lanes=lanes["a"].mine, alive_at=wall["now"])
    assert taken == sorted([of_a, of_b, after])  # of_b, and the row after it behind it
    done(sessions, "a", of_b)
    assert claim(sessions, "a", lanes=lanes["a"].mine, alive_at=wall["now"]) == [after, of_a]


# --- order under several workers, concurrently ---------------------------------------------


class Recorder:
    """A parser that records which row of which conversation it was given, and checks that
    no two workers are ever inside one conversation at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: dict[str, list[int]] = {}
        self.inside: dict[str, str] = {}
        self.overlaps = 0
        self.by_worker: dict[str, int] = {}

    def parse(self, row: Claimed) -> None:
        where, seq = row.payload["where"], row.payload["seq"]
        me = threading.current_thread().name
        with self.lock:
            if where in self.inside:
                self.overlaps += 1
            self.inside[where] = me
            self.seen.setdefault(where, []).append(seq)
            self.by_worker[me] = self.by_worker.get(me, 0) + 1
        time.sleep(random.uniform(0, 0.002))
        with self.lock:
            del self.inside[where]


@pytest.mark.parametrize(
    ("workers", "lanes"),
    [(2, "held"), (3, "held"), (3, "moving"), (3, "every")],
    ids=["2-held", "3-held", "3-moving", "3-every-lane"],
)
def test_one_conversations_rows_are_handled_in_order_under_several_workers(  # type: ignore[no-untyped-def]
    sessions, workers, lanes
) -> None:
    """`held`: each worker its share of the lanes; `moving`: one worker leaves and another
    joins halfway, so lanes change hands while rows of theirs are claimed; `every`: every
    worker claims from every lane (as two do for a moment while lanes move): order then rests
    on the claim rule alone."""
    recorder = Recorder()
    channels, per_channel = 6, 30
    stored, halfway = threading.Event(), threading.Event()

    def intake(name: str) -> Intake:
        held = Lanes(sessions, name) if lanes != "every" else None
        if held is not None:
            held.beat()
        return Intake(
            bot=Chat(sessions).bot,
            parsers={"test": recorder.parse},  # type: ignore[dict-item]
            name=name,
            clock=lambda: NOW,
            policy=InboxPolicy(batch_size=5),
            lanes=held,
        )

    def work(intake: Intake, leave: bool = False) -> None:
        while True:
            finished = stored.is_set()
            if leave and halfway.is_set():
                intake.lanes.leave()  # type: ignore[union-attr]
                intake.stop()
                return
            if intake.drain() == 0:
                if finished:
                    return
                time.sleep(0.001)

    intakes = [intake(f"w{n}") for n in range(workers)]
    threads = [
        threading.Thread(target=work, args=(i, lanes == "moving" and n == 0), name=i.name)
        for n, i in enumerate(intakes)
    ]
    for t in threads:
        t.start()
    for seq in range(per_channel):  # the edge stores while the workers drain
        if seq == per_channel // 2 and lanes == "moving":
            halfway.set()
            joining = intake("w9")
            threads.append(threading.Thread(target=work, args=(joining,), name="w9"))
            threads[-1].start()
        for c in range(channels):
            where = inbox.conversation(channel=f"C{c}")
            store(sessions, f"k{c}-{seq}", where, payload={"where": where, "seq": seq})
    stored.set()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads)
    assert recorder.overlaps == 0
    assert recorder.seen == {
        inbox.conversation(channel=f"C{c}"): list(range(per_channel)) for c in range(channels)
    }
    assert len(recorder.by_worker) >= workers  # every worker had work in its lanes
    with sessions() as s:
        assert set(s.scalars(select(InboxItem.status))) == {"done"}


def test_deal_commands_of_one_channel_keep_their_order_through_two_workers(sessions) -> None:  # type: ignore[no-untyped-def]
    chat = Chat(sessions, now="2026-12-07 10:00")  # NOW
    chat.say("boss", "/help")  # the first person is the admin
    names = [f"Cust{n}" for n in range(8)]
    order = ["new license 50k", "stage proposal", "stage negotiate"]
    n = 0
    for step in order:
        for c, name in enumerate(names):
            n += 1
            store(
                sessions,
                f"d{n}",
                inbox.conversation(channel=f"C{c}"),
                payload={"who": f"rep{c}", "text": f"/deal {name} {step}"},
            )
    intakes = []
    for w in ("w1", "w2"):
        bot_chat = Chat(sessions, now="2026-12-07 10:00")
        intakes.append(
            Intake(
                bot=bot_chat.bot,
                parsers={"test": bot_chat.parse},
                name=w,
                clock=lambda: chat.now,
                policy=InboxPolicy(batch_size=3),
                lanes=Lanes(sessions, w),
            )
        )
    for intake in intakes:
        intake.lanes.beat()  # type: ignore[union-attr]

    def work(intake: Intake) -> None:
        while intake.drain():
            pass

    threads = [threading.Thread(target=work, args=(i,)) for i in intakes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    with sessions() as s:
        stages = dict(s.execute(select(Customer.name, Deal.stage).join(Deal)).all())
        assert set(s.scalars(select(InboxItem.status))) == {"done"}
    assert stages == {name: "negotiate" for name in names}


def test_a_conversation_behind_a_long_blocked_backlog_is_still_claimed(sessions) -> None:  # type: ignore[no-untyped-def]
    # a claim looks for heads among the oldest waiting rows first (a batch's worth times
    # WINDOW); when all of those wait behind a row in its backoff, it looks at every row
    alive(sessions, "a")
    stuck = [store(sessions, f"x{n}", "c:X") for n in range(queue.WINDOW + 2)]
    assert claim(sessions, "a", policy=ONE) == stuck[:1]
    with sessions.begin() as s:
        assert inbox.mark_failed(s, "a", stuck[0], "boom", now=NOW, policy=POLICY) is False
    other = store(sessions, "y", "c:Y")
    assert claim(sessions, "a", policy=ONE) == [other]
