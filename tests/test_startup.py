"""Starting up: instances started together on a fresh PostgreSQL database take turns migrating
(an advisory lock) and all come up; a database that does not answer is retried with one log
line per attempt, then serve (and its worker) exit non-zero with one line and no traceback; a
serve that no chat platform can reach says so."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import db
from tests.conftest import empty_pg_database
from tests.fakes.slack_api import FakeSlack
from tests.test_config import check_config
from tests.test_serve import (
    DEALBOT,
    free_port,
    serve_config,
    start,
    stop,
    wait_for,
    wait_healthy,
)

ROOT = Path(__file__).resolve().parent.parent
CLOSED = "postgresql+psycopg://postgres@127.0.0.1:{port}/nothing"  # nothing listens there


def entries(log: Path) -> list[dict[str, str]]:
    """The JSON lines of a serve's log (every line must be one)."""
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def at_head(url: str) -> bool:
    engine = db.make_engine(url)
    try:
        return db.is_current(engine)
    finally:
        engine.dispose()


# --- migrations under an advisory lock ----------------------------------------------------


@pytest.mark.postgres
def test_two_processes_upgrading_a_fresh_database_at_once_both_succeed(tmp_path: Path) -> None:
    with empty_pg_database() as url:
        go = time.time() + 3  # both are loaded by then, and begin together
        code = (
            f"import time; from storage import db; e = db.make_engine({url!r}); "
            f"time.sleep(max(0, {go} - time.time())); db.upgrade(e)"
        )
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", code], cwd=ROOT, text=True, stderr=subprocess.PIPE
            )
            for _ in range(2)
        ]
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], errors
        assert errors == ["", ""]
        assert at_head(url)


@pytest.mark.postgres
def test_two_threads_upgrading_a_fresh_database_at_once_both_succeed() -> None:
    with empty_pg_database() as url:
        together = threading.Barrier(2)
        failures: list[BaseException] = []
        engines = [db.make_engine(url) for _ in range(2)]

        def upgrade(engine) -> None:  # type: ignore[no-untyped-def]
            together.wait()
            try:
                db.upgrade(engine)
            except BaseException as e:  # noqa: BLE001 - reported below
                failures.append(e)

        threads = [threading.Thread(target=upgrade, args=(e,)) for e in engines]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert not any(t.is_alive() for t in threads)
        assert failures == []
        assert at_head(url)
        with engines[0].connect() as conn:  # and the lock was let go
            assert (
                conn.scalar(
                    text(
                        "select count(*) from pg_locks where locktype = 'advisory'"
                        " and database = (select oid from pg_database"
                        " where datname = current_database())"
                    )
                )
                == 0
            )
        for e in engines:
            e.dispose()


@pytest.mark.postgres
def test_two_serves_started_together_on_a_fresh_database_both_come_up(tmp_path: Path) -> None:
    with empty_pg_database() as url, FakeSlack() as slack:
        procs = []
        for _ in range(2):
            port = free_port()
            log = tmp_path / f"serve-{port}.log"
            procs.append((start(serve_config(tmp_path, url, slack, port), log), port, log))
        try:
            for proc, port, log in procs:
                wait_healthy(port, proc, log)
            assert at_head(url)
        finally:
            codes = [stop(proc) for proc, _, _ in procs]
        for (_, _, log), code in zip(procs, codes, strict=True):
            assert code == 0, log.read_text()
            assert "Traceback" not in log.read_text()
            assert not any("no chat platform" in e["msg"] for e in entries(log))
        waited = sum(
            any("waiting for another instance" in e["msg"] for e in entries(log))
            for _, _, log in procs
        )
        print(f"two serves on a fresh database: both healthy; {waited} waited for the other")


# --- a database that does not answer ------------------------------------------------------


def test_serve_retries_an_unreachable_database_then_exits_with_one_line(tmp_path: Path) -> None:
    config = tmp_path / "dealbot.toml"
    config.write_text(
        f'[database]\nurl = "{CLOSED.format(port=free_port())}"\n'
        f"connect_retry_seconds = 2\n[server]\nport = {free_port()}\n"
    )
    done = subprocess.run(
        [str(DEALBOT), "serve", "--config", str(config)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines()]  # JSON lines, all of them
    attempts = [e for e in lines if "unreachable (attempt" in e["msg"]]
    assert len(attempts) >= 2, done.stderr
    assert all(e["level"] == "WARNING" and "Connection refused" in e["msg"] for e in attempts)
    assert [n for n in range(1, len(attempts) + 1)] == [
        int(e["msg"].split("(attempt ")[1].split(")")[0]) for e in attempts
    ]
    last = lines[-1]
    assert last["level"] == "ERROR" and last["msg"].startswith("not starting: database ")
    assert "connect_retry_seconds" in last["msg"]
    print(f"unreachable database, 2 s: {len(attempts)} attempt lines, exit {done.returncode}")


def test_tick_gives_up_on_an_unreachable_database_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "dealbot.toml"
    config.write_text(
        f'[database]\nurl = "{CLOSED.format(port=free_port())}"\nconnect_retry_seconds = 1\n'
    )
    done = subprocess.run(
        [str(DEALBOT), "tick", "--at", "2026-12-01T09:00:00", "--config", str(config)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].startswith("Error: database ")


@pytest.mark.postgres
def test_the_worker_waits_for_the_database_as_the_edge_does(tmp_path: Path) -> None:
    """The edge opened the store; then its worker process finds it unreachable (here: the
    config file it reads names a closed port by then). It retries, then exits 1 with one line
    and no traceback, and serve, which would answer nothing without it, stops with exit 1."""
    with empty_pg_database() as url, FakeSlack() as slack:
        port = free_port()
        config = serve_config(tmp_path, url, slack, port)
        log = tmp_path / "serve.log"
        admin = db.make_engine(url)
        with admin.connect() as held:  # the edge waits on the migration lock while we swap
            held.execute(text("select pg_advisory_lock(:k)"), {"k": db.MIGRATION_LOCK})
            held.commit()
            proc = start(config, log)
            try:
                assert wait_for(lambda: "waiting for another instance" in log.read_text(), 60), (
                    log.read_text()
                )
                config.write_text(
                    config.read_text().replace(
                        f'url = "{url}"',
                        f'url = "{CLOSED.format(port=free_port())}"\nconnect_retry_seconds = 2',
                    )
                )
                held.execute(text("select pg_advisory_unlock(:k)"), {"k": db.MIGRATION_LOCK})
                held.commit()
                assert wait_for(lambda: "worker not starting" in log.read_text(), 60), (
                    log.read_text()
                )
                # serve without a worker would store and never answer: it stops, exit 1
                code = proc.wait(timeout=30)
            finally:
                if proc.poll() is None:
                    stop(proc)
        admin.dispose()
        assert code == 1, log.read_text()
        assert "Traceback" not in log.read_text()
        lines = entries(log)
        attempts = [e for e in lines if "unreachable (attempt" in e["msg"]]
        assert len(attempts) >= 2
        assert any("worker exited with 1" in e["msg"] for e in lines)


def test_connect_retry_seconds_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[database]\nconnect_retry_seconds = -1\n")
    assert check_config(path, env={}) == [
        "database.connect_retry_seconds: must be 0 or more (0: one attempt, no waiting)"
    ]
    path.write_text('[database]\nconnect_retry_seconds = "soon"\n')
    assert check_config(path, env={}) == ["database.connect_retry_seconds: must be a number"]


# --- nothing can reach it -----------------------------------------------------------------


def test_serve_with_no_chat_platform_warns_that_nothing_can_reach_it(tmp_path: Path) -> None:
    port = free_port()
    config = tmp_path / "dealbot.toml"
    config.write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "d.db"}"\n[server]\nport = {port}\n'
    )
    log = tmp_path / "serve.log"
    proc = start(config, log)
    try:
        wait_healthy(port, proc, log)
    finally:
        assert stop(proc) == 0, log.read_text()
    warned = [e for e in entries(log) if "no chat platform" in e["msg"]]
    assert len(warned) == 1 and warned[0]["level"] == "WARNING"
    for table in ("[slack]", "[feishu]", "[wecom]", "dealbot console"):
        assert table in warned[0]["msg"]
