"""Leases (one holder at a time across instances), on SQLite and PostgreSQL, and what they are
for: two dealbots configured with the same WeCom AI bot, of which WeCom keeps one connection —
one holds it, the other stands by and takes over when the first stops."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from adapters.cli.process import of_process
from adapters.wecom import aibot
from adapters.wecom.config import WecomSection
from storage import leases
from tests.fakes import wecom_signing as signing
from tests.fakes.wecom_ws import FakeAibotWs

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_a_lease_has_one_holder_until_it_expires_or_is_released(sessions) -> None:  # type: ignore[no-untyped-def]
    assert leases.hold(sessions, "x", "a", ttl=30, now=T0)
    assert not leases.hold(sessions, "x", "b", ttl=30, now=T0 + timedelta(seconds=10))
    assert leases.hold(sessions, "x", "a", ttl=30, now=T0 + timedelta(seconds=20))  # renewed
    assert not leases.hold(sessions, "x", "b", ttl=30, now=T0 + timedelta(seconds=45))
    assert leases.hold(sessions, "x", "b", ttl=30, now=T0 + timedelta(seconds=51))  # a died
    assert not leases.hold(sessions, "x", "a", ttl=30, now=T0 + timedelta(seconds=52))
    leases.release(sessions, "x", "a")  # not a's to give up
    assert not leases.hold(sessions, "x", "a", ttl=30, now=T0 + timedelta(seconds=53))
    leases.release(sessions, "x", "b")
    assert leases.hold(sessions, "x", "a", ttl=30, now=T0 + timedelta(seconds=54))
    assert leases.hold(sessions, "y", "b", ttl=30, now=T0)  # another name, another lease


def test_eight_instances_starting_at_once_give_it_to_one(sessions) -> None:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(8)
    won: list[str] = []

    def ask(holder: str) -> None:
        barrier.wait()
        if leases.hold(sessions, "race", holder, ttl=30, now=T0):
            won.append(holder)

    threads = [threading.Thread(target=ask, args=(f"h{n}",)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(aibot, "CHECK_EVERY", 0.2)
    monkeypatch.setattr(aibot, "LEASE_TTL", 2.0)


def test_one_instance_holds_the_ai_bot_and_the_other_takes_over(sessions, quick) -> None:  # type: ignore[no-untyped-def]
    with FakeAibotWs() as ws:
        config = WecomSection.model_validate(
            {
                "corp_id": signing.CORP,
                "agent_id": signing.AGENT,
                "secret": "s",
                "token": signing.TOKEN,
                "encoding_aes_key": signing.AES_KEY,
                "bot_id": ws.bot_id,
                "bot_secret": ws.secret,
                "bot_ws_url": ws.url,
            }
        )
        heard: list[tuple[str, str]] = []

        def conn(holder: str) -> aibot.BotConnection:
            hold, let_go = of_process(sessions, holder)
            return aibot.BotConnection(
                config, lambda body, req: heard.append((holder, req)), hold=hold, let_go=let_go
            )

        first, second = conn("first"), conn("second")
        first.start()
        assert ws.wait_authenticated(1)
        second.start()
        time.sleep(1.0)
        assert second.standing_by.is_set() and ws.connections == 1 and ws.kicks == 0
        req = ws.push_text("/记录 华为 电话 给持有连接的一方", msgid="lease-1")
        assert ws.wait(lambda: any(r == req for _, r in heard))
        assert [h for h, _ in heard] == ["first"]
        first.stop()  # it lets go: the standby takes over at its next renewal
        assert ws.wait_authenticated(2, timeout=10)
        assert not second.standing_by.is_set() and ws.kicks == 0
        req = ws.push_text("/记录 华为 电话 接手之后", msgid="lease-2")
        assert ws.wait(lambda: any(r == req for _, r in heard))
        assert heard[-1][0] == "second"
        second.stop()


def test_a_renewal_in_flight_at_stop_does_not_take_the_lease_back(sessions, quick) -> None:  # type: ignore[no-untyped-def]
    """A stopping holder lets go; a renewal that was already under way must not re-take the
    lease after that, or the standby waits out a lease nobody uses (and loses its connection)."""
    from sqlalchemy import select

    from storage.transit import Lease

    with FakeAibotWs() as ws:
        config = WecomSection.model_validate(
            {
                "corp_id": signing.CORP,
                "agent_id": signing.AGENT,
                "secret": "s",
                "token": signing.TOKEN,
                "encoding_aes_key": signing.AES_KEY,
                "bot_id": ws.bot_id,
                "bot_secret": ws.secret,
                "bot_ws_url": ws.url,
            }
        )
        hold, let_go = of_process(sessions, "first")
        renewing = threading.Event()

        def slow_hold(name: str, ttl: float) -> bool:
            renewing.set()
            time.sleep(0.5)  # a slow database: the renewal is still running when stop() comes
            return hold(name, ttl)

        first = aibot.BotConnection(config, lambda body, req: None, hold=slow_hold, let_go=let_go)
        first.start()
        assert ws.wait_authenticated(1)
        renewing.clear()
        assert renewing.wait(5)
        first.stop()
        time.sleep(0.8)  # past the renewal's end
        with sessions() as s:
            assert s.scalars(select(Lease)).all() == []
