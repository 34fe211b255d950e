"""The edge's inbox writer: one delivery the store refuses fails alone. Deliveries are
group-committed in one INSERT; when the store refuses one row's data (PostgreSQL text holds no
NUL; no store takes a string that is not UTF-8), that row is answered REFUSED and every other
one of its group is stored and answered SAVED. On a real SQLite file and on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection
from websockets.sync.server import serve as websocket_server

from adapters.ingress import Ingress, Verdict
from bot.inbox import Arrival
from storage import db
from storage.transit import InboxItem
from tests.conftest import empty_pg_database
from tests.fakes import slack_signing as signing
from tests.fakes.slack_api import FakeSlack
from tests.test_serve import free_port, serve_config, start, stop, wait_for, wait_healthy

WORDS = "Acme asked for the revised quote by Friday"  # what a person wrote: never in a log


def arrival(workspace: str, key: str) -> Arrival:
    return Arrival(
        platform="slack",
        workspace=workspace,
        key=key,
        payload={"kind": "event", "body": {"text": WORDS}},
        received_at=datetime.now(UTC),
    )


def in_one_group(ingress: Ingress, arrivals: list[Arrival]) -> list[Verdict]:
    """Every arrival waiting before the writer starts, so they go in one group commit."""

    async def run() -> list[Verdict]:
        tasks = [asyncio.create_task(ingress.persist(a, 30)) for a in arrivals]
        await asyncio.sleep(0)  # each task has handed its delivery over
        assert ingress._queue.qsize() == len(arrivals)
        ingress.start()
        return list(await asyncio.gather(*tasks))

    try:
        return asyncio.run(run())
    finally:
        ingress.stop()


def stored(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as s:
        rows = s.execute(select(InboxItem.workspace, InboxItem.delivery_key))
        return sorted((w, k) for w, k in rows)


BAD = {
    # (workspace, key) of the bad one, and whether each store refuses it
    "nul_team_id": (("T\x00", "ev-bad"), {"sqlite": False, "postgresql": True}),
    "nul_key": (("T1", "ev-\x00"), {"sqlite": False, "postgresql": True}),
    "unpaired_surrogate_key": (("T1", "ev-\ud800"), {"sqlite": True, "postgresql": True}),
}


@pytest.mark.parametrize("case", list(BAD))
def test_one_refused_delivery_among_24_fails_alone(
    sessions: sessionmaker[Session], case: str, caplog: pytest.LogCaptureFixture
) -> None:
    (workspace, key), refuses = BAD[case]
    dialect = sessions.kw["bind"].dialect.name
    good = [arrival("T1", f"ev-{i}") for i in range(24)]
    ingress = Ingress(sessions=sessions, max_depth=10_000)
    # one of them was stored before: its platform's retry is in the group too
    assert in_one_group(ingress, good[:1]) == [Verdict.SAVED]
    bad = arrival(workspace, key)
    group = good[:12] + [bad] + good[12:]
    with caplog.at_level(logging.WARNING, logger="adapters.ingress"):
        verdicts = in_one_group(Ingress(sessions=sessions, max_depth=10_000), group)

    answers = dict(zip([a.key for a in group], verdicts, strict=True))
    assert [answers[a.key] for a in good] == [Verdict.SAVED] * 24  # 0 good ones refused
    expected = [("T1", f"ev-{i}") for i in range(24)]
    if refuses[dialect]:
        assert answers[bad.key] is Verdict.REFUSED
        assert stored(sessions) == sorted(expected)
        refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert len(refusals) == 1, refusals
        assert "slack delivery refused by the store" in refusals[0]
        assert "the other 24 of its group of 25 stored" in refusals[0]
        reason = "NUL character" if "\x00" in workspace + key else "unpaired surrogate"
        assert reason in refusals[0]
        assert ("workspace id" if "\x00" in workspace else "delivery key") in refusals[0]
    else:  # SQLite keeps a NUL: stored like the others
        assert answers[bad.key] is Verdict.SAVED
        assert stored(sessions) == sorted([*expected, (workspace, key)])
    assert not any(WORDS in r.getMessage() for r in caplog.records)


def test_a_refused_delivery_alone_stores_nothing_and_the_next_group_is_stored(
    sessions: sessionmaker[Session],
) -> None:
    bad = arrival("T1", "ev-\ud800")  # refused by both stores
    assert in_one_group(Ingress(sessions=sessions, max_depth=10_000), [bad]) == [Verdict.REFUSED]
    assert stored(sessions) == []
    after = [arrival("T1", f"ev-{i}") for i in range(3)]
    verdicts = in_one_group(Ingress(sessions=sessions, max_depth=10_000), after)
    assert verdicts == [Verdict.SAVED] * 3
    assert stored(sessions) == [("T1", "ev-0"), ("T1", "ev-1"), ("T1", "ev-2")]


def test_a_store_that_fails_still_fails_the_whole_group(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A store that cannot take the insert (here: no inbox table) is not a row's fault: every
    delivery of the group is FAILED (the platform sends it again), none REFUSED."""
    from storage import db

    sessions = db.open_store(f"sqlite:///{tmp_path / 'empty.db'}", migrate=False)
    group = [arrival("T1", f"ev-{i}") for i in range(5)] + [arrival("T1", "ev-\ud800")]
    verdicts = in_one_group(Ingress(sessions=sessions, max_depth=10_000), group)
    sessions.kw["bind"].dispose()
    assert verdicts[:5] == [Verdict.FAILED] * 5
    assert verdicts[5] in (Verdict.FAILED, Verdict.REFUSED)


# --- through a real serve ------------------------------------------------------------------

SECRET = "ingress-test-signing-secret"


def post_event(port: int, team: str, i: int) -> tuple[int, str]:
    event = {
        "type": "message",
        "user": "U1",
        "text": f"{WORDS} ({i})",
        "channel": "C1",
        "channel_type": "channel",
        "ts": f"1700000000.{i:06d}",
    }
    body = signing.event_body(event, team=team, event_id=f"Ev{i}")  # a NUL goes as \u0000
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body,
        headers=signing.headers(body, SECRET),
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


@pytest.mark.postgres
def test_a_nul_team_id_among_24_signed_events_fails_alone_through_serve(tmp_path: Path) -> None:
    with empty_pg_database() as url, FakeSlack() as slack:
        db.upgrade(db.make_engine(url))
        port = free_port()
        log = tmp_path / "serve.log"
        proc = start(serve_config(tmp_path, url, slack, port, secret=SECRET), log)
        teams = ["T1"] * 12 + ["T\x00"] + ["T1"] * 12
        together = threading.Barrier(len(teams))

        def send(i: int) -> tuple[int, str]:
            together.wait()
            return post_event(port, teams[i], i)

        try:
            wait_healthy(port, proc, log)
            with ThreadPoolExecutor(max_workers=len(teams)) as pool:
                answers = list(pool.map(send, range(len(teams))))
        finally:
            code = stop(proc)
        assert code == 0, log.read_text()
        good = [a for i, a in enumerate(answers) if i != 12]
        assert [status for status, _ in good] == [200] * 24, good  # 0 good ones refused
        assert answers[12][0] == 400 and "refused by the store" in answers[12][1], answers[12]
        sessions = db.open_store(url, migrate=False)
        with sessions() as s:
            rows = s.execute(select(InboxItem.workspace, InboxItem.delivery_key)).all()
        sessions.kw["bind"].dispose()
        assert sorted(rows) == sorted(
            ("T1", f"msg:C1:1700000000.{i:06d}") for i in range(25) if i != 12
        )
        text = log.read_text()
        assert "Traceback" not in text and WORDS not in text
        refusals = [
            json.loads(line)["msg"] for line in text.splitlines() if "refused by the store" in line
        ]
        assert len(refusals) == 1, refusals
        assert "a NUL character in its workspace id" in refusals[0]
        print(
            f"24 good + 1 NUL team id through serve on PostgreSQL: "
            f"{sum(s == 200 for s, _ in good)} good stored, "
            f"{sum(s != 200 for s, _ in good)} good refused, bad answered {answers[12][0]}; "
            f"{refusals[0].split('; ', 1)[1]}"
        )


def test_a_refused_socket_mode_envelope_is_acked_and_the_next_one_stored(tmp_path: Path) -> None:
    """Over Slack's Socket Mode an envelope not acked is sent again; one the store refuses
    would be refused again, so it is acked (and logged), and the one after it goes through."""
    acks: list[str] = []

    def envelope(n: int, channel: str) -> str:
        event = {
            "type": "app_mention",
            "user": "U1",
            "ts": f"1700000600.00010{n}",
            "channel": channel,
            "channel_type": "channel",
            "text": f"<@UBOT> log Acme call over the socket {n}",
        }
        body = json.loads(signing.event_body(event, team="T-sock", event_id=f"EvR{n}"))
        return json.dumps(
            {
                "envelope_id": f"env-{n}",
                "type": "events_api",
                "accepts_response_payload": False,
                "payload": body,
            }
        )

    def session(ws: ServerConnection) -> None:
        ws.send(json.dumps({"type": "hello", "num_connections": 1}))
        ws.send(envelope(1, "C\ud800"))  # a channel id no store can encode: in the key
        ws.send(envelope(2, "C1"))
        with contextlib.suppress(ConnectionClosed):
            for raw in ws:
                acks.append(json.loads(raw).get("envelope_id"))

    with FakeSlack() as fake, websocket_server(session, "127.0.0.1", 0) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        fake.socket_url = f"ws://127.0.0.1:{server.socket.getsockname()[1]}/link"
        port = free_port()
        config = tmp_path / "socket.toml"
        config.write_text(f"""
[database]
url = "sqlite:///{tmp_path / "socket.db"}"
[server]
port = {port}
[slack]
bot_token = "xoxb-test"
signing_secret = "unused-in-socket-mode-but-required"
app_token = "xapp-test"
api_base_url = "{fake.url}"
[outbox]
poll_seconds = 0.2
""")
        log = tmp_path / "serve.log"
        proc = start(config, log)
        try:
            wait_healthy(port, proc, log)
            assert wait_for(lambda: any("over the socket 2" in str(p) for p in fake.posted), 30), (
                log.read_text()
            )
            assert wait_for(lambda: {"env-1", "env-2"} <= set(acks), 30), acks
        finally:
            code = stop(proc)
        assert code == 0, log.read_text()
        assert not any("over the socket 1" in str(p) for p in fake.posted)
        text = log.read_text()
        assert "Traceback" not in text
        assert "delivery key cannot be encoded as UTF-8" in text
