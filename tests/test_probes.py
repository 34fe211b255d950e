"""`GET /livez` (the process answers, no database) and `GET /readyz` (it can store and is not
saturated; `/healthz` is its alias), each failing part named: the database unreachable or busy,
the probes' own threads, the event loop, the inbox at its max_depth. End to end against
`dealbot serve` on PostgreSQL (a lock held on the inbox, connections refused), and the probe's
parts on their own with real threads, a real event loop and a real refused connection."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from adapters.server.readiness import LOOP_LAG_LIMIT, LoopWatch, ProbeFailed, Probes, ready
from tests.conftest import PG_ADMIN_URL, empty_pg_database
from tests.test_serve import free_port, get, start, stop, wait_healthy


@dataclass
class Depth:  # what bot.inbox.depth returns
    pending: int = 0
    dead: int = 0
    oldest_age: float = 0.0


def answer(port: int, path: str) -> tuple[int, dict[str, Any]]:
    status, body = get(f"http://127.0.0.1:{port}{path}")
    return status, json.loads(body)


@pytest.fixture(scope="module")
def pg_serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, str, str]]:
    """serve on a PostgreSQL database of its own: (port, its URL, its name)."""
    tmp = tmp_path_factory.mktemp("probes")
    with empty_pg_database() as url:
        port = free_port()
        config = tmp / "dealbot.toml"
        config.write_text(
            f'[database]\nurl = "{url}"\n[server]\nport = {port}\n'
            "[scheduler]\ninterval_seconds = 3600\n"
        )
        log = tmp / "serve.log"
        proc = start(config, log)
        try:
            wait_healthy(port, proc, log)
            yield port, url, url.rsplit("/", 1)[1]
        finally:
            stop(proc)


def test_livez_answers_and_readyz_says_ready(pg_serve: tuple[int, str, str]) -> None:
    port, _, _ = pg_serve
    assert answer(port, "/livez") == (200, {"status": "ok"})
    status, body = answer(port, "/readyz")
    assert (status, body["status"], body["database"]) == (200, "ok", "ok")
    assert body["inbox"] == {"backlog": 0, "oldest_seconds": 0.0, "dead": 0}
    assert answer(port, "/healthz") == (status, body)  # the alias


def test_a_locked_inbox_is_busy_and_then_the_probes_are_saturated(
    pg_serve: tuple[int, str, str],
) -> None:
    port, url, _ = pg_serve
    engine = create_engine(url)
    with engine.connect() as holder:
        holder.execute(text("LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE"))  # held until rollback
        # the database is there, and a probe waits on it: busy, not unreachable
        assert answer(port, "/readyz") == (503, {"status": "unhealthy", "database": "busy"})
        assert answer(port, "/livez") == (200, {"status": "ok"})
        # each of those probes holds one of the probes' threads until the lock goes: with all
        # of them held, a probe cannot even start — the edge is saturated, and says so
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda _: answer(port, "/readyz"), range(4)))
        assert (
            503,
            {"status": "saturated", "database": "unchecked", "saturated": ["probes"]},
        ) in answers + [answer(port, "/readyz")]
        assert answer(port, "/healthz")[1]["saturated"] == ["probes"]
        holder.rollback()
    engine.dispose()
    deadline = time.monotonic() + 10
    while answer(port, "/readyz")[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert answer(port, "/readyz")[1]["status"] == "ok"


def test_a_database_that_refuses_connections_is_unreachable(
    pg_serve: tuple[int, str, str],
) -> None:
    port, _, name = pg_serve
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name"),
            {"name": name},
        )
        try:
            assert answer(port, "/readyz") == (
                503,
                {"status": "unhealthy", "database": "unreachable"},
            )
            assert answer(port, "/healthz")[1]["database"] == "unreachable"
            assert answer(port, "/livez") == (200, {"status": "ok"})  # the process answers
        finally:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    admin.dispose()
    deadline = time.monotonic() + 20
    while answer(port, "/readyz")[0] != 200 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert answer(port, "/readyz")[1]["status"] == "ok"


# --- the parts on their own -----------------------------------------------------------------


def test_a_probe_names_what_kept_it_from_answering() -> None:
    probes = Probes(workers=2, timeout=0.3)
    release = threading.Event()

    def refused() -> None:  # a real driver's refusal: nothing listens on port 1
        create_engine("postgresql+psycopg://nobody@127.0.0.1:1/x").connect()

    async def scenario() -> list[tuple[str, str]]:
        seen = []
        for fn in (refused, lambda: release.wait(10), lambda: release.wait(10), lambda: 1):
            try:
                await probes.run(fn)
                seen.append(("answered", ""))
            except ProbeFailed as e:
                seen.append((e.part, e.state))
        return seen

    try:
        seen = asyncio.run(scenario())
    finally:
        release.set()
        probes.shutdown()
    # refused: unreachable; two that wait: busy, holding both threads; then none can start
    assert seen == [
        ("database", "unreachable"),
        ("database", "busy"),
        ("database", "busy"),
        ("probes", "saturated"),
    ]


def test_a_blocked_event_loop_is_saturated_until_it_catches_up() -> None:
    async def scenario() -> tuple[float, float]:
        watch = LoopWatch()
        task = asyncio.create_task(watch.run())
        await asyncio.sleep(0.3)
        calm = watch.lag()
        time.sleep(LOOP_LAG_LIMIT + 0.5)  # noqa: ASYNC251 - the point: the loop is held
        await asyncio.sleep(0)
        held = watch.lag()
        task.cancel()
        return calm, held

    calm, held = asyncio.run(scenario())
    assert calm < LOOP_LAG_LIMIT < held
    status, body = ready(Depth(), None, worker="ok", lag=held, max_depth=10, inbox_busy=False)
    assert (status, body["status"], body["saturated"]) == (503, "saturated", ["event_loop"])
    assert body["event_loop_lag_seconds"] >= LOOP_LAG_LIMIT


def test_each_failing_reason_is_named() -> None:
    ok = ready(Depth(2, 0, 1.0), None, worker="ok", lag=0.0, max_depth=10, inbox_busy=False)
    assert ok == (
        200,
        {
            "status": "ok",
            "database": "ok",
            "inbox": {"backlog": 2, "oldest_seconds": 1.0, "dead": 0},
        },
    )
    full = ready(Depth(10), None, worker="ok", lag=0.0, max_depth=10, inbox_busy=True)
    assert full[0] == 503 and full[1]["status"] == "saturated"
    assert full[1]["saturated"] == ["inbox"] and full[1]["inbox"]["max_depth"] == 10
    assert full[1]["database"] == "ok"  # the database is fine: only the edge is full
    down = ready(Depth(), None, worker="starting", lag=0.0, max_depth=10, inbox_busy=False)
    assert down[0] == 503 and (down[1]["status"], down[1]["worker"]) == ("unhealthy", "starting")
    for state in ("unreachable", "busy"):
        failed = ProbeFailed("database", state)
        assert ready(None, failed, worker="ok", lag=0.0, max_depth=10, inbox_busy=False) == (
            503,
            {"status": "unhealthy", "database": state},
        )
