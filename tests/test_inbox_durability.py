"""Nothing acknowledged is lost: commands answered 200 survive a SIGKILL right after the last
answer (SQLite and PostgreSQL), and a console run never reuses an earlier run's push keys."""

from __future__ import annotations

import itertools
import signal
import subprocess
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import db
from storage.models import Activity
from storage.transit import InboxItem
from tests.conftest import empty_pg_database
from tests.fakes import slack_signing as signing
from tests.fakes.slack_api import FakeSlack
from tests.kits.slack import slow_profiles
from tests.test_console import run_console
from tests.test_serve import free_port, serve_config, start, stop, wait_for, wait_healthy

SECRET = "kill-test-signing-secret"
_n = itertools.count()


def config(tmp: Path, url: str, fake: FakeSlack, port: int) -> Path:
    return serve_config(tmp, url, fake, port, secret=SECRET, lease=3)


def post_log(port: int, fake: FakeSlack, i: int) -> int:
    body = signing.command_body(
        command="/log",
        text=f"Acme call note number {i}",
        user_id="U1",
        team_id="T1",
        channel_id="C1",
        channel_name="sales",
        trigger_id=f"kill-{i}-{next(_n)}",
        response_url=f"{fake.base}/response/k{i}",
    )
    req = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body,
        method="POST",
        headers=signing.headers(body, SECRET, content_type="application/x-www-form-urlencoded"),
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status


def count(url: str, model) -> int:  # type: ignore[no-untyped-def]
    sessions = db.open_store(url, migrate=False)
    with sessions() as s:
        n = s.scalar(select(func.count(model.id))) or 0
    sessions.kw["bind"].dispose()
    return n


def kill_after_acks(tmp: Path, url: str, n: int) -> None:
    with FakeSlack() as fake:
        slow_profiles(fake, 0.02)  # the backlog is real when the kill lands
        port = free_port()
        cfg = config(tmp, url, fake, port)
        log = tmp / "first.log"
        proc = start(cfg, log)
        wait_healthy(port, proc, log)
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(lambda i: post_log(port, fake, i), range(n)))
        proc.send_signal(signal.SIGKILL)  # right after the last 200
        proc.wait(timeout=10)
        assert statuses == [200] * n
        handled_before = count(url, Activity)
        assert count(url, InboxItem) == n  # every acknowledged command was stored
        log2 = tmp / "second.log"
        proc = start(cfg, log2)
        try:
            wait_healthy(port, proc, log2)
            assert wait_for(lambda: count(url, Activity) >= n, 120), log2.read_text()
            assert wait_for(lambda: len(fake.responses) >= n, 60)
        finally:
            assert stop(proc) == 0
        assert count(url, Activity) == n  # none lost, none doubled
        answered_twice = sum(len(v) - 1 for v in fake.responses.values())
        print(
            f"kill test: {n} acked, {handled_before} handled when killed, "
            f"{n - count(url, Activity)} lost, {answered_twice} answered twice"
        )
        assert answered_twice <= 1, answered_twice
        assert handled_before < n, "the kill landed after all work was done: no test"


def test_sigkill_after_the_last_ack_loses_nothing_on_sqlite(tmp_path: Path) -> None:
    kill_after_acks(tmp_path, f"sqlite:///{tmp_path / 'kill.db'}", 120)


@pytest.mark.postgres
def test_sigkill_after_the_last_ack_loses_nothing_on_postgres(tmp_path: Path) -> None:
    with empty_pg_database() as url:
        db.upgrade(db.make_engine(url))
        kill_after_acks(tmp_path, url, 120)


def test_a_second_console_run_prints_every_push(tmp_path: Path) -> None:
    """Push keys come from inbox rows, unique across runs: a second run's pushes are new."""
    dbfile = tmp_path / "two.db"
    first = "[alice] /team east @bob @alice @carl\n[alice] /log Globex call hello\n"
    first += "[bob] /handover Globex @alice @bob\n"
    out1 = run_console(first, dbfile)
    assert "→ @alice: " in out1
    second = "[alice] /handover Globex @bob @carl\n"
    out2 = run_console(second, dbfile)
    assert "→ @carl: " in out2 and "→ @bob: " in out2, out2


def test_dealbot_help_loads_no_sdk() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from adapters.cli.main import main;"
        "CliRunner().invoke(main, ['--help']);"
        "bad = [m for m in ('slack_sdk', 'slack_bolt', 'sqlalchemy', 'jinja2', 'uvicorn')"
        " if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run(
        [__import__("sys").executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_sigterm_with_a_backlog_exits_in_seconds_and_the_next_start_finishes_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'term.db'}"
    with FakeSlack() as fake:
        slow_profiles(fake, 0.5)  # a backlog to leave behind
        port = free_port()
        cfg = config(tmp_path, url, fake, port)
        log = tmp_path / "first.log"
        proc = start(cfg, log)
        wait_healthy(port, proc, log)
        with ThreadPoolExecutor(max_workers=10) as pool:
            assert set(pool.map(lambda i: post_log(port, fake, i), range(40))) == {200}
        import time

        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        assert time.monotonic() - began < 10, "SIGTERM took too long"
        left = count(url, InboxItem) - count(url, Activity)
        assert left > 0, "nothing was left for the next start: no test"
        log2 = tmp_path / "second.log"
        proc = start(cfg, log2)
        try:
            wait_healthy(port, proc, log2)
            assert wait_for(lambda: count(url, Activity) == 40, 90), log2.read_text()
        finally:
            assert stop(proc) == 0
